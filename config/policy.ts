/**
 * Which policy rules each stack is held to. Differences between stacks are
 * data here, never branches in code: a stack's `kind` decides which
 * stack-level rules apply, and `notEnforced` lists rules whose violations are
 * reported but accepted in that stack, each with the reason. A rule id that
 * no rule has fails the gate (`policies/gate.ts`).
 */
import { z } from "zod";
import { parseConfig } from "./schema";

/** What a stack is for: the state bootstrap, an environment, or an environment's Vault configuration. */
export const STACK_KINDS = ["bootstrap", "environment", "vault-config"] as const;

const ruleId = z.string().regex(/^(CKV2?_AWS_\d+|GW_[A-Z0-9_]+)$/, "a rule id such as CKV_AWS_157 or GW_RDS_PROXY_TLS");
const reason = z.string().trim().min(10);

export const stackPolicySchema = z
  .object({
    kind: z.enum(STACK_KINDS),
    /** Rule id → why this stack accepts its violations (at least 10 characters). */
    notEnforced: z.record(ruleId, reason).default({}),
  })
  .strict();

export const policySchema = z
  .object({
    stacks: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, "a stack name such as dev or dev-vault"), stackPolicySchema),
  })
  .strict();

/** The validated policy scope of every stack. */
export type PolicyConfig = z.infer<typeof policySchema>;
/** What this file writes, before defaults. */
export type PolicyInput = z.input<typeof policySchema>;

/** Operators reach the EKS API from the admin CIDRs; CKV_AWS_38 still rejects 0.0.0.0/0. */
const publicApiForOperators = {
  CKV_AWS_39: "public EKS endpoint kept for operators, restricted to config adminCidrs (CKV_AWS_38 enforced)",
};

const input = {
  stacks: {
    bootstrap: { kind: "bootstrap" },
    dev: {
      kind: "environment",
      notEnforced: {
        CKV_AWS_157: "dev runs single-AZ to save cost",
        CKV_AWS_293: "dev databases are disposable and recreated from migrations",
        ...publicApiForOperators,
      },
    },
    staging: { kind: "environment", notEnforced: { ...publicApiForOperators } },
    prod: { kind: "environment" },
    "dev-vault": { kind: "vault-config" },
    "staging-vault": { kind: "vault-config" },
    "prod-vault": { kind: "vault-config" },
  },
} satisfies PolicyInput;

export const policy: PolicyConfig = parseConfig(policySchema, "config/policy", input);
