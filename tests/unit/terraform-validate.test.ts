/**
 * Real `terraform validate` of the synthesized stacks, offline: the AWS
 * provider comes from the filesystem mirror named in terraform/offline.tfrc.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { synthBootstrap, synthEnvironment, type Json } from "../helpers/synth";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Validation {
  valid: boolean;
  diagnostics: { severity: string; summary: string; detail?: string }[];
}

const isAws = (address: string) => /^(data\.)?aws_/.test(address);

/** AWS resources only, with dependencies on non-AWS resources dropped. */
const pick = (byType: Json = {}): Json =>
  Object.fromEntries(
    Object.entries(byType)
      .filter(([type]) => type.startsWith("aws_"))
      .map(([type, byId]) => [
        type,
        Object.fromEntries(
          Object.entries(byId as Json).map(([id, r]) => [id, r.depends_on ? { ...r, depends_on: r.depends_on.filter(isAws) } : r]),
        ),
      ]),
  );

/**
 * The AWS part of a stack: only the AWS provider is mirrored here, so Helm and
 * Kubernetes resources are validated elsewhere (rendered manifests, tests/charts).
 */
function awsOnly(json: Json): Json {
  const { backend: _backend, ...terraform } = json.terraform;
  return {
    ...json,
    terraform: { ...terraform, required_providers: { aws: terraform.required_providers.aws } },
    provider: { aws: json.provider.aws },
    resource: pick(json.resource),
    data: pick(json.data),
  };
}

/** Write the AWS part of `json` as a root module without a remote backend, init from the mirror, validate. */
function validate(json: Json): Validation {
  const dir = mkdtempSync(join(tmpdir(), "gw-validate-"));
  dirs.push(dir);
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(awsOnly(json)));
  const env = { ...process.env, TF_CLI_CONFIG_FILE: resolve("terraform/offline.tfrc"), CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
  execFileSync("terraform", ["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, env, stdio: "pipe" });
  try {
    return JSON.parse(execFileSync("terraform", ["validate", "-json", "-no-color"], { cwd: dir, env, stdio: "pipe" }).toString());
  } catch (e) {
    // validate exits 1 on an invalid configuration and still prints its JSON verdict.
    return JSON.parse((e as { stdout: Buffer }).stdout.toString());
  }
}

describe("terraform validate (offline, AWS provider 5.100.0)", () => {
  it.each([
    ["bootstrap", () => synthBootstrap().json],
    ["dev", () => synthEnvironment("dev").json],
    ["prod", () => synthEnvironment("prod").json],
  ])("%s stack is valid Terraform", (_name, json) => {
    const result = validate(json());
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("fails when a resource has an attribute the provider does not know", () => {
    const json = structuredClone(synthEnvironment("dev").json);
    const [id] = Object.keys(json.resource.aws_db_instance);
    json.resource.aws_db_instance[id].storage_encryption = true;
    const result = validate(json);
    expect(result.valid).toBe(false);
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ severity: "error", detail: 'No argument or block type is named "storage_encryption".' }),
    );
  });
});
