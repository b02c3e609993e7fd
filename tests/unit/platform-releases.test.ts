/** The platform as each environment stack deploys it: releases present, pinned, and sized from config. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { config, synthEnvironment } from "../helpers/synth";

const PLATFORM_RELEASES = [
  "kube-prometheus-stack",
  "aws-load-balancer-controller",
  "cert-manager",
  "external-dns",
  "metrics-server",
  "karpenter",
  "vpa",
  "fluent-bit",
  "jaeger",
  "opentelemetry-collector",
  "blackbox-exporter",
  "argo-rollouts",
  "opencost",
  "vault",
];

describe.each(["dev", "staging", "prod"] as const)("platform of %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);
  const releases = Object.values(stack.resources("helm_release"));
  const release = (name: string) => {
    const found = releases.find((r) => r.name === name);
    if (!found) throw new Error(`no release ${name}`);
    return found;
  };
  // JSON or YAML (JSON is YAML). Terraform interpolations (which may hold quotes) become a placeholder.
  const values = (name: string) => parse(String(release(name).values[0]).replace(/\$\{[^}]*\}/g, "TERRAFORM"));

  it("has every platform release, each from a chart repository at an exact version, atomic, waiting for the cluster", () => {
    for (const name of PLATFORM_RELEASES) {
      const r = release(name);
      expect(r.version, name).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(r.repository, name).toMatch(/^(https:\/\/|oci:\/\/)/);
      expect(r.depends_on, name).toContainEqual(expect.stringMatching(/^aws_eks_node_group\./));
    }
  });

  it("runs Prometheus HA (2 replicas) on persistent volumes sized and kept as config says, and Alertmanager HA", () => {
    const kps = values("kube-prometheus-stack");
    expect(kps.prometheus.prometheusSpec.replicas).toBe(2);
    expect(kps.prometheus.prometheusSpec.retention).toBe(`${cfg.platform.prometheus.retentionDays}d`);
    expect(kps.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe(`${cfg.platform.prometheus.storageGiB}Gi`);
    expect(kps.alertmanager.alertmanagerSpec.replicas).toBeGreaterThanOrEqual(2);
    expect(Object.keys(kps.additionalPrometheusRulesMap).length).toBeGreaterThan(0);
  });

  it("runs Vault HA on Raft with the configured replicas and AWS KMS auto-unseal", () => {
    const vault = values("vault");
    expect(vault.server.ha.enabled).toBe(true);
    expect(vault.server.ha.replicas).toBe(cfg.vault.replicas);
    expect(vault.server.ha.raft.enabled).toBe(true);
    expect(vault.server.ha.raft.config).toContain('seal "awskms"');
  });

  it("limits Karpenter to the configured CPU and memory, with the configured capacity types", () => {
    const pools = values("karpenter-node-pools").manifests.filter((m: any) => m.kind === "NodePool");
    expect(pools).toHaveLength(1);
    expect(pools[0].spec.limits).toEqual({ cpu: String(cfg.platform.karpenter.limits.cpu), memory: `${cfg.platform.karpenter.limits.memoryGiB}Gi` });
    const capacity = pools[0].spec.template.spec.requirements.find((r: any) => r.key === "karpenter.sh/capacity-type");
    expect(capacity.values).toEqual(cfg.platform.karpenter.capacityTypes);
  });

  it("deploys each service from the in-repo chart at the image_tag variable, after Argo Rollouts and Vault", () => {
    for (const name of ["api-gateway", "content-processing", "ai-orchestrator", "event-processor"]) {
      const r = release(name);
      expect(r.chart).toBe("${path.root}/../../../charts/microservice");
      expect(String(r.values[0])).toContain('"tag":"${var.image_tag}"');
      expect(r.depends_on).toContainEqual(expect.stringMatching(/^helm_release\.argo-rollouts_/));
      expect(r.depends_on).toContainEqual(expect.stringMatching(/^helm_release\.vault_/));
    }
  });
});
