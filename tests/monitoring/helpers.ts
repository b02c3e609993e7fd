/** Shared helpers for the monitoring tests: repository paths, YAML loading, promtool/amtool runs. */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const root = join(import.meta.dirname, "..", "..");
export const testsDir = join(root, "monitoring/prometheus/tests");

export function readYaml<T = unknown>(relPath: string): T {
  return parse(readFileSync(join(root, relPath), "utf8")) as T;
}

/** Runs a tool; returns its exit status and combined output. */
export function run(cmd: string, args: string[], cwd = root): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export interface ExpAlert {
  exp_labels?: Record<string, string>;
}
export interface AlertRuleTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: ExpAlert[];
}
export interface PromtoolTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: AlertRuleTest[] }[];
}

export function promtoolTestFiles(): string[] {
  return readdirSync(testsDir)
    .filter((f) => f.endsWith(".test.yaml"))
    .map((f) => join(testsDir, f));
}

/** Every alert_rule_test case across the promtool test files. */
export function alertRuleTests(): AlertRuleTest[] {
  return promtoolTestFiles().flatMap((f) =>
    (parse(readFileSync(f, "utf8")) as PromtoolTestFile).tests.flatMap((t) => t.alert_rule_test ?? []),
  );
}
