/** One small stack holding every platform construct, synthesized once per test file. */
import { readFileSync } from "node:fs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { Testing, TerraformStack } from "cdktf";
import { OpenSearchLogsDomain } from "../../modules/logging/opensearch";
import {
  ArgoRollouts,
  AwsLoadBalancerController,
  CertManager,
  ExternalDns,
  FluentBit,
  Gp3StorageClass,
  Jaeger,
  Karpenter,
  KubePrometheusStack,
  MetricsServer,
  OpenCost,
  OpenTelemetryCollector,
  unescapeTemplate,
  VerticalPodAutoscaler,
  type NodePoolSpec,
} from "../../modules/platform";
import { expect } from "vitest";
import { Synth, type Json } from "../helpers/synth";

export const CLUSTER = "groundwork-test";
export const ZONE_ID = "Z0123456789ABCDEFGHIJ";
export const ALERTMANAGER_YAML = readFileSync(new URL("../../monitoring/alertmanager/alertmanager.yaml", import.meta.url), "utf8");
export const DASHBOARD_JSON = JSON.stringify({ uid: "gw-test", title: "Test", panels: [{ datasource: { uid: "${datasource}" } }] });
export const NODE_POOLS: NodePoolSpec[] = [
  {
    name: "general",
    requirements: [
      { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] },
      { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["m", "c", "r"] },
      { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
    ],
    limits: { cpu: "64", memory: "256Gi" },
  },
];

/** Every construct with the props the environment stack would pass. */
export function buildPlatform(stack: TerraformStack) {
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new HelmProvider(stack, "helm", {
    kubernetes: {
      host: "https://example.eks.amazonaws.com",
      clusterCaCertificate: "dummy",
      exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", CLUSTER] },
    },
  });
  const ready = new CloudwatchLogGroup(stack, "cluster-ready", { name: "stand-in-for-cluster-ready-dependencies" });
  const dependsOn = [ready];
  const domain = new OpenSearchLogsDomain(stack, "logs-domain", {
    domainName: "groundwork-test",
    vpcId: "vpc-0123",
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    clientSecurityGroupId: "sg-nodes",
    masterRoleArn: "arn:aws:iam::111111111111:role/platform-admin",
    instanceCount: 3,
  });
  const storage = new Gp3StorageClass(stack, "storage-class", { dependsOn });
  const monitoring = new KubePrometheusStack(stack, "kube-prometheus-stack", {
    dependsOn: [...dependsOn, storage.manifests.release],
    retentionDays: 15,
    prometheusStorageGiB: 100,
    alertmanagerConfigYaml: ALERTMANAGER_YAML,
    ruleGroups: [{ name: "groundwork.test", rules: [{ alert: "TestAlert", expr: "vector(1) > 0", labels: { severity: "warning" } }] }],
    dashboards: { "gw-test": DASHBOARD_JSON },
    remoteWriteReceiver: true,
  });
  const jaeger = new Jaeger(stack, "jaeger", {
    dependsOn,
    clusterName: CLUSTER,
    opensearchDomainArn: domain.arn,
    opensearchEndpoint: domain.endpoint,
    retentionDays: 7,
  });
  return {
    domain,
    monitoring,
    jaeger,
    alb: new AwsLoadBalancerController(stack, "aws-load-balancer-controller", { dependsOn, clusterName: CLUSTER, vpcId: "vpc-0123" }),
    certManager: new CertManager(stack, "cert-manager", {
      dependsOn,
      clusterName: CLUSTER,
      hostedZoneIds: [ZONE_ID],
      acmeIssuer: { name: "letsencrypt", email: "platform@example.com", dnsZones: ["test.example.com"] },
    }),
    externalDns: new ExternalDns(stack, "external-dns", { dependsOn, clusterName: CLUSTER, domainFilters: ["test.example.com"], hostedZoneIds: [ZONE_ID] }),
    metricsServer: new MetricsServer(stack, "metrics-server", { dependsOn }),
    karpenter: new Karpenter(stack, "karpenter", {
      dependsOn,
      clusterName: CLUSTER,
      clusterEndpoint: "https://example.eks.amazonaws.com",
      nodeRoleArn: "arn:aws:iam::111111111111:role/groundwork-test-node",
      subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
      securityGroupIds: ["sg-nodes"],
      nodePools: NODE_POOLS,
    }),
    vpa: new VerticalPodAutoscaler(stack, "vpa", { dependsOn }),
    fluentBit: new FluentBit(stack, "fluent-bit", {
      dependsOn,
      clusterName: CLUSTER,
      opensearchDomainArn: domain.arn,
      opensearchEndpoint: domain.endpoint,
      retentionDays: 30,
    }),
    otel: new OpenTelemetryCollector(stack, "opentelemetry-collector", {
      dependsOn: [...dependsOn, jaeger.release, monitoring.release],
      jaegerOtlpEndpoint: jaeger.otlpGrpcEndpoint,
      prometheusRemoteWriteUrl: `${monitoring.prometheusUrl}/api/v1/write`,
    }),
    argoRollouts: new ArgoRollouts(stack, "argo-rollouts", { dependsOn }),
    openCost: new OpenCost(stack, "opencost", {
      dependsOn: [...dependsOn, monitoring.release],
      clusterName: CLUSTER,
      prometheusServiceName: monitoring.prometheusServiceName,
      prometheusNamespace: monitoring.namespace,
    }),
  };
}

export interface Platform {
  readonly synth: Synth;
  readonly constructs: ReturnType<typeof buildPlatform>;
  /** helm_release resources by release name. */
  readonly releases: Record<string, Json>;
}

let memo: Platform | undefined;

/** The platform stack, synthesized once per test file (vitest isolates files). */
export function platform(): Platform {
  if (memo) return memo;
  const stack = new TerraformStack(Testing.app(), "platform");
  const constructs = buildPlatform(stack);
  Testing.synth(stack);
  const synth = new Synth(stack.toTerraform() as Json);
  const releases = Object.fromEntries(Object.values(synth.resources("helm_release")).map((r) => [r.name as string, r]));
  memo = { synth, constructs, releases };
  return memo;
}

/** A release's values as the chart receives them (Terraform escapes undone; references left as text). */
export function valuesOf(release: Json): Json {
  expect(release.values).toHaveLength(1);
  // Terraform expressions (such as element(split("/", ...))) carry raw quotes inside the JSON text.
  const text = (release.values[0] as string).replace(/(?<!\$)\$\{([^{}]*)\}/g, (_m, inner: string) => `\${${inner.replace(/(?<!\\)"/g, '\\"')}}`);
  return JSON.parse(unescapeTemplate(text));
}

/** A fresh stack for one construct, for validation cases. */
export function scratchStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "scratch");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}
