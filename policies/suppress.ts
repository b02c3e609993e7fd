/**
 * Suppressions are written at the resource, with a reason, and end up in the
 * resource's synthesized `"//"` metadata, which Terraform ignores:
 *
 * ```json
 * "//": { "groundwork_suppressions": [{ "rule": "CKV_AWS_157", "reason": "..." }], "metadata": { ... } }
 * ```
 *
 * The gate lists every suppression in its report and fails on an invalid one.
 */
import type { TerraformResource } from "cdktf";
import { rulesById } from "./rules";

/** Key under `"//"` that holds a resource's suppressions. */
export const SUPPRESSIONS_KEY = "groundwork_suppressions";
/** Fewest characters a suppression reason may have. */
export const MIN_REASON_LENGTH = 10;

/** One suppression as it is synthesized. */
export interface Suppression {
  readonly rule: string;
  readonly reason: string;
}

/**
 * What is wrong with a suppression of `ruleId` on a resource of
 * `resourceType`, in one line; undefined when it is valid.
 */
export function suppressionProblem(ruleId: unknown, reason: unknown, resourceType: string): string | undefined {
  const rule = typeof ruleId === "string" ? rulesById.get(ruleId) : undefined;
  if (!rule) return `suppression names unknown rule ${JSON.stringify(ruleId)}`;
  if (rule.scope === "stack") return `${rule.id} is a stack-level rule; scope it in config/policy.ts instead of suppressing it at a resource`;
  if (!rule.resourceTypes.includes(resourceType)) return `${rule.id} does not apply to ${resourceType} (it checks ${rule.resourceTypes.join(", ")})`;
  if (typeof reason !== "string" || reason.trim().length < MIN_REASON_LENGTH) {
    return `suppression of ${rule.id} needs a reason of at least ${MIN_REASON_LENGTH} characters (got ${JSON.stringify(reason)})`;
  }
  return undefined;
}

const recorded = new WeakMap<TerraformResource, Suppression[]>();

/**
 * Suppress `ruleId` on `resource` and record why in its synthesized JSON.
 * Throws at synth time, with one line naming the construct, when the rule is
 * unknown, does not apply to the resource, is already suppressed, or the
 * reason is shorter than ten characters.
 *
 * @example suppress(this.instance, "CKV_AWS_157", "dev runs single-AZ; the drill covers restore");
 */
export function suppress(resource: TerraformResource, ruleId: string, reason: string): void {
  const where = `suppress(${resource.node.path})`;
  const problem = suppressionProblem(ruleId, reason, resource.terraformResourceType);
  if (problem) throw new Error(`${where}: ${problem}`);
  const list = recorded.get(resource) ?? [];
  if (list.some((s) => s.rule === ruleId)) throw new Error(`${where}: ${ruleId} is already suppressed`);
  list.push({ rule: ruleId, reason: reason.trim() });
  recorded.set(resource, list);
  resource.addOverride(`//.${SUPPRESSIONS_KEY}`, list.map((s) => ({ ...s })));
}
