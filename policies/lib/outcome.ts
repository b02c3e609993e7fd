import type { CheckResult, Outcome } from "../types";

/** A check result as an object, whichever form the rule returned. */
export function outcomeOf(result: CheckResult): Outcome {
  return typeof result === "string" ? { status: result } : result;
}
