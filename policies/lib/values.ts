/**
 * Small readers for synthesized argument values, shared by the rules.
 *
 * CDKTF writes a nested block that allows one item as an object and a
 * repeatable block as an array, and any value may be a `${...}` expression
 * that Terraform computes later. Rules treat an expression as "not known to be
 * compliant" unless the rule says otherwise, because the gate cannot see it.
 */
import type { Outcome } from "../types";

/** A compliant outcome, optionally with a note. */
export function pass(message?: string): Outcome {
  return { status: "compliant", message };
}

/** A non-compliant outcome; `message` says what was found. */
export function fail(message: string): Outcome {
  return { status: "non-compliant", message };
}

/** The rule does not apply to this resource; `message` says why. */
export function notApplicable(message?: string): Outcome {
  return { status: "not-applicable", message };
}

/** True for a `${...}` expression that Terraform resolves at plan or apply time. */
export function isExpression(value: unknown): value is string {
  return typeof value === "string" && value.includes("${");
}

/** True only for a literal `true` (CDKTF may write booleans as `"true"`). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** True only for a literal `false`. */
export function isFalse(value: unknown): boolean {
  return value === false || value === "false";
}

/** A literal number (or numeric string); undefined for expressions and absent values. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

/** True for a non-empty string (literal or expression) or a non-empty array. */
export function isSet(value: unknown): boolean {
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return value !== undefined && value !== null;
}

/** The items of a repeatable block or list, whichever way CDKTF wrote it. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The objects of a nested block (one object or an array of objects). */
export function blocks(value: unknown): Record<string, unknown>[] {
  return asList(value).filter((v): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v));
}

/** The first object of a nested block, or undefined when the block is absent. */
export function block(value: unknown): Record<string, unknown> | undefined {
  return blocks(value)[0];
}

/** Strings of a list argument; non-string items are dropped. */
export function strings(value: unknown): string[] {
  return asList(value).filter((v): v is string => typeof v === "string");
}

/** A value as it appears in a message: `true`, `"IMMUTABLE"`, `absent`. */
export function show(value: unknown): string {
  return value === undefined ? "absent" : JSON.stringify(value);
}

/** CIDRs that mean "the whole internet". */
export const OPEN_CIDRS: readonly string[] = ["0.0.0.0/0", "::/0"];
