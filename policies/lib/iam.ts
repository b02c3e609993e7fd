/**
 * Finds the IAM policy documents a resource grants, when the gate can read
 * them: a literal JSON string (what `JSON.stringify` writes; embedded `${...}`
 * references keep it valid JSON) or a reference to a `data.aws_iam_policy_document`
 * in the same stack. Documents built by Terraform functions (`jsonencode(...)`)
 * are not readable at synth time and are reported as such.
 */
import type { StackContext } from "../stack";
import type { Resource } from "../types";
import { asList, blocks, isExpression } from "./values";

/** A statement in the shape of the IAM JSON policy language. */
export interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

/** The documents of a resource and the sources the gate could not read. */
export interface Documents {
  /** Where each statement came from (`policy`, `inline_policy[0]`, `data.aws_iam_policy_document.x`). */
  readonly statements: { readonly source: string; readonly statement: Statement }[];
  readonly unreadable: string[];
}

function fromDataSource(doc: Resource): Statement[] {
  return blocks(doc.values.statement).map((s) => ({
    Effect: s.effect ?? "Allow",
    Action: s.actions,
    Resource: s.resources,
  }));
}

function read(source: string, text: unknown, context: StackContext, into: Documents): void {
  if (typeof text !== "string" || text.trim() === "") return;
  const referenced = isExpression(text) && text.trim().startsWith("${") ? context.resolve(text) : undefined;
  if (referenced?.type === "aws_iam_policy_document" && referenced.mode === "data") {
    for (const statement of fromDataSource(referenced)) into.statements.push({ source: referenced.address, statement });
    return;
  }
  try {
    const parsed = JSON.parse(text) as { Statement?: unknown };
    for (const statement of asList(parsed.Statement)) into.statements.push({ source, statement: statement as Statement });
  } catch {
    into.unreadable.push(source);
  }
}

/** Statements of `policy` (policies) and of `inline_policy` blocks (roles). */
export function policyDocuments(resource: Resource, context: StackContext): Documents {
  const docs: Documents = { statements: [], unreadable: [] };
  read("policy", resource.values.policy, context, docs);
  blocks(resource.values.inline_policy).forEach((p, i) => read(`inline_policy[${i}]`, p.policy, context, docs));
  return docs;
}

/** True when `value` (a string or list of strings) contains `*`. */
export function includesWildcard(value: unknown): boolean {
  return asList(value).some((v) => v === "*");
}
