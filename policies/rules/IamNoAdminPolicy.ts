import type { StackContext } from "../stack";
import type { Resource, ResourceRule } from "../types";
import { includesWildcard, policyDocuments } from "../lib/iam";
import { asList, blocks, fail, isExpression, notApplicable, pass, strings } from "../lib/values";

/**
 * AWS managed policies that grant administrator or near-administrator rights:
 * `*` on `*`, everything but IAM and Organizations (a NotAction policy), or
 * full control of IAM (which can grant itself the rest).
 */
export const ADMIN_MANAGED_POLICIES = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"] as const;

/**
 * AWS managed policies that are allowed explicitly although they use `*`
 * resources: they grant read actions only (`ReadOnlyAccess` is what
 * `terraform plan` refreshes with; see modules/security/pipeline-roles.ts).
 */
export const READ_ONLY_MANAGED_POLICIES = ["ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit"] as const;

const MANAGED = /:iam::aws:policy\/(?:.*\/)?([^/]+)$/;

/** The AWS managed policy names among `arns` (literal or `arn:${partition}:iam::aws:policy/...`). */
function managedNames(arns: readonly string[]): string[] {
  return arns.flatMap((arn) => MANAGED.exec(arn)?.[1] ?? []);
}

/** Allow statements with `NotAction` (everything except a list), including `not_actions` of a referenced policy document. */
function notActionSources(resource: Resource, context: StackContext): string[] {
  const found: string[] = [];
  const texts: [string, unknown][] = [["policy", resource.values.policy], ...blocks(resource.values.inline_policy).map((p, i): [string, unknown] => [`inline_policy[${i}]`, p.policy])];
  for (const [source, text] of texts) {
    if (typeof text !== "string") continue;
    const referenced = isExpression(text) && text.trim().startsWith("${") ? context.resolve(text) : undefined;
    if (referenced?.type === "aws_iam_policy_document" && referenced.mode === "data") {
      const hit = blocks(referenced.values.statement).some((s) => (s.effect ?? "Allow") === "Allow" && strings(s.not_actions).length > 0);
      if (hit) found.push(referenced.address);
      continue;
    }
    try {
      const parsed = JSON.parse(text) as { Statement?: unknown };
      const hit = blocks(asList(parsed.Statement)).some((s) => s.Effect === "Allow" && s.NotAction !== undefined);
      if (hit) found.push(source);
    } catch {
      // Unreadable documents are reported by the wildcard check below.
    }
  }
  return found;
}

/**
 * No IAM policy grants administrator rights: no statement allows every action
 * on every resource (checkov's CKV_AWS_62), no Allow statement uses
 * `NotAction` (everything but a list is administrator in all but name), and no
 * role, user or group gets an administrator-class AWS managed policy
 * (AdministratorAccess, PowerUserAccess, IAMFullAccess). Read-only AWS
 * managed policies (ReadOnlyAccess, ViewOnlyAccess, SecurityAudit) are
 * allowed explicitly. The broader CKV_AWS_290/355 (write or restrictable
 * actions on "*") are not implemented.
 */
export const IamNoAdminPolicy: ResourceRule = {
  id: "CKV_AWS_62",
  title: 'IAM policy does not allow "*" actions on "*" resources, NotAction, or an administrator managed policy',
  scope: "resource",
  resourceTypes: [
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role",
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
  ],
  severity: "critical",
  fix: "List the services, actions and resources the principal needs (Allow with Action, never NotAction); attach ReadOnlyAccess for read-only access; use an AWS managed job-function policy for human administrators.",
  check(resource, context) {
    const attached = managedNames([...strings(resource.values.policy_arn), ...strings(resource.values.managed_policy_arns)]);
    const admin = attached.find((name) => (ADMIN_MANAGED_POLICIES as readonly string[]).includes(name));
    if (admin) return fail(`attaches the AWS managed policy ${admin}`);

    const docs = policyDocuments(resource, context);
    const wildcard = docs.statements.find(
      ({ statement }) => statement.Effect === "Allow" && includesWildcard(statement.Action) && includesWildcard(statement.Resource),
    );
    if (wildcard) return fail(`${wildcard.source} allows "*" on "*"`);
    const [notAction] = notActionSources(resource, context);
    if (notAction) return fail(`${notAction} allows NotAction (every action except a list)`);

    const readOnly = attached.filter((name) => (READ_ONLY_MANAGED_POLICIES as readonly string[]).includes(name));
    if (readOnly.length > 0) return pass(`${readOnly.join(", ")} grants read actions only`);
    if (docs.statements.length === 0 && docs.unreadable.length > 0) {
      return notApplicable(`${docs.unreadable.join(", ")} is not literal JSON, so it cannot be read at synth time`);
    }
    if (resource.type.endsWith("_attachment") && attached.length === 0 && isExpression(resource.values.policy_arn)) {
      return pass("attaches a policy defined in this stack; that policy is checked itself");
    }
    return pass();
  },
};
