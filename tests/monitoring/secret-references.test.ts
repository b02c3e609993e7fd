/**
 * A first deploy must not depend on a Secret nobody creates: a pod that reads
 * a missing Secret stays in CreateContainerConfigError and an atomic release
 * rolls back (the way `grafana.admin.existingSecret: grafana-admin` broke it).
 * Every Secret a release's values name is created by the stack (a Secret
 * object, a cert-manager Certificate or issuer, or a chart template from the
 * value) or is on the typed list of operator-created Secrets, whose creation
 * step the production setup guide spells out.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { services } from "../../config/services";
import { OPERATOR_CREATED_SECRETS } from "../../modules/monitoring/operator-secrets";
import { RECEIVER_SECRET, receiverSecretKeys } from "../../monitoring/alertmanager/config";
import { synthEnvironment, type Json } from "../helpers/synth";
import { root } from "./helpers";

interface SecretRef {
  readonly namespace: string;
  readonly name: string;
  /** release and value path, for the failure message */
  readonly at: string;
}

interface ReleaseValues {
  readonly name: string;
  readonly namespace: string;
  readonly values: Json;
}

/** Value paths (indices dropped) whose "secret" keys are not Kubernetes Secret names, with the reason. */
const NOT_KUBERNETES_SECRETS: Record<string, string> = {
  "vault.secrets": "Vault paths the Vault Agent renders into files (charts/microservice), not Kubernetes Secrets",
};

/** Values a chart turns into a Secret itself, with the template that proves it. */
const CHART_CREATED: readonly { readonly releases: readonly string[]; readonly path: string; readonly template: string; readonly renders: string }[] = [
  {
    releases: services.map((s) => s.name),
    path: "vault.caSecretName",
    template: "charts/microservice/templates/vault-ca.yaml",
    renders: "secretName: {{ .Values.vault.caSecretName }}",
  },
];

/** cert-manager reads a ClusterIssuer's Secrets from its cluster resource namespace. */
const CLUSTER_RESOURCE_NAMESPACE = "cert-manager";

/** Secrets a release's values name (consumed) and Secrets its objects create (created). */
function secretReferences(release: ReleaseValues): { consumed: SecretRef[]; created: SecretRef[] } {
  const consumed: SecretRef[] = [];
  const created: SecretRef[] = [];
  const visit = (node: unknown, path: string, kind: string | undefined, namespace: string): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        const object = path === ".manifests" && v && typeof v === "object" ? (v as Json) : undefined;
        const itemKind = object ? String(object.kind) : kind;
        const itemNs = object ? (itemKind === "ClusterIssuer" ? CLUSTER_RESOURCE_NAMESPACE : (object.metadata?.namespace ?? namespace)) : namespace;
        if (object?.kind === "Secret") created.push({ namespace: itemNs, name: object.metadata.name, at: `${release.name}${path}[${i}]` });
        visit(v, `${path}[${i}]`, itemKind, itemNs);
      });
      return;
    }
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node as Json)) {
      const here = `${path}.${key}`;
      if (NOT_KUBERNETES_SECRETS[here.replace(/\[\d+\]/g, "").slice(1)]) continue;
      const ref = (name: unknown) => ({ namespace, name: String(name), at: `${release.name}${here}` });
      if (kind === "Certificate" && /^\.manifests\[\d+\]\.spec\.secretName$/.test(here)) created.push(ref(value));
      else if (key === "privateKeySecretRef" && (kind === "Issuer" || kind === "ClusterIssuer")) created.push(ref((value as Json).name));
      else if (/^(existingSecret|secretName|caSecretName)$/.test(key) && typeof value === "string" && value !== "") consumed.push(ref(value));
      else if (key === "secrets" && Array.isArray(value) && value.every((v) => typeof v === "string")) value.forEach((v) => consumed.push(ref(v)));
      else if (/secret(KeyRef|Ref)?$/i.test(key) && value && typeof value === "object" && typeof (value as Json).name === "string") consumed.push(ref((value as Json).name));
      visit(value, here, kind, namespace);
    }
  };
  visit(release.values, "", undefined, release.namespace);
  for (const c of CHART_CREATED) {
    if (!c.releases.includes(release.name)) continue;
    const value = c.path.split(".").reduce<unknown>((n, k) => (n && typeof n === "object" ? (n as Json)[k] : undefined), release.values);
    if (typeof value === "string" && value !== "") created.push({ namespace: release.namespace, name: value, at: `${release.name} ${c.template}` });
  }
  return { consumed, created };
}

/** Consumed Secrets that neither a release creates nor an operator step documents. */
function uncreatedSecrets(releases: readonly ReleaseValues[]): string[] {
  const refs = releases.map(secretReferences);
  const created = new Set(refs.flatMap((r) => r.created).map((r) => `${r.namespace}/${r.name}`));
  const documented = new Set(OPERATOR_CREATED_SECRETS.map((s) => `${s.namespace}/${s.name}`));
  return refs
    .flatMap((r) => r.consumed)
    .filter((r) => !created.has(`${r.namespace}/${r.name}`) && !documented.has(`${r.namespace}/${r.name}`))
    .map((r) => `${r.namespace}/${r.name} (${r.at})`);
}

function releasesOf(env: "dev" | "staging" | "prod"): ReleaseValues[] {
  return Object.values(synthEnvironment(env).resources("helm_release")).map((r) => ({
    name: String(r.name),
    namespace: String(r.namespace),
    // JSON is YAML; Terraform interpolations (which may hold quotes) become a placeholder.
    values: parse(String(r.values[0]).replace(/\$\{[^}]*\}/g, "TERRAFORM")) as Json,
  }));
}

describe.each(["dev", "staging", "prod"] as const)("Secrets named by the releases of %s", (env) => {
  const releases = releasesOf(env);

  it("are each created by the stack or by a documented operator step", () => {
    expect(uncreatedSecrets(releases)).toEqual([]);
  });

  it("include the references the check must see (it is not vacuous)", () => {
    const consumed = releases.flatMap((r) => secretReferences(r).consumed).map((r) => `${r.namespace}/${r.name}`);
    expect(consumed).toContain("monitoring/alertmanager-receivers");
    expect(consumed).toContain("vault/vault-tls");
    expect(consumed).toContain(`${services[0].name}/vault-ca`);
  });

  it("do not include a Grafana admin Secret: the chart generates the password", () => {
    const kps = releases.find((r) => r.name === "kube-prometheus-stack")!;
    expect(kps.values.grafana.admin).toBeUndefined();
    expect(kps.values.grafana.adminPassword).toBe("");
  });
});

describe("the Secret reference check", () => {
  it("fails when a release names a Secret nothing creates", () => {
    const grafana: ReleaseValues = { name: "kube-prometheus-stack", namespace: "monitoring", values: { grafana: { admin: { existingSecret: "grafana-admin" } } } };
    expect(uncreatedSecrets([grafana])).toEqual(["monitoring/grafana-admin (kube-prometheus-stack.grafana.admin.existingSecret)"]);
  });

  it("accepts a Secret a Certificate in the same namespace creates, not one in another namespace", () => {
    const cert = { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "c", namespace: "a" }, spec: { secretName: "tls" } };
    const user = (ns: string): ReleaseValues => ({ name: "user", namespace: ns, values: { server: { volumes: [{ secret: { secretName: "tls" } }] } } });
    const certs: ReleaseValues = { name: "certs", namespace: "a", values: { manifests: [cert] } };
    expect(uncreatedSecrets([certs, user("a")])).toEqual([]);
    expect(uncreatedSecrets([certs, user("b")])).toEqual(["b/tls (user.server.volumes[0].secret.secretName)"]);
  });

  it("has a chart template behind each chart-created Secret", () => {
    for (const c of CHART_CREATED) {
      const text = readFileSync(`${root}/${c.template}`, "utf8");
      expect(text).toContain("kind: Certificate");
      expect(text).toContain(c.renders);
    }
  });
});

describe("operator-created Secrets", () => {
  it.each(OPERATOR_CREATED_SECRETS.map((s) => [s.name, s] as const))("%s has its creation step, from Vault, in the setup guide", (_name, secret) => {
    const guide = readFileSync(`${root}/${secret.documentedIn}`, "utf8");
    const block = guide.match(new RegExp("```sh\\n((?:(?!```)[\\s\\S])*create secret generic " + secret.name + "(?:(?!```)[\\s\\S])*)```"));
    expect(block, `a sh block creating ${secret.name}`).not.toBeNull();
    expect(block![1]).toContain(`-n ${secret.namespace}`);
    expect(block![1]).toMatch(/vault kv get [^\n]*-field=/);
    if (secret.name === RECEIVER_SECRET) for (const key of receiverSecretKeys()) expect(block![1], key).toContain(key);
  });
});
