/**
 * Monitoring and Vault outrank the services they watch and serve: their pods
 * run at the groundwork-platform PriorityClass, and their releases wait for
 * that class (a pod naming a missing class is rejected at admission, which
 * fails the release). Vault's server HCL exposes Prometheus metrics.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { metricsManifests, serverConfigHcl, vaultHelmValues } from "../../modules/vault/chart";
import { PRIORITY_CLASSES } from "../../modules/service/priority-classes";
import { synthEnvironment, type Json } from "../helpers/synth";

const input = { namespace: "vault", replicas: 3, region: "eu-west-1", kmsKeyId: "key", storageSizeGiB: 10, injectorReplicas: 2 };

describe("Vault", () => {
  it("runs the server and the agent injector at the platform priority class", () => {
    const values = vaultHelmValues(input) as Json;
    expect(values.server.priorityClassName).toBe(PRIORITY_CLASSES.platform);
    expect(values.injector.priorityClassName).toBe(PRIORITY_CLASSES.platform);
  });

  it("serves Prometheus metrics without a token on the listener, with a retention and no hostname prefix", () => {
    const hcl = serverConfigHcl(input);
    const listener = hcl.slice(hcl.indexOf('listener "tcp"'), hcl.indexOf("\n}\n", hcl.indexOf('listener "tcp"')));
    expect(listener).toContain("unauthenticated_metrics_access = true");
    expect(hcl).toMatch(/^telemetry \{\n {2}prometheus_retention_time = "24h"\n {2}disable_hostname {10}= true\n\}$/m);
  });

  it("scrapes the headless vault-internal Service, which lists sealed (not ready) pods, over verified TLS", () => {
    const [sm] = metricsManifests("secrets") as Json[];
    expect(sm).toMatchObject({ apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "vault", namespace: "secrets" } });
    expect(sm.spec.selector.matchLabels["vault-internal"]).toBe("true");
    expect(sm.spec.selector.matchLabels["vault-active"]).toBeUndefined();
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ["secrets"] });
    expect(sm.spec.endpoints[0].tlsConfig).toEqual({ ca: { secret: { name: "vault-tls", key: "ca.crt" } }, serverName: "vault.secrets.svc" });
  });
});

describe.each(["dev", "prod"] as const)("platform priority in %s", (env) => {
  const stack = synthEnvironment(env);
  const releases = Object.entries(stack.resources("helm_release"));
  const address = (name: string) => {
    const found = releases.find(([, r]) => r.name === name);
    if (!found) throw new Error(`no release ${name}`);
    return { id: `helm_release.${found[0]}`, release: found[1] };
  };
  const platformClass = Object.entries(stack.resources("kubernetes_priority_class_v1")).find(([, c]) => c.metadata.name === PRIORITY_CLASSES.platform)!;
  const classAddress = `kubernetes_priority_class_v1.${platformClass[0]}`;
  const values = (name: string): Json => parse(String(address(name).release.values[0]).replace(/\$\{[^}]*\}/g, "TERRAFORM")) as Json;

  it.each(["kube-prometheus-stack", "vault", "cloudwatch-exporter", "backup-status"])("%s waits for the groundwork-platform PriorityClass", (name) => {
    expect(address(name).release.depends_on).toContain(classAddress);
  });

  it("installs Vault and the exporters after kube-prometheus-stack, whose CRDs their ServiceMonitors need", () => {
    const kps = address("kube-prometheus-stack").id;
    for (const name of ["vault", "vault-manifests", "cert-manager", "cloudwatch-exporter", "backup-status"]) expect(address(name).release.depends_on, name).toContain(kps);
  });

  it("runs the Vault server and injector, and the exporters' pods, at the platform class", () => {
    expect(values("vault").server.priorityClassName).toBe(PRIORITY_CLASSES.platform);
    expect(values("vault").injector.priorityClassName).toBe(PRIORITY_CLASSES.platform);
    const podSpecs = ["cloudwatch-exporter", "backup-status"].flatMap((name) =>
      (values(name).manifests as Json[]).flatMap((m) => (m.kind === "Deployment" ? [m.spec.template.spec] : m.kind === "CronJob" ? [m.spec.jobTemplate.spec.template.spec] : [])),
    );
    expect(podSpecs).toHaveLength(3);
    for (const spec of podSpecs) expect(spec.priorityClassName).toBe(PRIORITY_CLASSES.platform);
  });
});
