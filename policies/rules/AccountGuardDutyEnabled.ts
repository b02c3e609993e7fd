import type { StackRule } from "../types";
import { fail, isFalse, pass } from "../lib/values";

/** GuardDuty watches the environment's account for threats. */
export const AccountGuardDutyEnabled: StackRule = {
  id: "GW_BASELINE_GUARDDUTY",
  title: "Environment stack has an enabled GuardDuty detector",
  scope: "stack",
  stackKinds: ["environment"],
  severity: "high",
  fix: "Add a GuardutyDetector with enable: true (security module account baseline).",
  check(context) {
    const detectors = context.ofType("aws_guardduty_detector");
    if (detectors.length === 0) return fail("no aws_guardduty_detector in the stack");
    return detectors.some((d) => !isFalse(d.values.enable)) ? pass() : fail("every aws_guardduty_detector has enable = false");
  },
};
