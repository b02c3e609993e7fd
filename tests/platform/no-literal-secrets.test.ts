import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { synthEnvironment, type Json } from "../helpers/synth";
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
  return [...text.matchAll(/^\s*(?:[\w.]*(?:password|passwd|token|secret|api_key))\s*[:=\s]\s*(\S+)/gim)]
    .filter((m) => !/^["']?\$/.test(m[1])) // a variable or command substitution ("$(vault write ...)"), not a literal
    .map((m) => m[0].trim());
}

/** Every literal secret in a release's values, including inside embedded config text. */
function secretsIn(values: unknown): string[] {
  const texts: string[] = [];
  JSON.stringify(values, (_k, v: unknown) => (typeof v === "string" && v.includes("\n") && texts.push(v), v));
  return [...literalSecrets(values), ...texts.flatMap(secretsInText)];
}

/** A release's values documents: JSON from the platform constructs, YAML from Vault and the services. */
function valuesDocuments(release: Json): unknown[] {
  return (release.values ?? []).map((text: string) => {
    try {
      return valuesOf({ ...release, values: [text] });
    } catch {
      return parseYaml(text);
    }
  });
}

describe.each(["dev", "staging", "prod"] as const)("no release of the %s stack carries a literal secret", (env) => {
  const releases = synthEnvironment(env).resources("helm_release");

  it("checks every release, Vault's and the services' included", () => {
    const names = Object.values(releases).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["vault", "vault-manifests", "kube-prometheus-stack", "api-gateway"]));
  });

  it.each(Object.values(releases).map((r) => [r.name, r] as const))("%s", (_name, release) => {
    expect(valuesDocuments(release).flatMap(secretsIn)).toEqual([]);
    // Plain `set` entries end up in the plan and in `helm get values`: none may hold a secret.
    expect((release.set ?? []).filter((s: Json) => SECRET_KEY.test(String(s.name)) && !REFERENCE_KEY.test(String(s.name)))).toEqual([]);
  });
});

describe("no release carries a literal secret in its values", () => {
  const { releases } = platform();

  it.each(Object.keys(releases).sort())("%s", (name) => {
    expect(secretsIn(valuesOf(releases[name]))).toEqual([]);
  });

  it("fails when a value holds a literal password (the detector catches it)", () => {
    expect(literalSecrets({ grafana: { adminPassword: "prom-operator", admin: { existingSecret: "grafana-admin" } } })).toEqual(["grafana.adminPassword"]);
    expect(literalSecrets({ storage: { elasticsearch: { password: "changeme", usePassword: false } } })).toEqual(["storage.elasticsearch.password"]);
    expect(literalSecrets({ x: { token: "${aws_secretsmanager_secret.x.arn}" } })).toEqual([]);
    expect(secretsInText("[OUTPUT]\n    HTTP_Passwd   hunter2\n")).toEqual(["HTTP_Passwd   hunter2"]);
    expect(secretsInText('VAULT_TOKEN="$(vault write -field=token auth/kubernetes/login ...)"\nAPI_TOKEN=s.abc123\n')).toEqual(["API_TOKEN=s.abc123"]);
    // In a YAML values document, as Vault and the services are released.
    expect(valuesDocuments({ values: ["server:\n  extraEnvironmentVars:\n    DB_PASSWORD: hunter2\n"] }).flatMap(secretsIn)).toEqual(["server.extraEnvironmentVars.DB_PASSWORD"]);
  });
});
