/**
 * The shapes shared by the policy rules, the gate and the reports.
 *
 * A rule reads the synthesized Terraform JSON of one stack (`cdk.tf.json`),
 * never the CDKTF constructs, so it checks exactly what Terraform will apply.
 */
import type { StackContext } from "./stack";

/** The answer of a rule for one resource (or one stack). */
export type Status = "compliant" | "non-compliant" | "not-applicable";

/** A status with a message that says what was found. */
export interface Outcome {
  readonly status: Status;
  readonly message?: string;
}

/** What `check` returns: a bare status or a status with a message. */
export type CheckResult = Status | Outcome;

export type Severity = "critical" | "high" | "medium" | "low";

/** What a stack is for; decides which stack-level rules apply to it. */
export type StackKind = "bootstrap" | "environment" | "vault-config";

/** One `resource` (or `data`) block of the synthesized JSON. */
export interface Resource {
  /** Terraform type, such as `aws_db_instance`. */
  readonly type: string;
  /** Terraform name (the CDKTF unique id), such as `database_db_1A2B3C4D`. */
  readonly name: string;
  /** `type.name` for resources, `data.type.name` for data sources. */
  readonly address: string;
  readonly mode: "managed" | "data";
  /** Construct path from `"//".metadata.path`, such as `dev/database/db`; the address when absent. */
  readonly path: string;
  /** The block's arguments (snake_case, as Terraform reads them) without the `"//"` metadata. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Raw `"//".groundwork_suppressions`, validated by the gate. */
  readonly suppressions: unknown;
}

interface RuleBase {
  /** The public checkov id where one exists (`CKV_AWS_157`), otherwise a `GW_` id. */
  readonly id: string;
  /** What a compliant resource looks like, in one line. */
  readonly title: string;
  readonly severity: Severity;
  /** How to fix a violation, in the terms of this repository. */
  readonly fix: string;
}

/** A rule that judges one resource at a time; `context` gives the rest of the stack. */
export interface ResourceRule extends RuleBase {
  readonly scope: "resource";
  /** Terraform resource types the rule applies to. */
  readonly resourceTypes: readonly string[];
  check(resource: Resource, context: StackContext): CheckResult;
}

/** A rule that judges a whole stack, such as "the account has a CloudTrail trail". */
export interface StackRule extends RuleBase {
  readonly scope: "stack";
  /** Kinds of stack the rule applies to; other stacks are not checked. */
  readonly stackKinds: readonly StackKind[];
  check(context: StackContext): CheckResult;
}

export type Rule = ResourceRule | StackRule;
