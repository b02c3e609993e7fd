/**
 * Proof that the checks bite: broken values are refused by helm (the chart's
 * values.schema.json or its template checks), and broken manifests are
 * refused by the validators the main suite relies on.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { environments } from "../../config";
import { services } from "../../config/services";
import { deploymentFor, microserviceValues, type MicroserviceValues } from "../../modules/service/values";
import { helmLint, helmTemplate, parseManifests, render, type Manifest } from "./helm";
import { validateManifest } from "./validate";

const prod = environments.find((e) => e.name === "prod")!;
const gateway = services.find((s) => s.name === "api-gateway")!;
const contentProcessing = services.find((s) => s.name === "content-processing")!;
const wafAclArn = "arn:aws:wafv2:eu-west-1:333333333333:regional/webacl/groundwork-prod-public/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
const good: MicroserviceValues = microserviceValues(gateway, deploymentFor(prod, "1.0.0", { wafAclArn }), services);

/** `good` with one nested value replaced, e.g. patch("autoscaling.minReplicas", "three"). */
function patch(path: string, value: unknown): unknown {
  const copy = structuredClone(good) as Record<string, any>;
  const keys = path.split(".");
  let cur = copy;
  for (const k of keys.slice(0, -1)) cur = cur[k];
  cur[keys.at(-1)!] = value;
  return copy;
}

async function helmError(values: unknown, namespace = good.namespace): Promise<string> {
  const result = await helmTemplate("broken", values, { namespace });
  expect(result.ok, "helm template should have failed").toBe(false);
  return result.stderr;
}

describe("helm refuses bad values", () => {
  it("fails when a number is a string (values.schema.json)", async () => {
    expect(await helmError(patch("autoscaling.minReplicas", "three"))).toMatch(/values don't meet the specifications of the schema[\s\S]*autoscaling\/minReplicas/);
  });

  it("fails when the image tag is latest", async () => {
    expect(await helmError(patch("image.tag", "latest"))).toMatch(/image\/tag/);
  });

  it("fails when a key is misspelt", async () => {
    expect(await helmError(patch("autoscaling.maxReplica", 3))).toMatch(/additional properties 'maxReplica' not allowed/);
  });

  it("fails when an environment variable looks like a credential", async () => {
    expect(await helmError(patch("env", { DB_PASSWORD: "hunter2" }))).toContain("invalid propertyName 'DB_PASSWORD'");
  });

  it("fails when the VPA update mode is not one the VPA accepts", async () => {
    expect(await helmError(patch("verticalAutoscaling.updateMode", "Auto"))).toMatch(/verticalAutoscaling\/updateMode/);
  });

  it("fails when minReplicas exceeds maxReplicas", async () => {
    expect(await helmError(patch("autoscaling.minReplicas", 30))).toContain("autoscaling.minReplicas is 30; expected at most autoscaling.maxReplicas (20)");
  });

  it("fails when the VPA and the HPA would both act on memory", async () => {
    const values = patch("verticalAutoscaling", { updateMode: "Recreate", controlledResources: ["memory"] });
    expect(await helmError(values)).toContain("verticalAutoscaling.updateMode sets memory requests while the HPA scales on memory");
  });

  it("fails when installed in another namespace than its values name", async () => {
    expect(await helmError(good, "default")).toContain('namespace is "api-gateway" but the release is installed in "default"');
  });

  it("fails when a public service has no WAF web ACL", async () => {
    expect(await helmError(patch("ingress.wafAclArn", ""))).toContain("ingress.enabled is true but ingress.wafAclArn is empty");
  });

  it("fails when a public service has no JWT issuer or JWKS URL for the ALB to verify tokens with", async () => {
    expect(await helmError(patch("ingress.jwtValidation.jwksEndpoint", ""))).toContain("ingress.enabled is true but ingress.jwtValidation.issuer or jwksEndpoint is empty");
    expect(await helmError(patch("ingress.jwtValidation.issuer", "http://auth.example.com/"))).toMatch(/ingress\/jwtValidation\/issuer/);
  });

  it("fails when the WAF web ACL is not a regional web ACL ARN", async () => {
    expect(await helmError(patch("ingress.wafAclArn", "arn:aws:wafv2:us-east-1:333333333333:global/webacl/x/0f1e"))).toMatch(/ingress\/wafAclArn/);
  });

  it("fails when a public service has no load balancer CIDRs to admit the ALB from", async () => {
    expect(await helmError(patch("networkPolicy.loadBalancerCidrs", []))).toContain("ingress.enabled is true but networkPolicy.loadBalancerCidrs is empty");
  });

  it("fails when a response header has a comma the ALB controller would split on", async () => {
    const headers = { ...good.ingress.responseHeaders, frameOptions: "DENY", strictTransportSecurity: "max-age=1, preload" };
    expect(await helmError(patch("ingress.responseHeaders", headers))).toMatch(/ingress\/responseHeaders\/strictTransportSecurity/);
  });

  it("fails when the TLS policy allows TLS 1.0 or 1.1", async () => {
    expect(await helmError(patch("ingress.sslPolicy", "ELBSecurityPolicy-2016-08"))).toMatch(/ingress\/sslPolicy/);
  });

  it("fails when Vault injection has no secret to inject", async () => {
    expect(await helmError(patch("vault", { ...good.vault, enabled: true, secrets: [] }))).toContain("vault.enabled is true but vault.secrets is empty");
  });
});

describe("the chart on its own", () => {
  it("lints and renders valid objects with the defaults in values.yaml", async () => {
    const lint = await helmLint({});
    expect(lint.ok, lint.stderr + lint.stdout).toBe(true);
    const result = await helmTemplate("defaults", {});
    expect(result.ok, result.stderr).toBe(true);
    const manifests = parseManifests(result.stdout);
    for (const m of manifests) validateManifest(m);
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      "AnalysisTemplate", "HorizontalPodAutoscaler", "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget",
      "Rollout", "Service", "Service", "Service", "ServiceAccount", "ServiceMonitor", "VerticalPodAutoscaler",
    ]);
  });
});

describe("commas in the ALB's response headers", () => {
  it("fails when the CSP has a comma", async () => {
    // values.schema.json refuses it; microservice.validate repeats the check for every header (defence in depth).
    const values = patch("ingress.responseHeaders", { ...good.ingress.responseHeaders, contentSecurityPolicy: "default-src 'self', 'none'" });
    expect(await helmError(values)).toMatch(/contentSecurityPolicy/);
  });
});

describe("opt-in features render valid objects", () => {
  it("renders the requests-per-second metric and a VPA that manages memory", async () => {
    const d = deploymentFor(prod, "1.0.0", { wafAclArn, requestsPerSecondMetric: "http_requests_per_second", verticalAutoscaling: { "content-processing": "Recreate" } });
    const manifests = await render("content-processing", microserviceValues(contentProcessing, d, services), { namespace: "content-processing" });
    for (const m of manifests) validateManifest(m);
    const hpa = manifests.find((m) => m.kind === "HorizontalPodAutoscaler")!;
    expect(hpa.spec.metrics.map((m: any) => m.type === "Pods" ? m.pods.metric.name : m.resource.name)).toEqual(["cpu", "http_requests_per_second"]);
    const vpa = manifests.find((m) => m.kind === "VerticalPodAutoscaler")!;
    expect(vpa.spec.updatePolicy.updateMode).toBe("Recreate");
    expect(vpa.spec.resourcePolicy.containerPolicies[0].controlledResources).toEqual(["memory"]);
  });
});

describe("the validators refuse broken manifests", () => {
  let manifests: Manifest[] = [];
  beforeAll(async () => {
    manifests = await render("api-gateway", good, { namespace: good.namespace });
  });
  /** A deep copy of a rendered object (of one kind, and name when given), to break. */
  const copyOf = (kind: string, name = "api-gateway"): any => structuredClone(manifests.find((m) => m.kind === kind && m.metadata.name === name)!);

  it("accepts the objects as rendered", () => {
    for (const m of manifests) expect(() => validateManifest(m)).not.toThrow();
  });

  it("fails when a Rollout has no active Service", () => {
    const rollout = copyOf("Rollout");
    delete rollout.spec.strategy.blueGreen.activeService;
    expect(() => validateManifest(rollout)).toThrow(/Rollout api-gateway: spec\.strategy\.blueGreen\.activeService: Required/);
  });

  it("fails when a Rollout field is misspelt", () => {
    const rollout = copyOf("Rollout");
    rollout.spec.strategy.blueGreen.autoPromotionEnable = true;
    expect(() => validateManifest(rollout)).toThrow(/Unrecognized key\(s\) in object: 'autoPromotionEnable'/);
  });

  it("fails when the Rollout's pod template breaks the Kubernetes schema", () => {
    const rollout = copyOf("Rollout");
    rollout.spec.template.spec.containers[0].ports[0].containerPort = "http";
    expect(() => validateManifest(rollout)).toThrow(/PodTemplateSpec: .*containerPort must be integer/);
  });

  it("fails when an analysis argument asks for a pod-template hash Argo does not know", () => {
    const rollout = copyOf("Rollout");
    rollout.spec.strategy.blueGreen.prePromotionAnalysis.args[0].valueFrom.podTemplateHashValue = "Preview";
    expect(() => validateManifest(rollout)).toThrow(/podTemplateHashValue/);
  });

  it("fails when an AnalysisTemplate metric has no provider", () => {
    const template = copyOf("AnalysisTemplate", "api-gateway-slo");
    delete template.spec.metrics[0].provider;
    expect(() => validateManifest(template)).toThrow(/spec\.metrics\.0\.provider: Required/);
  });

  it("fails when a ServiceMonitor interval is not a duration", () => {
    const monitor = copyOf("ServiceMonitor");
    monitor.spec.endpoints[0].interval = "30 seconds";
    expect(() => validateManifest(monitor)).toThrow(/spec\.endpoints\.0\.interval/);
  });

  it("fails when a VPA uses the removed Auto mode", () => {
    const vpa = copyOf("VerticalPodAutoscaler");
    vpa.spec.updatePolicy.updateMode = "Auto";
    expect(() => validateManifest(vpa)).toThrow(/spec\.updatePolicy\.updateMode/);
  });

  it("fails when a built-in kind breaks its OpenAPI schema", () => {
    const hpa = copyOf("HorizontalPodAutoscaler");
    hpa.spec.maxReplicas = "twenty";
    expect(() => validateManifest(hpa)).toThrow(/HorizontalPodAutoscaler api-gateway: .*maxReplicas must be integer/);
    const policy = copyOf("NetworkPolicy");
    policy.spec.egress[0].ports[0].protocol = 53;
    expect(() => validateManifest(policy)).toThrow(/NetworkPolicy/);
  });

  it("fails when a Certificate asks for an unknown key usage or a ClusterIssuer kind cert-manager does not know", async () => {
    const eventProcessor = services.find((s) => s.name === "event-processor")!;
    const values = microserviceValues(eventProcessor, deploymentFor(prod, "1.0.0", { wafAclArn }), services);
    const cert = structuredClone((await render("event-processor", values, { namespace: values.namespace })).find((m) => m.kind === "Certificate")!);
    expect(() => validateManifest(cert)).not.toThrow();
    cert.spec.usages = ["client-auth"];
    expect(() => validateManifest(cert)).toThrow(/Certificate event-processor-vault-ca: spec\.usages\.0/);
    cert.spec.usages = ["client auth"];
    cert.spec.issuerRef.kind = "Issuers";
    expect(() => validateManifest(cert)).toThrow(/spec\.issuerRef\.kind/);
  });

  it("fails when a kind has no schema to check it against", () => {
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" } };
    expect(() => validateManifest(deployment)).toThrow("apps/v1/Deployment x: no schema to validate it against");
  });
});
