/**
 * The workspace as operators drive it: `npm run synth` goes through the CDKTF
 * CLI with the app and environment from cdktf.json and package.json, and the
 * `cdktf synth --hcl` exit path (docs/cdktf-lifecycle.md) keeps working.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(".");
const cdktf = join(root, "node_modules", ".bin", "cdktf");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
mkdirSync(join(root, ".gen"), { recursive: true });
const work = mkdtempSync(join(root, ".gen", "workspace-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment `npm run synth` gives cdktf, read from the script itself. */
function synthEnv(): NodeJS.ProcessEnv {
  const script: string = pkg.scripts.synth;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [, name, value] of script.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[name] = value.replace(/^"|"$/g, "").replace("$PWD", root);
  return env;
}

function runCdktf(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(cdktf, args, { cwd: root, env: synthEnv(), encoding: "utf8", timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("workspace", () => {
  it("runs the TypeScript app with the prebuilt providers (no cdktf get)", () => {
    const config = JSON.parse(readFileSync(join(root, "cdktf.json"), "utf8"));
    expect(config.app).toBe("npx tsx main.ts");
    expect(config.terraformProviders).toEqual([]);
    expect(config.terraformModules).toEqual([]);
  });

  it("synthesizes offline, without update checks, and always runs the policy gate", () => {
    expect(pkg.scripts.synth).toMatch(/^CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE="\$PWD\/terraform\/offline\.tfrc" cdktf synth && tsx policies\/cli\.ts$/);
    expect(synthEnv()).toMatchObject({ CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: join(root, "terraform", "offline.tfrc") });
  });

  it("pins every dependency to an exact version, and the CDKTF toolchain to the versions this machine can validate", () => {
    const all: Record<string, string> = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(Object.entries(all).filter(([, v]) => !/^\d+\.\d+\.\d+$/.test(v))).toEqual([]);
    expect(all).toMatchObject({
      cdktf: "0.21.0",
      "cdktf-cli": "0.21.0",
      "@cdktf/provider-aws": "20.1.0",
      "@cdktf/provider-helm": "12.1.2",
      "@cdktf/provider-kubernetes": "12.1.1",
      "@cdktf/provider-vault": "15.6.1",
    });
  });

  it("writes every stack through the CDKTF CLI, as `npm run synth` does", () => {
    const out = join(work, "json");
    const { status, output } = runCdktf(["synth", "--output", out]);
    expect(status, output.slice(-2000)).toBe(0);
    for (const stack of ["bootstrap", "dev", "staging", "prod", "dev-vault", "staging-vault", "prod-vault"]) {
      expect(existsSync(join(out, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
    }
  }, 180_000);

  it("still synthesizes to HCL (the exit path off CDKTF), escape hatches included", () => {
    const out = join(work, "hcl");
    const { status, output } = runCdktf(["synth", "--hcl", "--output", out]);
    expect(status, output.slice(-2000)).toBe(0);
    const dev = readFileSync(join(out, "stacks", "dev", "cdk.tf"), "utf8");
    expect(dev).toMatch(/backend "s3" \{[^}]*use_lockfile\s*=\s*true/);
    expect(readFileSync(join(out, "stacks", "dev-vault", "cdk.tf"), "utf8")).toMatch(/ephemeral\s*=\s*true/);
  }, 180_000);
});
