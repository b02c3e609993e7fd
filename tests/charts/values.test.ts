/** The typed values builder for charts/microservice, without helm. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformOutput, Testing, TerraformStack, TerraformVariable } from "cdktf";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { environments } from "../../config";
import { services, type Service } from "../../config/services";
import { renderValues } from "../../modules/platform/release";
import { databaseSubnetCidrs, deploymentFor, microserviceValues, publicSubnetCidrs, type ServiceDeployment } from "../../modules/service/values";
import { synthEnvironment } from "../helpers/synth";
import { CHART_DIR } from "./helm";

const prod = environments.find((e) => e.name === "prod")!;
const dev = environments.find((e) => e.name === "dev")!;
const byName = (name: string): Service => services.find((s) => s.name === name)!;
const WAF_ACL_ARN = "arn:aws:wafv2:eu-west-1:333333333333:regional/webacl/groundwork-prod-public/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
const deployment = (overrides: Partial<ServiceDeployment> = {}): ServiceDeployment => ({ ...deploymentFor(prod, "1.0.0", { wafAclArn: WAF_ACL_ARN }), ...overrides });

/** Values that are free-form maps (name: value): leaves, whatever their keys. */
const MAPS = new Set(["env", "serviceAccount.annotations"]);

/** Dotted paths of every leaf (arrays, empty objects and free-form maps count as leaves). */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value) || Object.keys(value).length === 0 || MAPS.has(prefix)) return [prefix];
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
    expect(opted.verticalAutoscaling).toEqual({ enabled: true, updateMode: "Recreate", controlledResources: ["memory"] });
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

  it("puts a public service behind the WAF web ACL on the environment's shared ALB, admitting it from the public subnets", () => {
    const values = microserviceValues(byName("api-gateway"), deployment(), services);
    expect(values.ingress).toMatchObject({ enabled: true, className: "alb", groupName: "prod-public", wafAclArn: WAF_ACL_ARN, certificateArn: "" });
    expect(values.networkPolicy.loadBalancerCidrs).toEqual(publicSubnetCidrs(prod));
    const internal = microserviceValues(byName("event-processor"), deployment(), services);
    expect(internal.ingress.enabled).toBe(false);
    expect(internal.networkPolicy.loadBalancerCidrs).toEqual([]);
    expect(internal.env).toEqual({});
  });

  it("passes the edge policy of the environment to public services as plain env", () => {
    expect(microserviceValues(byName("api-gateway"), deployment(), services).env).toEqual({
      OIDC_ISSUER: prod.edge.oidcIssuer,
      RATE_LIMIT_PER_CLIENT_PER_MINUTE: String(prod.edge.rateLimits.perClientPerMinute),
      RATE_LIMIT_BURST: String(prod.edge.rateLimits.burst),
      CORS_ALLOWED_ORIGINS: prod.edge.cors.allowedOrigins.join(","),
      CORS_ALLOWED_METHODS: prod.edge.cors.allowedMethods.join(","),
      CORS_ALLOWED_HEADERS: prod.edge.cors.allowedHeaders.join(","),
    });
  });

  it("asks the vault-ca ClusterIssuer for the Vault CA of services with Vault injection", () => {
    expect(microserviceValues(byName("event-processor"), deployment(), services).vault).toMatchObject({ caSecretName: "vault-ca", caIssuer: "vault-ca" });
  });

  it("passes Terraform tokens for the WAF web ACL, the certificate and the image tag through untouched", () => {
    const stack = new TerraformStack(Testing.app(), "tokens");
    const tag = new TerraformVariable(stack, "image_tag", { type: "string" }).stringValue;
    const waf = new TerraformVariable(stack, "waf_acl_arn", { type: "string" }).stringValue;
    const cert = new TerraformVariable(stack, "certificate_arn", { type: "string" }).stringValue;
    const values = microserviceValues(byName("api-gateway"), deploymentFor(prod, tag, { wafAclArn: waf, certificateArn: cert }), services);
    expect(values.ingress.wafAclArn).toBe(waf);
    expect(values.ingress.certificateArn).toBe(cert);
    expect(values.image.tag).toBe(tag);
    // What the helm_release's values receive: the token, which synth turns into a reference.
    const rendered = JSON.parse(renderValues(values));
    expect(rendered.ingress.wafAclArn).toBe(waf);
    new TerraformOutput(stack, "waf", { value: rendered.ingress.wafAclArn });
    expect(JSON.parse(Testing.synth(stack)).output.waf.value).toBe("${var.waf_acl_arn}");
  });

  it("fails when a public service has no WAF web ACL", () => {
    expect(() => microserviceValues(byName("api-gateway"), { ...deployment(), wafAclArn: "" }, services)).toThrow(
      "wafAclArn is empty; expected the WAF web ACL ARN (api-gateway is public and is served only behind WAF)",
    );
    // A service that is not public needs none.
    expect(() => microserviceValues(byName("event-processor"), { ...deployment(), wafAclArn: "" }, services)).not.toThrow();
  });

  it("fails when the WAF web ACL or the certificate is not an ARN of its kind", () => {
    expect(() => microserviceValues(byName("api-gateway"), deployment({ wafAclArn: "groundwork-prod-public" }), services)).toThrow(
      'wafAclArn is "groundwork-prod-public"; expected a regional WAFv2 web ACL ARN',
    );
    expect(() => microserviceValues(byName("api-gateway"), deployment({ certificateArn: "arn:aws:iam::333333333333:server-certificate/x" }), services)).toThrow(
      'certificateArn is "arn:aws:iam::333333333333:server-certificate/x"; expected an ACM certificate ARN',
    );
  });

  it("fails when a public service gets no public subnet CIDRs", () => {
    expect(() => microserviceValues(byName("api-gateway"), deployment({ publicSubnetCidrs: [] }), services)).toThrow("publicSubnetCidrs is empty");
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

  it("allows the database and public CIDRs of exactly the subnets the network stack creates", () => {
    const subnets = Object.values(synthEnvironment("dev").resources("aws_subnet"));
    const tier = (name: string) => subnets.filter((s) => s.tags.tier === name).map((s) => s.cidr_block).sort();
    expect(databaseSubnetCidrs(dev).sort()).toEqual(tier("database"));
    expect(publicSubnetCidrs(dev).sort()).toEqual(tier("public"));
  });

  it("derives the ALB group, TLS policy and edge policy from the environment", () => {
    expect(deploymentFor(dev, "abc1234")).toMatchObject({
      ingress: { className: "alb", groupName: "dev-public", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" },
      publicSubnetCidrs: publicSubnetCidrs(dev),
      edge: { oidcIssuer: dev.edge.oidcIssuer, rateLimitBurst: dev.edge.rateLimits.burst, cors: dev.edge.cors },
      wafAclArn: "",
    });
  });
});
