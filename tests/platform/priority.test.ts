/**
 * Platform add-ons run above the services: every platform release of every
 * environment puts its pods in the groundwork-platform PriorityClass (and
 * waits for it), or in a system-critical class where the add-on keeps the
 * cluster itself running. A new release fails here until it is classified.
 */
import { describe, expect, it } from "vitest";
import { ArgoRollouts, CertManager, VerticalPodAutoscaler } from "../../modules/platform";
import { PRIORITY_CLASSES } from "../../modules/service/priority-classes";
import { synthEnvironment, type Json } from "../helpers/synth";
import { scratchStack, valuesOf } from "./fixture";

const PLATFORM = PRIORITY_CLASSES.platform;

/** Releases at groundwork-platform, with where each puts the class in its values. */
const AT_PLATFORM: Record<string, (v: Json) => unknown[]> = {
  "cert-manager": (v) => [v.global.priorityClassName],
  "external-dns": (v) => [v.priorityClassName],
  "argo-rollouts": (v) => [v.controller.priorityClassName],
  opencost: (v) => [v.priorityClassName],
  jaeger: (v) => [v.collector.priorityClassName, v.query.priorityClassName],
  "opensearch-sigv4-proxy": (v) => podSpecs(v).map((p) => p.priorityClassName),
  "opentelemetry-collector": (v) => [v.priorityClassName],
  vpa: (v) => [v.priorityClassName],
  "prometheus-adapter": (v) => [v.priorityClassName],
  "blackbox-exporter": (v) => [v.priorityClassName],
};

/**
 * Releases that keep their chart's system-critical class: the node autoscaler,
 * the metrics API and the load balancer controller (whose webhooks gate
 * admission) must outrank everything; the log shipper runs on every node.
 */
const SYSTEM_CRITICAL: Record<string, string> = {
  karpenter: "system-cluster-critical",
  "metrics-server": "system-cluster-critical",
  "aws-load-balancer-controller": "system-cluster-critical",
  "fluent-bit": "system-node-critical",
};

/**
 * Releases of modules/vault, modules/monitoring and kube-prometheus-stack:
 * their owners set and test their priority class (issue 3, other changes).
 */
const ELSEWHERE = new Set(["kube-prometheus-stack", "vault", "vault-manifests", "cloudwatch-exporter", "backup-status"]);

/** Releases of the in-repo manifests chart that create no pods. */
const NO_PODS = new Set(["storage-classes", "grafana-dashboards", "cert-manager-issuers", "karpenter-node-pools", "blackbox-probes"]);

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"]);

/** Pod specs of the workload objects a manifests-chart release renders. */
function podSpecs(values: Json): Json[] {
  return ((values.manifests ?? []) as Json[])
    .filter((m) => WORKLOAD_KINDS.has(m.kind))
    .map((m) => (m.kind === "CronJob" ? m.spec.jobTemplate.spec.template.spec : m.kind === "Pod" ? m.spec : m.spec.template.spec));
}

describe.each(["dev", "staging", "prod"] as const)("priority classes in %s", (env) => {
  const stack = synthEnvironment(env);
  const byName = Object.fromEntries(Object.entries(stack.resources("helm_release")).map(([id, r]) => [r.name as string, { id, r }]));
  const platformClass = Object.entries(stack.resources("kubernetes_priority_class_v1")).find(([, c]) => c.metadata.name === PLATFORM)!;
  const services = Object.values(byName).filter(({ r }) => String(r.chart).endsWith("/charts/microservice")).map(({ r }) => r.name as string);

  it("classifies every release: platform class, system-critical, no pods, a catalog service, or covered elsewhere", () => {
    const known = new Set([...Object.keys(AT_PLATFORM), ...Object.keys(SYSTEM_CRITICAL), ...ELSEWHERE, ...NO_PODS, ...services]);
    expect(Object.keys(byName).filter((name) => !known.has(name))).toEqual([]);
    expect(services.length).toBeGreaterThan(0);
  });

  it.each(Object.keys(AT_PLATFORM))("%s runs at groundwork-platform and waits for the class", (name) => {
    const release = byName[name];
    expect(release, `${name} is deployed in ${env}`).toBeDefined();
    const classes = AT_PLATFORM[name](valuesOf(release.r));
    expect(classes.length).toBeGreaterThan(0);
    for (const c of classes) expect(c).toBe(PLATFORM);
    expect(release.r.depends_on).toContain(`kubernetes_priority_class_v1.${platformClass[0]}`);
  });

  it.each(Object.entries(SYSTEM_CRITICAL))("%s keeps %s", (name, cls) => {
    expect(valuesOf(byName[name].r).priorityClassName).toBe(cls);
  });

  it("renders no pods from the manifests releases said to have none", () => {
    for (const name of NO_PODS) if (byName[name]) expect(podSpecs(valuesOf(byName[name].r)), name).toEqual([]);
  });
});

describe("priority class props", () => {
  it("takes another class when given one", () => {
    const vpa = new VerticalPodAutoscaler(scratchStack(), "vpa", { priorityClassName: "system-cluster-critical" });
    expect(vpa.values.priorityClassName).toBe("system-cluster-critical");
  });

  it("sets the dashboard's class only when the dashboard runs", () => {
    expect(new ArgoRollouts(scratchStack(), "r", { dashboard: true }).values.dashboard).toEqual({ enabled: true, priorityClassName: PLATFORM });
    expect(new ArgoRollouts(scratchStack(), "r").values.dashboard).toEqual({ enabled: false });
  });

  it("fails when the class is not a valid PriorityClass name", () => {
    expect(() => new CertManager(scratchStack(), "cm", { clusterName: "c", hostedZoneIds: ["Z0123456789ABCDEFGHIJ"], priorityClassName: "Platform_High" })).toThrow(
      'CertManager: priorityClassName is "Platform_High"; expected a PriorityClass name (lower-case letters, digits, "-" and ".")',
    );
  });
});
