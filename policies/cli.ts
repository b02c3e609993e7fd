/**
 * The policy gate on the command line: `tsx policies/cli.ts [cdktf.out]`.
 * Prints a table of findings, writes `<outdir>/policy-report.json` and
 * `<outdir>/policy-report.sarif`, and exits 1 when any stack has an
 * unsuppressed violation or an invalid suppression (or config/policy.ts is
 * invalid), 2 when there is nothing to evaluate, 0 otherwise.
 */
import { runGate } from "./runner";

const outdir = process.argv[2] ?? "cdktf.out";
try {
  // Imported here so an invalid config/policy.ts fails with its one-line message, not a stack trace.
  const { policy } = await import("../config/policy");
  const run = runGate(outdir, policy);
  console.log(run.output);
  process.exitCode = run.exitCode;
} catch (error) {
  if (!(error instanceof Error && error.name === "ConfigError")) throw error;
  console.error(`policy gate: ${error.message}`);
  process.exitCode = 1;
}
