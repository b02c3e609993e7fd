/** `tsx policies/cli.ts <outdir>`: exit codes, console table and report files, on temporary cdktf.out dirs. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { goodBaseline, goodBucket, goodDb, stackJson, type Blocks } from "./fixtures";

const root = new URL("../..", import.meta.url).pathname;
const outdirs: string[] = [];
afterEach(() => outdirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function outdirWith(stacks: Record<string, Blocks>): string {
  const outdir = mkdtempSync(join(tmpdir(), "gw-cli-"));
  outdirs.push(outdir);
  for (const [name, blocks] of Object.entries(stacks)) {
    mkdirSync(join(outdir, "stacks", name), { recursive: true });
    writeFileSync(join(outdir, "stacks", name, "cdk.tf.json"), JSON.stringify(stackJson(blocks), null, 2));
  }
  return outdir;
}

function gate(outdir: string) {
  const run = spawnSync(join(root, "node_modules/.bin/tsx"), ["policies/cli.ts", outdir], { cwd: root, encoding: "utf8" });
  return { code: run.status, stdout: run.stdout };
}

const singleAzDb: Blocks = { "aws_db_instance.primary": { ...goodDb, multi_az: false, deletion_protection: false } };

describe("policies/cli.ts", () => {
  it("exits 0 and writes both reports when every stack passes (dev accepts single-AZ through config/policy.ts)", () => {
    const outdir = outdirWith({ bootstrap: goodBucket, dev: { ...goodBaseline, ...singleAzDb } });
    const { code, stdout } = gate(outdir);
    expect(code).toBe(0);
    expect(stdout).toContain("Policy gate passed for 2 stack(s).");
    const report = JSON.parse(readFileSync(join(outdir, "policy-report.json"), "utf8"));
    expect(report.passed).toBe(true);
    expect(report.stacks.map((s: { stack: string }) => s.stack)).toEqual(["bootstrap", "dev"]);
    const dev = report.stacks[1];
    expect(dev.findings.find((f: { ruleId: string }) => f.ruleId === "CKV_AWS_157")).toMatchObject({ status: "not-enforced", reason: "dev runs single-AZ to save cost" });
    const sarif = JSON.parse(readFileSync(join(outdir, "policy-report.sarif"), "utf8"));
    expect(sarif.version).toBe("2.1.0");
  });

  it("fails when prod has the violation dev accepts, printing rule, address, problem and fix", () => {
    const outdir = outdirWith({ prod: singleAzDb });
    const { code, stdout } = gate(outdir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/CKV_AWS_157\s+medium\s+aws_db_instance\.primary\s+multi_az is false\s+Set multiAz: true on the DbInstance/);
    expect(stdout).toContain("Policy gate FAILED for: prod");
    const sarif = JSON.parse(readFileSync(join(outdir, "policy-report.sarif"), "utf8"));
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === "CKV_AWS_157");
    expect(result.locations[0].physicalLocation.region.startLine).toBeGreaterThan(1);
  });

  it("fails when a stack has an invalid suppression", () => {
    const outdir = outdirWith({ bootstrap: { ...goodBucket, "aws_kms_key.k": { enable_key_rotation: true, "//": { groundwork_suppressions: [{ rule: "CKV_AWS_7", reason: "short" }] } } } });
    const { code, stdout } = gate(outdir);
    expect(code).toBe(1);
    expect(stdout).toContain('error: aws_kms_key.k: suppression of CKV_AWS_7 needs a reason of at least 10 characters (got "short")');
  });

  it("fails when a stack has no entry in config/policy.ts", () => {
    const { code, stdout } = gate(outdirWith({ sandbox: {} }));
    expect(code).toBe(1);
    expect(stdout).toContain('error: config/policy.ts has no entry for stack "sandbox"; add it under stacks with its kind');
  });

  it("fails with exit code 2 when there are no synthesized stacks", () => {
    const outdir = outdirWith({});
    const { code, stdout } = gate(outdir);
    expect(code).toBe(2);
    expect(stdout).toContain(`No synthesized stacks in ${join(outdir, "stacks")}; run cdktf synth first.`);
    expect(existsSync(join(outdir, "policy-report.json"))).toBe(false);
  });
});
