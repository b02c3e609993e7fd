/**
 * CloudWatch metrics in Prometheus: YACE (prometheus-community's
 * yet-another-cloudwatch-exporter) with one static job per RDS instance and
 * one per ElastiCache (Redis) node, scraped through a ServiceMonitor. The RDS
 * alerts read `aws_rds_<metric>_average{dimension_DBInstanceIdentifier}`, the
 * Redis alerts `aws_elasticache_<metric>_<statistic>{dimension_CacheClusterId}`.
 *
 * Rendered as plain Kubernetes objects through charts/manifests rather than
 * the prometheus-yet-another-cloudwatch-exporter chart: the stored copies of
 * that chart's values.yaml disagree on whether the Service and ConfigMap are
 * rendered at all (`service.enabled` and `configMap.enabled`, default false in
 * the newest copy), so its behaviour at a pin cannot be checked offline; these
 * objects are checked by the tests instead.
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { Manifests, type KubernetesObject } from "../platform/manifests";
import { PodIdentityRole, priorityClassOf, type PlatformPriorityProps, type PlatformReleaseProps } from "../platform/release";

/**
 * YACE image. v0.62.1 is the appVersion of chart prometheus-yet-another-cloudwatch-exporter 0.50.0
 * (prometheus-community/helm-charts Chart.yaml) and a release in the exporter's CHANGELOG (2025-01-03);
 * its static jobs name series with BuildMetricName: `aws_rds_cpuutilization_average`.
 */
export const YACE_IMAGE = "quay.io/prometheuscommunity/yet-another-cloudwatch-exporter:v0.62.1";

/** RDS metrics exported per instance, averaged over 5 minutes; the alerts and the database dashboard read them. */
export const RDS_METRICS = ["CPUUtilization", "FreeStorageSpace", "DatabaseConnections", "ReplicaLag", "FreeableMemory", "ReadIOPS", "WriteIOPS"] as const;

/** A CloudWatch statistic YACE's static jobs request; it becomes the series name's last part. */
export type CloudWatchStatistic = "Average" | "Maximum" | "Sum";

/**
 * ElastiCache (Redis OSS) metrics exported per node, each with the statistic
 * the Redis alerts and dashboard read. ElastiCache publishes them once a minute
 * per node under the dimension set {CacheClusterId} (and {CacheClusterId,
 * CacheNodeId}); a node of a cluster-mode-disabled replication group is one
 * member cluster. Sources: the ElastiCache guide's "Metrics for Valkey and Redis
 * OSS" and CloudWatch's supported-metrics table for AWS::ElastiCache::CacheCluster.
 * YACE reports the newest datapoint for Maximum and Sum, and the mean of the
 * window's datapoints for Average.
 */
export const ELASTICACHE_METRICS = [
  /** used_memory / maxmemory in percent (RedisMemoryHigh). */
  { name: "DatabaseMemoryUsagePercentage", statistic: "Average" },
  /** Keys evicted at maxmemory in the newest minute (RedisEvictingKeys). */
  { name: "Evictions", statistic: "Sum" },
  /** Seconds a replica is behind the primary; replicas only (RedisReplicationBroken). */
  { name: "ReplicationLag", statistic: "Maximum" },
  /** 1 on the primary, 0 on a replica (RedisFailoverDetected). */
  { name: "IsMaster", statistic: "Maximum" },
  /** Client connections (dashboard). */
  { name: "CurrConnections", statistic: "Average" },
  /** CPU of the Redis engine thread (dashboard). */
  { name: "EngineCPUUtilization", statistic: "Average" },
] as const satisfies readonly { readonly name: string; readonly statistic: CloudWatchStatistic }[];

/**
 * The series name YACE gives a CloudWatch metric, as its BuildMetricName does
 * (pkg/promutil/migrate.go): the lower-cased namespace with `/` as `_`
 * (prefixed `aws_` unless it starts with aws), then the metric name and the
 * statistic in snake case (a capital after a lower-case letter or digit starts
 * a word), e.g. AWS/ElastiCache IsMaster Maximum ->
 * `aws_elasticache_is_master_maximum`. Namespace words that prefix the metric
 * name are dropped, as YACE drops them.
 */
export function yaceMetricName(namespace: string, metric: string, statistic: CloudWatchStatistic): string {
  // PromString: separators become "_", "%" becomes "_percent", a capital after a lower-case letter or digit starts a word.
  const snake = (text: string) =>
    [...text]
      .map((c, i) => {
        if (/[ ,\t/\\.\-:=@<>()“]/.test(c)) return "_";
        if (c === "%") return "_percent";
        return (/[A-Z]/.test(c) && /[a-z0-9]/.test(text[i - 1] ?? "") ? "_" : "") + c.toLowerCase();
      })
      .join("");
  const ns = snake(namespace.toLowerCase()).replace(/^_/, "");
  let name = snake(metric);
  for (const part of ns.split("_")) if (name.startsWith(part)) name = name.slice(part.length);
  return `${ns.startsWith("aws") ? "" : "aws_"}${ns}_${name.replace(/^_/, "")}_${snake(statistic)}`;
}

/**
 * The CacheClusterId of each node of a cluster-mode-disabled replication
 * group: its `member_clusters` (a set, sorted so the exporter's configuration
 * does not change between plans), one element per node.
 */
export function replicationGroupNodeIds(memberClusters: string[], nodes: number): string[] {
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new Error(`replicationGroupNodeIds: nodes is ${nodes}; expected a whole number >= 1 (the primary plus its replicas)`);
  }
  return Array.from({ length: nodes }, (_, i) => Fn.element(Fn.sort(memberClusters), i) as string);
}

/**
 * CloudWatch read actions YACE's static jobs call. AWS defines no resource type
 * for them (Service Authorization Reference, Amazon CloudWatch), so `*` is the
 * only resource they accept; nothing else (no tag API, no write) is granted.
 */
export const CLOUDWATCH_READ_ACTIONS = ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics"] as const;

const LABELS = { "app.kubernetes.io/name": "cloudwatch-exporter", "app.kubernetes.io/part-of": "groundwork-monitoring" } as const;
const PORT = 5000;

export interface CloudWatchExporterProps extends PlatformReleaseProps, PlatformPriorityProps {
  /** EKS cluster whose Pod Identity agent gives the exporter its role. */
  readonly clusterName: string;
  /** IAM role name, unique in the account. */
  readonly roleName: string;
  /** Region of the RDS instances and the ElastiCache nodes (and of the CloudWatch API the exporter calls). */
  readonly region: string;
  /** DBInstanceIdentifier of every RDS instance to export: the primary and its read replicas. */
  readonly rdsInstanceIds: readonly string[];
  /**
   * CacheClusterId of every node of the Redis replication group: the primary
   * and its replicas (see `replicationGroupNodeIds`). Which node is the
   * primary changes with failovers, so every node is exported.
   */
  readonly cacheClusterIds: readonly string[];
  /**
   * Namespace of the exporter and its ServiceMonitor.
   * @default "monitoring"
   */
  readonly namespace?: string;
  /**
   * Seconds between two CloudWatch reads; each read costs GetMetricStatistics calls (one per instance or node and metric).
   * @default 60
   */
  readonly scrapeIntervalSeconds?: number;
}

/**
 * The YACE configuration: one static job per RDS instance, every metric
 * averaged over the last 5 minutes of 1-minute periods, and one static job per
 * ElastiCache node with each metric's own statistic over the same window.
 */
export function yaceConfig(region: string, rdsInstanceIds: readonly string[], cacheClusterIds: readonly string[]): string {
  return stringify(
    {
      apiVersion: "v1alpha1",
      "sts-region": region,
      static: [
        ...rdsInstanceIds.map((id, i) => ({
          name: `rds-${i}`,
          namespace: "AWS/RDS",
          regions: [region],
          dimensions: [{ name: "DBInstanceIdentifier", value: id }],
          metrics: RDS_METRICS.map((name) => ({ name, statistics: ["Average"], period: 60, length: 300 })),
        })),
        ...cacheClusterIds.map((id, i) => ({
          name: `elasticache-${i}`,
          namespace: "AWS/ElastiCache",
          regions: [region],
          dimensions: [{ name: "CacheClusterId", value: id }],
          metrics: ELASTICACHE_METRICS.map((m) => ({ name: m.name, statistics: [m.statistic], period: 60, length: 300 })),
        })),
      ],
    },
    { lineWidth: 0 },
  );
}

/**
 * YACE with a Pod Identity role that can only read CloudWatch metrics, one
 * replica (two would double the API calls and the series), and a
 * ServiceMonitor.
 */
export class CloudWatchExporter extends Construct {
  readonly release: Release;
  readonly role: PodIdentityRole;
  readonly namespace: string;
  /** The Kubernetes objects rendered through charts/manifests. */
  readonly manifests: readonly KubernetesObject[];
  /** The YACE configuration file (config.yml). */
  readonly config: string;

  constructor(scope: Construct, id: string, props: CloudWatchExporterProps) {
    super(scope, id);
    const namespace = props.namespace ?? "monitoring";
    const interval = props.scrapeIntervalSeconds ?? 60;
    if (props.rdsInstanceIds.length === 0) {
      throw new Error("CloudWatchExporter: rdsInstanceIds is empty; expected the RDS primary's identifier and its replicas'");
    }
    if (props.cacheClusterIds.length === 0) {
      throw new Error("CloudWatchExporter: cacheClusterIds is empty; expected the CacheClusterId of every node of the Redis replication group");
    }
    if (!Number.isInteger(interval) || interval < 60 || interval > 900) {
      throw new Error(`CloudWatchExporter: scrapeIntervalSeconds is ${interval}; expected an integer from 60 to 900 (RDS and ElastiCache publish 1-minute metrics)`);
    }
    const priorityClassName = priorityClassOf("CloudWatchExporter", props);
    this.namespace = namespace;
    this.config = yaceConfig(props.region, props.rdsInstanceIds, props.cacheClusterIds);
    const serviceAccount = "cloudwatch-exporter";

    this.role = new PodIdentityRole(this, "pod-identity", {
      clusterName: props.clusterName,
      roleName: props.roleName,
      namespace,
      serviceAccount,
      statements: [{ Sid: "ReadCloudWatchMetrics", Action: [...CLOUDWATCH_READ_ACTIONS], Resource: "*" }],
    });

    const meta = (name: string) => ({ name, namespace, labels: { ...LABELS } });
    this.manifests = [
      { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(serviceAccount), automountServiceAccountToken: false },
      { apiVersion: "v1", kind: "ConfigMap", metadata: meta("cloudwatch-exporter"), data: { "config.yml": this.config } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta("cloudwatch-exporter"),
        spec: {
          replicas: 1,
          selector: { matchLabels: { ...LABELS } },
          template: {
            metadata: { labels: { ...LABELS } },
            spec: {
              serviceAccountName: serviceAccount,
              automountServiceAccountToken: false,
              priorityClassName,
              securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "yace",
                  image: YACE_IMAGE,
                  command: ["yace", "--config.file=/config/config.yml", `--scraping-interval=${interval}`, `--listen-address=:${PORT}`],
                  env: [{ name: "AWS_REGION", value: props.region }],
                  ports: [{ name: "http", containerPort: PORT, protocol: "TCP" }],
                  livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
                  readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
                  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                  volumeMounts: [{ name: "config", mountPath: "/config", readOnly: true }],
                },
              ],
              volumes: [{ name: "config", configMap: { name: "cloudwatch-exporter" } }],
            },
          },
        },
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta("cloudwatch-exporter"),
        spec: { selector: { ...LABELS }, ports: [{ name: "http", port: PORT, targetPort: "http", protocol: "TCP" }] },
      },
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: meta("cloudwatch-exporter"),
        spec: {
          selector: { matchLabels: { ...LABELS } },
          namespaceSelector: { matchNames: [namespace] },
          endpoints: [{ port: "http", interval: `${interval}s`, scrapeTimeout: "30s" }],
        },
      },
    ];
    this.release = new Manifests(this, "manifests", {
      releaseName: "cloudwatch-exporter",
      namespace,
      manifests: this.manifests,
      dependsOn: [...(props.dependsOn ?? []), this.role.association],
    }).release;
  }
}
