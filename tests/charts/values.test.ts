/** The typed values builder for charts/microservice, without helm. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { environments } from "../../config";
import { services, type Service } from "../../config/services";
import { databaseSubnetCidrs, deploymentFor, microserviceValues, type ServiceDeployment } from "../../modules/service/values";
import { synthEnvironment } from "../helpers/synth";
import { CHART_DIR } from "./helm";

const prod = environments.find((e) => e.name === "prod")!;
const dev = environments.find((e) => e.name === "dev")!;
const byName = (name: string): Service => services.find((s) => s.name === name)!;
const deployment = (overrides: Partial<ServiceDeployment> = {}): ServiceDeployment => ({ ...deploymentFor(prod, "1.0.0"), ...overrides });

/** Dotted paths of every leaf (arrays and empty objects count as leaves). */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value) || Object.keys(value).length === 0) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

describe("microserviceValues", () => {
  it("sets exactly the keys of the chart's values.yaml", () => {
    const chartDefaults = parse(readFileSync(join(CHART_DIR, "values.yaml"), "utf8"));
    for (const service of services) {
      expect(keyPaths(microserviceValues(service, deployment(), services)).sort()).toEqual(keyPaths(chartDefaults).sort());
    }
  });

  it("caps the HPA maximum at the environment's cap and keeps the minimum at or below it", () => {
    const gateway = byName("api-gateway"); // catalog 3..20
    expect(microserviceValues(gateway, deployment({ maxReplicasCap: 50 }), services).autoscaling).toMatchObject({ minReplicas: 3, maxReplicas: 20 });
    expect(microserviceValues(gateway, deployment({ maxReplicasCap: 4 }), services).autoscaling).toMatchObject({ minReplicas: 3, maxReplicas: 4 });
    expect(microserviceValues(gateway, deployment({ maxReplicasCap: 2 }), services).autoscaling).toMatchObject({ minReplicas: 2, maxReplicas: 2 });
  });

  it("derives callers from the other services' calls and callees with their ports", () => {
    const values = microserviceValues(byName("event-processor"), deployment(), services);
    expect(values.networkPolicy.callers.map((c) => c.name).sort()).toEqual(["ai-orchestrator", "api-gateway", "content-processing"]);
    expect(values.networkPolicy.callees).toEqual([]);
    expect(microserviceValues(byName("api-gateway"), deployment(), services).networkPolicy.callees).toEqual(
      byName("api-gateway").calls.map((name) => ({ name, namespace: name, port: byName(name).port })),
    );
  });

  it("releases each service in its own namespace unless told otherwise", () => {
    expect(microserviceValues(byName("api-gateway"), deployment(), services).namespace).toBe("api-gateway");
    const shared = microserviceValues(byName("api-gateway"), deployment({ serviceNamespace: () => "services" }), services);
    expect(shared.namespace).toBe("services");
    expect(new Set(shared.networkPolicy.callees.map((c) => c.namespace))).toEqual(new Set(["services"]));
  });

  it("takes the analysis thresholds from the SLO", () => {
    const ai = byName("ai-orchestrator");
    expect(microserviceValues(ai, deployment(), services).analysis).toMatchObject({ minSuccessRate: ai.slo.availability, maxLatencyP95Ms: ai.slo.latencyP95Ms });
  });

  it("injects Vault database credentials only into services that use PostgreSQL", () => {
    expect(microserviceValues(byName("event-processor"), deployment(), services).vault).toMatchObject({
      enabled: true,
      role: "event-processor",
      secrets: [{ name: "db", path: "database/creds/event-processor" }],
    });
    expect(microserviceValues(byName("api-gateway"), deployment(), services).vault).toMatchObject({ enabled: false, secrets: [] });
  });

  it("opts one service in to VPA-managed memory and takes memory out of its HPA", () => {
    const d = deployment({ verticalAutoscaling: { "content-processing": "Recreate" } });
    const opted = microserviceValues(byName("content-processing"), d, services);
    expect(opted.verticalAutoscaling).toEqual({ updateMode: "Recreate", controlledResources: ["memory"] });
    expect(opted.autoscaling.targetMemoryUtilizationPercentage).toBe(0);
    expect(microserviceValues(byName("event-processor"), d, services).verticalAutoscaling.updateMode).toBe("Off");
  });

  it("adds the requests-per-second metric only when configured, sized so minReplicas carry the expected load", () => {
    const gateway = byName("api-gateway");
    expect(microserviceValues(gateway, deployment(), services).autoscaling.requestsPerSecond.metricName).toBe("");
    const rps = microserviceValues(gateway, deployment({ requestsPerSecondMetric: "http_requests_per_second" }), services).autoscaling.requestsPerSecond;
    expect(rps).toEqual({ metricName: "http_requests_per_second", targetAveragePerPod: Math.ceil(gateway.slo.expectedRps / gateway.scaling.minReplicas) });
  });

  it("fails when the image tag is latest or empty", () => {
    expect(() => microserviceValues(byName("api-gateway"), deployment({ imageTag: "latest" }), services)).toThrow(
      'imageTag is "latest"; expected an immutable tag such as a git SHA or release version, never "latest" or empty',
    );
    expect(() => deploymentFor(prod, "")).toThrow('imageTag is ""; expected an immutable tag');
    expect(() => deploymentFor(prod, "LATEST")).toThrow('imageTag is "LATEST"');
  });

  it("fails when the image tag is not a valid tag", () => {
    expect(() => deploymentFor(prod, "v1 beta")).toThrow('imageTag is "v1 beta"; expected a Docker tag');
  });

  it("fails when the registry is not an ECR registry host", () => {
    expect(() => microserviceValues(byName("api-gateway"), deployment({ imageRegistry: "docker.io" }), services)).toThrow(
      'imageRegistry is "docker.io"; expected <account>.dkr.ecr.<region>.amazonaws.com',
    );
  });

  it("fails when the replica cap leaves no room for a disruption budget", () => {
    expect(() => microserviceValues(byName("api-gateway"), deployment({ maxReplicasCap: 1 }), services)).toThrow("maxReplicasCap is 1; expected an integer of at least 2");
  });

  it("fails when the service or a callee is not in the catalog", () => {
    const stray = { ...byName("api-gateway"), name: "stray" };
    expect(() => microserviceValues(stray, deployment(), services)).toThrow('microserviceValues: service names service "stray"; expected one of api-gateway');
    const caller = { ...byName("api-gateway"), calls: ["nowhere"] };
    expect(() => microserviceValues(caller, deployment(), services)).toThrow('api-gateway.calls names service "nowhere"');
  });

  it("fails when an opt-in names a service not in the catalog", () => {
    expect(() => microserviceValues(byName("api-gateway"), deployment({ verticalAutoscaling: { gatewai: "Recreate" } }), services)).toThrow(
      'verticalAutoscaling names service "gatewai"',
    );
  });

  it("fails when a service that uses a database gets no database CIDRs", () => {
    expect(() => microserviceValues(byName("event-processor"), deployment({ databaseCidrs: [] }), services)).toThrow("databaseCidrs is empty");
  });
});

describe("deploymentFor", () => {
  it("derives registry, domain and replica cap from the environment", () => {
    expect(deploymentFor(dev, "abc1234")).toMatchObject({
      environment: "dev",
      imageRegistry: `${dev.account.id}.dkr.ecr.${dev.account.region}.amazonaws.com`,
      imageTag: "abc1234",
      domain: dev.services.domain,
      maxReplicasCap: dev.services.maxReplicasCap,
    });
  });

  it("allows the database CIDRs of exactly the subnets the network stack creates", () => {
    const subnets = Object.values(synthEnvironment("dev").resources("aws_subnet"));
    const database = subnets.filter((s) => s.tags.tier === "database").map((s) => s.cidr_block);
    expect(databaseSubnetCidrs(dev).sort()).toEqual(database.sort());
  });
});
