/**
 * Jaeger (collector and query) storing spans in the OpenSearch domain.
 * Jaeger's Elasticsearch/OpenSearch client cannot sign requests with SigV4,
 * so it talks plain HTTP to an in-namespace aws-sigv4-proxy Deployment that
 * signs every request as a Pod Identity role allowed only on that domain and
 * forwards it over HTTPS. A NetworkPolicy admits only pods of the tracing
 * namespace to the proxy. `esIndexCleaner` deletes span indices older than
 * `retentionDays`.
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { Manifests } from "./manifests";
import { platformRelease, PodIdentityRole, priorityClassOf, type ChartRef, type PlatformPriorityProps, type PlatformReleaseProps } from "./release";

export const JAEGER_CHART: ChartRef = { repository: "https://jaegertracing.github.io/helm-charts", chart: "jaeger", version: "3.4.1" };

/** Values Groundwork sets on the jaeger chart. */
export interface JaegerValues {
  readonly provisionDataStore: { readonly cassandra: boolean; readonly elasticsearch: boolean };
  readonly storage: {
    readonly type: "elasticsearch";
    readonly elasticsearch: { readonly scheme: "http"; readonly host: string; readonly port: number; readonly anonymous: boolean; readonly usePassword: boolean; readonly extraEnv: readonly { readonly name: string; readonly value: string }[] };
  };
  readonly agent: { readonly enabled: boolean };
  readonly collector: { readonly enabled: boolean; readonly replicaCount: number; readonly priorityClassName: string };
  readonly query: { readonly enabled: boolean; readonly replicaCount: number; readonly priorityClassName: string };
  readonly esIndexCleaner: { readonly enabled: boolean; readonly numberOfDays: number; readonly schedule: string };
}

export interface JaegerProps extends PlatformReleaseProps, PlatformPriorityProps {
  readonly clusterName: string;
  readonly opensearchDomainArn: string;
  /** Endpoint host name of the domain (no scheme). */
  readonly opensearchEndpoint: string;
  /** Days span indices are kept. */
  readonly retentionDays: number;
  /**
   * Signing proxy image.
   * @default "public.ecr.aws/aws-observability/aws-sigv4-proxy:1.8"
   */
  readonly proxyImage?: string;
  /**
   * Collector and query replicas.
   * @default 2
   */
  readonly replicas?: number;
}

const PROXY = "opensearch-sigv4-proxy";
const PROXY_PORT = 8080;

/** Jaeger on OpenSearch through a SigV4 signing proxy. */
export class Jaeger extends Construct {
  readonly release: Release;
  readonly role: PodIdentityRole;
  readonly proxy: Manifests;
  readonly namespace: string;
  readonly values: JaegerValues;
  /** OTLP/gRPC endpoint of the Jaeger collector. */
  readonly otlpGrpcEndpoint: string;
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: JaegerProps) {
    super(scope, id);
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1 || props.retentionDays > 365) {
      throw new Error(`Jaeger: retentionDays is ${props.retentionDays}; expected an integer from 1 to 365`);
    }
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 10) throw new Error(`Jaeger: replicas is ${replicas}; expected an integer from 1 to 10`);
    const priorityClassName = priorityClassOf("Jaeger", props);
    this.retentionDays = props.retentionDays;
    this.namespace = props.namespace ?? "tracing";
    this.otlpGrpcEndpoint = `jaeger-collector.${this.namespace}.svc:4317`;
    const { region } = awsContext(this);
    this.role = new PodIdentityRole(this, "pod-identity", {
      clusterName: props.clusterName,
      roleName: `${props.clusterName}-jaeger-opensearch`,
      namespace: this.namespace,
      serviceAccount: PROXY,
      statements: [
        {
          Sid: "ReadWriteSpans",
          Action: ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"],
          Resource: [props.opensearchDomainArn, `${props.opensearchDomainArn}/*`],
        },
      ],
      dependsOn: props.dependsOn,
    });
    const labels = { "app.kubernetes.io/name": PROXY };
    this.proxy = new Manifests(this, "sigv4-proxy", {
      releaseName: PROXY,
      namespace: this.namespace,
      dependsOn: [...(props.dependsOn ?? []), this.role.association],
      manifests: [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: PROXY, namespace: this.namespace } },
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: PROXY, namespace: this.namespace, labels },
          spec: {
            replicas,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: PROXY,
                // The collector cannot store a span without the proxy: same class as Jaeger.
                priorityClassName,
                securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
                containers: [
                  {
                    name: "proxy",
                    image: props.proxyImage ?? "public.ecr.aws/aws-observability/aws-sigv4-proxy:1.8",
                    args: ["--name", "es", "--region", region, "--host", props.opensearchEndpoint, "--port", `:${PROXY_PORT}`],
                    ports: [{ name: "http", containerPort: PROXY_PORT }],
                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                  },
                ],
              },
            },
          },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: PROXY, namespace: this.namespace, labels },
          spec: { selector: labels, ports: [{ name: "http", port: PROXY_PORT, targetPort: "http" }] },
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: { name: PROXY, namespace: this.namespace },
          spec: {
            podSelector: { matchLabels: labels },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: {} }], ports: [{ port: PROXY_PORT, protocol: "TCP" }] }],
          },
        },
      ],
    });
    this.values = {
      provisionDataStore: { cassandra: false, elasticsearch: false },
      storage: {
        type: "elasticsearch",
        elasticsearch: {
          scheme: "http",
          host: `${PROXY}.${this.namespace}.svc`,
          port: PROXY_PORT,
          // The proxy authenticates with SigV4; Jaeger sends no credentials of its own.
          anonymous: true,
          usePassword: false,
          // OpenSearch 2.x speaks the Elasticsearch 7 API Jaeger uses.
          extraEnv: [{ name: "ES_VERSION", value: "7" }],
        },
      },
      agent: { enabled: false },
      collector: { enabled: true, replicaCount: replicas, priorityClassName },
      query: { enabled: true, replicaCount: replicas, priorityClassName },
      esIndexCleaner: { enabled: true, numberOfDays: props.retentionDays, schedule: "55 23 * * *" },
    };
    this.release = platformRelease(this, "release", {
      ...JAEGER_CHART,
      name: "jaeger",
      namespace: this.namespace,
      values: this.values,
      dependsOn: [...(props.dependsOn ?? []), this.proxy.release],
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
