/**
 * The real app entry point (main.ts), run as `cdktf synth` runs it: every
 * stack is written, and a bad config value stops synth with one line.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(".");
const tsx = join(root, "node_modules", ".bin", "tsx");
// Inside the repository so node_modules resolve; .gen/ is git-ignored.
mkdirSync(join(root, ".gen"), { recursive: true });
const work = mkdtempSync(join(root, ".gen", "synth-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function copyApp(to: string): void {
  for (const entry of ["main.ts", "config", "stacks", "modules", "monitoring"]) cpSync(join(root, entry), join(to, entry), { recursive: true });
}

describe("main.ts", () => {
  it("writes bootstrap, dev, staging and prod", () => {
    const out = join(work, "out");
    execFileSync(tsx, ["main.ts"], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: out }, stdio: "pipe" });
    for (const stack of ["bootstrap", "dev", "staging", "prod"]) {
      expect(existsSync(join(out, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
    }
  });

  it("fails when a config value is bad, with one line naming environment, field, value and what is allowed", () => {
    const app = join(work, "bad");
    copyApp(app);
    const prodFile = join(app, "config", "prod.ts");
    writeFileSync(prodFile, readFileSync(prodFile, "utf8").replace('natGateways: "per-az"', 'natGateways: "none" as "single"'));
    const out = join(app, "out");
    const result = spawnSync(tsx, ["main.ts"], { cwd: app, env: { ...process.env, CDKTF_OUTDIR: out }, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('groundwork: config/prod: network.natGateways is "none"; expected one of single, per-az');
    expect(existsSync(out)).toBe(false);
  });
});
