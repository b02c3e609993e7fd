/** config/policy.ts: every stack is scoped, exemptions are real rules with reasons, and prod enforces everything live. */
import { describe, expect, it } from "vitest";
import { ConfigError, ENVIRONMENT_NAMES, parseConfig } from "../../config";
import { policy, policySchema } from "../../config/policy";
import { rulesById } from "../../policies/rules";

describe("config/policy.ts", () => {
  it("scopes bootstrap, every environment and every environment's vault stack", () => {
    expect(policy.stacks.bootstrap.kind).toBe("bootstrap");
    for (const env of ENVIRONMENT_NAMES) {
      expect(policy.stacks[env]?.kind, env).toBe("environment");
      expect(policy.stacks[`${env}-vault`]?.kind, `${env}-vault`).toBe("vault-config");
    }
    expect(Object.keys(policy.stacks).length).toBe(1 + 2 * ENVIRONMENT_NAMES.length);
  });

  it("names only rules that exist", () => {
    for (const [stack, entry] of Object.entries(policy.stacks)) {
      for (const id of Object.keys(entry.notEnforced)) expect(rulesById.has(id), `${stack}: ${id}`).toBe(true);
    }
  });

  it("states the intended differences: dev accepts single-AZ and no deletion protection; dev and staging keep a restricted public EKS endpoint; prod accepts nothing", () => {
    const accepted = (stack: string) => Object.keys(policy.stacks[stack].notEnforced).sort();
    expect(accepted("dev")).toEqual(["CKV_AWS_157", "CKV_AWS_293", "CKV_AWS_39"]);
    expect(accepted("staging")).toEqual(["CKV_AWS_39"]);
    expect(accepted("prod")).toEqual([]);
  });

  it("fails when an exemption's reason is shorter than 10 characters", () => {
    const input = { stacks: { dev: { kind: "environment", notEnforced: { CKV_AWS_157: "cost" } } } };
    expect(() => parseConfig(policySchema, "config/policy", input)).toThrow(
      new ConfigError('config/policy: stacks.dev.notEnforced.CKV_AWS_157 is "cost"; expected at least 10'),
    );
  });

  it("fails when a stack has an unknown kind", () => {
    const input = { stacks: { dev: { kind: "sandbox" } } };
    expect(() => parseConfig(policySchema, "config/policy", input)).toThrow(
      new ConfigError('config/policy: stacks.dev.kind is "sandbox"; expected one of bootstrap, environment, vault-config'),
    );
  });

  it("fails when an exemption key is not a rule id", () => {
    const input = { stacks: { dev: { kind: "environment", notEnforced: { "multi-az": "dev runs single-AZ to save cost" } } } };
    expect(() => parseConfig(policySchema, "config/policy", input)).toThrow(
      new ConfigError('config/policy: stacks.dev.notEnforced.multi-az is "dev runs single-AZ to save cost"; expected a rule id such as CKV_AWS_157 or GW_RDS_PROXY_TLS'),
    );
  });
});
