/**
 * The policy gate: evaluates every rule against one synthesized stack and
 * reports violations, suppressions and rules the stack's scope does not enforce.
 */
import { outcomeOf } from "./lib/outcome";
import { rules as allRules } from "./rules";
import { StackContext } from "./stack";
import { suppressionProblem } from "./suppress";
import type { CheckResult, Rule, Severity, StackKind } from "./types";

/** How one stack is judged; `optionsFor` builds it from `config/policy.ts`. */
export interface EvaluateOptions {
  /** The stack's kind; stack-level rules apply to the kinds they list. Undefined: none apply. */
  readonly kind?: StackKind;
  /** Rules this stack does not enforce, with the reason: violations are reported but do not fail the gate. */
  readonly notEnforced?: Readonly<Record<string, string>>;
  /** @default every rule in `policies/rules` */
  readonly rules?: readonly Rule[];
}

/**
 * `violation` fails the gate; `suppressed` was accepted at the resource;
 * `not-enforced` was accepted by the stack's scope in `config/policy.ts`.
 */
export type FindingStatus = "violation" | "suppressed" | "not-enforced";

/** One non-compliant resource (or stack) for one rule. */
export interface Finding {
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly status: FindingStatus;
  /** Terraform address (`aws_db_instance.database_db_1A2B3C4D`), or `stack:<name>` for stack-level rules. */
  readonly address: string;
  /** Construct path (`dev/database/db`), or the stack name for stack-level rules. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** Why it is accepted, for `suppressed` and `not-enforced`. */
  readonly reason?: string;
}

/** A suppression declared at a resource, valid or not. */
export interface DeclaredSuppression {
  readonly address: string;
  readonly path: string;
  readonly ruleId: string;
  readonly reason: string;
  /** True when it suppressed a finding in this run. */
  readonly used: boolean;
}

/** The result of evaluating one stack. */
export interface Report {
  readonly stack: string;
  readonly kind: StackKind | undefined;
  /** False when a violation or an error exists. */
  readonly passed: boolean;
  readonly counts: {
    readonly resources: number;
    /** Rule evaluations that applied (compliant or not). */
    readonly checks: number;
    readonly violations: number;
    readonly suppressed: number;
    readonly notEnforced: number;
  };
  readonly findings: readonly Finding[];
  readonly suppressions: readonly DeclaredSuppression[];
  /** Problems that fail the gate by themselves: invalid suppressions, unknown rule ids, rules that threw. */
  readonly errors: readonly string[];
  /** Suppressions and scope entries that no finding needed. */
  readonly warnings: readonly string[];
}

interface MutableSuppression {
  address: string;
  path: string;
  ruleId: string;
  reason: string;
  used: boolean;
}

function readSuppressions(context: StackContext, errors: string[]): MutableSuppression[] {
  const declared: MutableSuppression[] = [];
  for (const resource of context.resources) {
    if (resource.suppressions === undefined) continue;
    if (!Array.isArray(resource.suppressions)) {
      errors.push(`${resource.address}: groundwork_suppressions is not a list`);
      continue;
    }
    for (const item of resource.suppressions as { rule?: unknown; reason?: unknown }[]) {
      const problem = suppressionProblem(item?.rule, item?.reason, resource.type);
      if (problem) errors.push(`${resource.address}: ${problem}`);
      else declared.push({ address: resource.address, path: resource.path, ruleId: String(item.rule), reason: String(item.reason), used: false });
    }
  }
  return declared;
}

/**
 * Evaluate every rule against one synthesized stack.
 *
 * @param stackName the stack's name (`dev`), used in messages and for stack-level findings
 * @param stackJson the parsed `cdktf.out/stacks/<name>/cdk.tf.json`
 */
export function evaluate(stackName: string, stackJson: unknown, options: EvaluateOptions): Report {
  const rules = options.rules ?? allRules;
  const notEnforced = options.notEnforced ?? {};
  const context = new StackContext(stackName, stackJson);
  const errors: string[] = [];
  const warnings: string[] = [];
  const findings: Finding[] = [];
  const knownIds = new Set(rules.map((r) => r.id));
  for (const id of Object.keys(notEnforced)) {
    if (!knownIds.has(id)) errors.push(`config/policy.ts: stacks.${stackName}.notEnforced names unknown rule "${id}"`);
  }
  const suppressions = readSuppressions(context, errors);
  const usedExemptions = new Set<string>();
  let checks = 0;

  const record = (rule: Rule, address: string, path: string, run: () => CheckResult): void => {
    let outcome;
    try {
      outcome = outcomeOf(run());
    } catch (error) {
      errors.push(`${rule.id} threw on ${address}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (outcome.status === "not-applicable") return;
    checks += 1;
    if (outcome.status === "compliant") return;
    const base = { ruleId: rule.id, title: rule.title, severity: rule.severity, address, path, message: outcome.message ?? rule.title, fix: rule.fix };
    const suppression = suppressions.find((s) => s.address === address && s.ruleId === rule.id);
    if (suppression) {
      suppression.used = true;
      findings.push({ ...base, status: "suppressed", reason: suppression.reason });
    } else if (notEnforced[rule.id] !== undefined) {
      usedExemptions.add(rule.id);
      findings.push({ ...base, status: "not-enforced", reason: notEnforced[rule.id] });
    } else {
      findings.push({ ...base, status: "violation" });
    }
  };

  for (const rule of rules) {
    if (rule.scope === "resource") {
      for (const resource of context.resources) {
        if (rule.resourceTypes.includes(resource.type)) record(rule, resource.address, resource.path, () => rule.check(resource, context));
      }
    } else if (options.kind !== undefined && rule.stackKinds.includes(options.kind)) {
      record(rule, `stack:${stackName}`, stackName, () => rule.check(context));
    }
  }

  for (const s of suppressions.filter((s) => !s.used)) {
    warnings.push(`${s.address}: suppression of ${s.ruleId} is unused (the resource complies)`);
  }
  for (const id of Object.keys(notEnforced).filter((id) => knownIds.has(id) && !usedExemptions.has(id))) {
    warnings.push(`config/policy.ts: stacks.${stackName}.notEnforced.${id} is unused (no finding in this stack)`);
  }
  const count = (status: FindingStatus) => findings.filter((f) => f.status === status).length;
  return {
    stack: stackName,
    kind: options.kind,
    passed: count("violation") === 0 && errors.length === 0,
    counts: {
      resources: context.resources.length,
      checks,
      violations: count("violation"),
      suppressed: count("suppressed"),
      notEnforced: count("not-enforced"),
    },
    findings,
    suppressions,
    errors,
    warnings,
  };
}
