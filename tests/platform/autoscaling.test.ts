/**
 * Per-service autoscaling from config to cluster: the catalog's `scaling`
 * (VPA mode, requests-per-second target), overridden per environment by
 * `services.autoscaling`, reaches each service's release values; the VPA
 * release applies recommendations only when a service opts into "auto"; and
 * prometheus-adapter serves the metric the HPAs name, only when one uses it.
 */
import { describe, expect, it } from "vitest";
import { loadEnvironment, type EnvironmentConfig } from "../../config";
import type { EnvironmentInput } from "../../config/schema";
import { prod as prodInput } from "../../config/prod";
import { services, type Service } from "../../config/services";
import { REQUESTS_PER_SECOND_METRIC } from "../../modules/platform";
import { PRIORITY_CLASSES } from "../../modules/service/priority-classes";
import { deploymentFor, microserviceValues, VPA_UPDATE_MODES } from "../../modules/service/values";
import { render, type Manifest } from "../charts/helm";
import { validateManifest } from "../charts/validate";
import { config, synthEnvironment, type Json, type Synth } from "../helpers/synth";
import { valuesOf } from "./fixture";

const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
const byName = (name: string): Service => services.find((s) => s.name === name)!;

/** Overrides exercising every path: auto, off, a new target, a target turned off. */
const OVERRIDES: EnvironmentConfig["services"]["autoscaling"] = {
  "event-processor": { verticalAutoscaling: "auto", requestsPerSecondPerPod: 250 },
  "content-processing": { verticalAutoscaling: "off", requestsPerSecondPerPod: null },
  "api-gateway": { requestsPerSecondPerPod: 400 },
};
const withAutoscaling = (autoscaling: EnvironmentConfig["services"]["autoscaling"]) => (c: EnvironmentConfig): EnvironmentConfig => ({
  ...c,
  services: { ...c.services, autoscaling },
});

function release(stack: Synth, name: string): Json | undefined {
  return Object.values(stack.resources("helm_release")).find((r) => r.name === name);
}
const serviceValues = (stack: Synth, name: string): Json => valuesOf(release(stack, name)!);

/** What a service's values must say, from the catalog and the environment's overrides, written out independently of values.ts. */
function expected(service: Service, env: EnvironmentConfig) {
  const override = env.services.autoscaling[service.name] ?? {};
  const mode = override.verticalAutoscaling ?? service.scaling.verticalAutoscaling ?? "recommend";
  const target = override.requestsPerSecondPerPod !== undefined ? override.requestsPerSecondPerPod : (service.scaling.requestsPerSecondPerPod ?? null);
  return { mode, target };
}

function checkServices(stack: Synth, env: EnvironmentConfig): void {
  for (const service of services) {
    const { mode, target } = expected(service, env);
    const v = serviceValues(stack, service.name);
    const label = `${service.name} in ${env.name}`;
    expect(v.verticalAutoscaling, label).toEqual(
      mode === "off"
        ? { enabled: false, updateMode: "Off", controlledResources: ["cpu", "memory"] }
        : mode === "recommend"
          ? { enabled: true, updateMode: "Off", controlledResources: ["cpu", "memory"] }
          : { enabled: true, updateMode: "Recreate", controlledResources: ["memory"] },
    );
    expect(v.autoscaling.targetMemoryUtilizationPercentage, label).toBe(mode === "auto" ? 0 : 80);
    expect(v.autoscaling.requestsPerSecond.metricName, label).toBe(target === null ? "" : REQUESTS_PER_SECOND_METRIC);
    if (target !== null) expect(v.autoscaling.requestsPerSecond.targetAveragePerPod, label).toBe(target);
  }
}

/** The adapter's rules, and the metric names of the rules that serve per-pod metrics. */
function adapterMetrics(stack: Synth): string[] {
  const adapter = release(stack, "prometheus-adapter");
  if (!adapter) return [];
  const v = valuesOf(adapter);
  expect(v.rules.default).toBe(false);
  return (v.rules.custom as Json[]).filter((r) => r.resources.overrides.pod?.resource === "pod").map((r) => r.name.as);
}

describe.each(ENVIRONMENTS)("service autoscaling in %s, as configured", (name) => {
  const stack = synthEnvironment(name);
  const env = config(name);

  it("renders each service's VPA mode and request-rate target from the catalog and the environment", () => {
    checkServices(stack, env);
    // The catalog scales the edge and the LLM router on request rate, event-processor (a stream consumer) not.
    expect(serviceValues(stack, "api-gateway").autoscaling.requestsPerSecond.metricName).toBe(REQUESTS_PER_SECOND_METRIC);
    expect(serviceValues(stack, "event-processor").autoscaling.requestsPerSecond.metricName).toBe("");
  });

  it("installs every service after the VPA release, whose CRDs each service's VerticalPodAutoscaler needs", () => {
    const vpa = Object.entries(stack.resources("helm_release")).find(([, r]) => r.name === "vpa")![0];
    for (const s of services) {
      expect(release(stack, s.name)!.depends_on, s.name).toContain(`helm_release.${vpa}`);
    }
  });

  it("keeps the VPA to recommendations while no service opts into auto", () => {
    expect(services.some((s) => expected(s, env).mode === "auto")).toBe(false);
    expect(valuesOf(release(stack, "vpa")!)).toMatchObject({ recommender: { enabled: true }, updater: { enabled: false }, admissionController: { enabled: false } });
  });

  it("serves the request-rate metric the HPAs name through prometheus-adapter, from the in-cluster Prometheus", () => {
    const named = new Set(services.map((s) => serviceValues(stack, s.name).autoscaling.requestsPerSecond.metricName).filter((m: string) => m !== ""));
    expect([...named]).toEqual([REQUESTS_PER_SECOND_METRIC]);
    expect(adapterMetrics(stack)).toEqual([...named]);
    const v = valuesOf(release(stack, "prometheus-adapter")!);
    expect(v.prometheus).toEqual({ url: "http://kube-prometheus-stack-prometheus.monitoring.svc", port: 9090 });
    expect(v.rules.custom[0]).toMatchObject({ seriesQuery: 'http_requests_total{namespace!="",pod!=""}', name: { as: REQUESTS_PER_SECOND_METRIC } });
    expect(v.rules.custom[0].metricsQuery).toMatch(/^sum\(rate\(<<\.Series>>\{<<\.LabelMatchers>>\}\[\d+m\]\)\) by \(<<\.GroupBy>>\)$/);
    expect(v).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true }, priorityClassName: PRIORITY_CLASSES.platform });
  });
});

describe.each(ENVIRONMENTS)("service autoscaling in %s, with per-environment overrides", (name) => {
  const stack = synthEnvironment(name, withAutoscaling(OVERRIDES));
  const env = withAutoscaling(OVERRIDES)(config(name));

  it("renders the overridden VPA modes and request-rate targets", () => {
    checkServices(stack, env);
    expect(serviceValues(stack, "event-processor").verticalAutoscaling.updateMode).toBe("Recreate");
    expect(serviceValues(stack, "content-processing").verticalAutoscaling.enabled).toBe(false);
    expect(serviceValues(stack, "api-gateway").autoscaling.requestsPerSecond.targetAveragePerPod).toBe(400);
    // ai-orchestrator is not overridden: the catalog's settings hold.
    expect(serviceValues(stack, "ai-orchestrator").autoscaling.requestsPerSecond.targetAveragePerPod).toBe(byName("ai-orchestrator").scaling.requestsPerSecondPerPod);
  });

  it("runs the VPA updater and admission controller once a service opts into auto", () => {
    expect(valuesOf(release(stack, "vpa")!)).toMatchObject({ recommender: { enabled: true }, updater: { enabled: true }, admissionController: { enabled: true } });
  });
});

describe("service autoscaling without any request-rate target", () => {
  const none = Object.fromEntries(services.map((s) => [s.name, { requestsPerSecondPerPod: null }]));
  const stack = synthEnvironment("staging", withAutoscaling(none));

  it("installs no prometheus-adapter and names no custom metric", () => {
    expect(release(stack, "prometheus-adapter")).toBeUndefined();
    for (const s of services) expect(serviceValues(stack, s.name).autoscaling.requestsPerSecond.metricName, s.name).toBe("");
  });
});

describe("the chart renders what the overrides ask for", () => {
  const env = withAutoscaling(OVERRIDES)(config("prod"));
  const wafAclArn = "arn:aws:wafv2:eu-west-1:333333333333:regional/webacl/groundwork-prod-public/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
  const deployment = deploymentFor(env, "1.0.0", { wafAclArn, requestsPerSecondMetric: REQUESTS_PER_SECOND_METRIC });
  const rendered = (service: string): Promise<Manifest[]> =>
    render(service, microserviceValues(byName(service), deployment, services), { namespace: service, kubeVersion: env.cluster.version });
  const hpaMetrics = (manifests: Manifest[]) =>
    manifests.find((m) => m.kind === "HorizontalPodAutoscaler")!.spec.metrics.map((m: Json) => (m.type === "Pods" ? `${m.pods.metric.name}=${m.pods.target.averageValue}` : m.resource.name));

  it("renders no VPA for a service set to off, and keeps memory in its HPA", async () => {
    const manifests = await rendered("content-processing");
    for (const m of manifests) validateManifest(m);
    expect(manifests.some((m) => m.kind === "VerticalPodAutoscaler")).toBe(false);
    expect(hpaMetrics(manifests)).toEqual(["cpu", "memory"]);
  });

  it("renders a Recreate VPA on memory for a service set to auto, and the request rate in its HPA", async () => {
    const manifests = await rendered("event-processor");
    for (const m of manifests) validateManifest(m);
    const vpa = manifests.find((m) => m.kind === "VerticalPodAutoscaler")!;
    expect(vpa.spec.updatePolicy.updateMode).toBe("Recreate");
    expect(vpa.spec.resourcePolicy.containerPolicies[0].controlledResources).toEqual(["memory"]);
    expect(hpaMetrics(manifests)).toEqual(["cpu", `${REQUESTS_PER_SECOND_METRIC}=250`]);
  });
});

describe("autoscaling config validation", () => {
  const prodWith = (autoscaling: unknown): EnvironmentInput => ({ ...structuredClone(prodInput), services: { ...prodInput.services, autoscaling } }) as EnvironmentInput;

  it("fails when a VPA mode is unknown", () => {
    expect(() => loadEnvironment(prodWith({ "api-gateway": { verticalAutoscaling: "always" } }))).toThrow(
      'config/prod: services.autoscaling.api-gateway.verticalAutoscaling is "always"; expected one of off, recommend, auto',
    );
  });

  it("fails when a request-rate target is not a positive integer", () => {
    expect(() => loadEnvironment(prodWith({ "api-gateway": { requestsPerSecondPerPod: 0 } }))).toThrow(
      "config/prod: services.autoscaling.api-gateway.requestsPerSecondPerPod is 0; expected at least 1",
    );
  });

  it("fails at synth when an override names a service the catalog does not have", () => {
    expect(() => synthEnvironment("dev", withAutoscaling({ gatewai: { verticalAutoscaling: "auto" } }))).toThrow(
      /^verticalAutoscaling names service "gatewai"; expected one of api-gateway, /,
    );
  });

  it("maps each config mode to the chart", () => {
    expect(VPA_UPDATE_MODES).toEqual({ off: null, recommend: "Off", auto: "Recreate" });
  });
});
