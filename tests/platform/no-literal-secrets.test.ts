import { describe, expect, it } from "vitest";
import type { Json } from "../helpers/synth";
import { platform, valuesOf } from "./fixture";

const SECRET_KEY = /(password|passwd|token|secret|api[_-]?key|private[_-]?key|credentials?)$/i;
/** Keys that name a secret rather than hold one, or switch secret handling on/off. */
const REFERENCE_KEY = /(existingSecret|secretName|SecretKey|passwordKey|userKey|_file|usePassword|secrets|automountServiceAccountToken)$/i;

/** Paths of values whose key says "secret" and whose value is a non-empty literal. */
export function literalSecrets(node: unknown, path = ""): string[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => literalSecrets(v, `${path}[${i}]`));
  if (node && typeof node === "object") {
    return Object.entries(node as Json).flatMap(([k, v]) => {
      const here = path ? `${path}.${k}` : k;
      if (SECRET_KEY.test(k) && !REFERENCE_KEY.test(k) && typeof v === "string" && v !== "" && !/^\$\{/.test(v)) return [here];
      if (SECRET_KEY.test(k) && !REFERENCE_KEY.test(k) && typeof v === "number") return [here];
      return literalSecrets(v, here);
    });
  }
  return [];
}

/** Secret-looking assignments inside embedded config text (Fluent Bit, Alertmanager YAML). */
function secretsInText(text: string): string[] {
  return [...text.matchAll(/^\s*(?:[\w.]*(?:password|passwd|token|secret|api_key))\s*[:=\s]\s*(\S+)/gim)].map((m) => m[0].trim());
}

describe("no release carries a literal secret in its values", () => {
  const { releases } = platform();

  it.each(Object.keys(releases).sort())("%s", (name) => {
    const values = valuesOf(releases[name]);
    expect(literalSecrets(values)).toEqual([]);
    const texts: string[] = [];
    JSON.stringify(values, (_k, v: unknown) => (typeof v === "string" && v.includes("\n") && texts.push(v), v));
    expect(texts.flatMap(secretsInText)).toEqual([]);
  });

  it("fails when a value holds a literal password (the detector catches it)", () => {
    expect(literalSecrets({ grafana: { adminPassword: "prom-operator", admin: { existingSecret: "grafana-admin" } } })).toEqual(["grafana.adminPassword"]);
    expect(literalSecrets({ storage: { elasticsearch: { password: "changeme", usePassword: false } } })).toEqual(["storage.elasticsearch.password"]);
    expect(literalSecrets({ x: { token: "${aws_secretsmanager_secret.x.arn}" } })).toEqual([]);
    expect(secretsInText("[OUTPUT]\n    HTTP_Passwd   hunter2\n")).toEqual(["HTTP_Passwd   hunter2"]);
  });
});
