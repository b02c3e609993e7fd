/**
 * The gate over the real app: synthesizes `main.ts` in this process and
 * evaluates every stack with its scope from `config/policy.ts`, as
 * `npm run synth` does. The stated environment differences must show up as
 * accepted findings, and no scope entry may be stale.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policy } from "../../config/policy";
import type { Report } from "../../policies/gate";
import { runGate } from "../../policies/runner";
import { ENVIRONMENT_NAMES } from "../../config";
import { synthesizeApp } from "./synth";

let reports: readonly Report[];
let output: string;
let exitCode: number;
let outdir: string | undefined;

beforeAll(async () => {
  outdir = await synthesizeApp();
  ({ reports, output, exitCode } = runGate(outdir, policy));
});
afterAll(() => outdir && rmSync(outdir, { recursive: true, force: true }));

const report = (stack: string) => reports.find((r) => r.stack === stack)!;
const accepted = (stack: string) => [...new Set(report(stack).findings.filter((f) => f.status !== "violation").map((f) => f.ruleId))].sort();

describe("the policy gate on the synthesized app", () => {
  it("evaluates bootstrap and every environment", () => {
    const names = reports.map((r) => r.stack);
    expect(names).toContain("bootstrap");
    for (const env of ENVIRONMENT_NAMES) expect(names).toContain(env);
  });

  it("passes every stack", () => {
    // The console table names each violation's rule, address and fix.
    expect(exitCode, output).toBe(0);
    for (const r of reports) expect(r.errors, r.stack).toEqual([]);
  });

  it("accepts in dev exactly the differences config/policy.ts states (single-AZ, no deletion protection, restricted public endpoint)", () => {
    expect(accepted("dev")).toEqual(["CKV_AWS_157", "CKV_AWS_293", "CKV_AWS_39"]);
  });

  it("holds prod to every rule, the account baseline included", () => {
    expect(accepted("prod")).toEqual([]);
    expect(report("prod").counts.checks).toBeGreaterThan(100);
  });

  it("keeps no stale suppression or scope entry", () => {
    for (const r of reports) expect(r.warnings, r.stack).toEqual([]);
  });
});
