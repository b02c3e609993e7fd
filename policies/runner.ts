/**
 * Runs the gate over a synthesized app: every `<outdir>/stacks/<name>/cdk.tf.json`,
 * scoped by `config/policy.ts`, and writes `policy-report.json` and
 * `policy-report.sarif` next to the stacks.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { PolicyConfig } from "../config/policy";
import { evaluate, type EvaluateOptions, type Report } from "./gate";
import { formatReports } from "./format";
import { toSarif } from "./sarif";

/** Gate options for `stackName` from the policy config; undefined when the stack has no entry. */
export function optionsFor(stackName: string, policy: PolicyConfig): EvaluateOptions | undefined {
  const entry = policy.stacks[stackName];
  return entry && { kind: entry.kind, notEnforced: entry.notEnforced };
}

/** Where a resource's block starts in the file, so code scanning can point at it. */
function lineIndex(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let type: string | undefined;
  text.split("\n").forEach((line, i) => {
    const typeMatch = /^ {4}"([a-z0-9_]+)": \{$/.exec(line);
    if (typeMatch) type = typeMatch[1];
    const nameMatch = /^ {6}"([^"]+)": \{$/.exec(line);
    if (type && nameMatch && !lines.has(`${type}.${nameMatch[1]}`)) lines.set(`${type}.${nameMatch[1]}`, i + 1);
  });
  return lines;
}

export interface GateRun {
  readonly reports: readonly Report[];
  /** 0 when every stack passed, 1 when any failed, 2 when there was nothing to evaluate. */
  readonly exitCode: number;
  readonly output: string;
}

/**
 * Evaluate every stack under `outdir` and write the reports.
 * @param root directory SARIF artifact paths are relative to (the repository root)
 */
export function runGate(outdir: string, policy: PolicyConfig, root = process.cwd()): GateRun {
  const stacksDir = join(outdir, "stacks");
  const names = existsSync(stacksDir)
    ? readdirSync(stacksDir)
        .filter((n) => existsSync(join(stacksDir, n, "cdk.tf.json")))
        .sort()
    : [];
  if (names.length === 0) {
    return { reports: [], exitCode: 2, output: `No synthesized stacks in ${stacksDir}; run cdktf synth first.` };
  }
  const files = new Map(names.map((n) => [n, join(stacksDir, n, "cdk.tf.json")]));
  const lines = new Map<string, Map<string, number>>();
  const reports = names.map((name) => {
    const text = readFileSync(files.get(name)!, "utf8");
    lines.set(name, lineIndex(text));
    const options = optionsFor(name, policy);
    const report = evaluate(name, JSON.parse(text), options ?? {});
    if (options) return report;
    const error = `config/policy.ts has no entry for stack "${name}"; add it under stacks with its kind`;
    return { ...report, passed: false, errors: [error, ...report.errors] };
  });
  const passed = reports.every((r) => r.passed);
  writeFileSync(join(outdir, "policy-report.json"), `${JSON.stringify({ passed, stacks: reports }, null, 2)}\n`);
  const sarif = toSarif(reports, {
    artifactUri: (stack) => relative(root, files.get(stack)!).split("\\").join("/"),
    lineOf: (stack, address) => lines.get(stack)?.get(address),
  });
  writeFileSync(join(outdir, "policy-report.sarif"), `${JSON.stringify(sarif, null, 2)}\n`);
  const output = `${formatReports(reports)}\nReports: ${join(outdir, "policy-report.json")}, ${join(outdir, "policy-report.sarif")}`;
  return { reports, exitCode: passed ? 0 : 1, output };
}
