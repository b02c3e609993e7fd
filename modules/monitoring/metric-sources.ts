/**
 * Which deployed component produces each metric the alert rules read. The
 * metric-source test (tests/monitoring/metric-sources.test.ts) extracts every
 * metric name from the generated rules, maps it here by longest prefix, and
 * checks that each source's releases exist in every environment stack, so an
 * alert cannot silently depend on a series nothing produces. monitoring/README.md
 * ("Metric sources") is the prose version of this table.
 */

/** A component whose metrics Prometheus scrapes. */
export interface MetricSource {
  /** What produces the series, in one line. */
  readonly producer: string;
  /** The construct that deploys it (modules/). */
  readonly construct: string;
  /**
   * helm_release names in an environment stack that must exist for the source
   * to be deployed; "services" means every catalog service's release.
   */
  readonly releases: readonly string[] | "services";
  /** Set when nothing deploys the source yet: why, and what would. The README says the same. */
  readonly deferred?: string;
}

export const METRIC_SOURCES = {
  services: {
    producer: "the catalog services' own /metrics, scraped through the microservice chart's ServiceMonitor",
    construct: "ServiceRelease",
    releases: "services",
  },
  "blackbox-exporter": {
    producer: "blackbox exporter Probes of every service health endpoint and dependency",
    construct: "BlackboxExporter",
    releases: ["blackbox-exporter", "blackbox-probes"],
  },
  "cloudwatch-exporter": {
    producer: "YACE static jobs over CloudWatch: AWS/RDS, one per RDS instance, and AWS/ElastiCache, one per Redis node",
    construct: "CloudWatchExporter",
    releases: ["cloudwatch-exporter"],
  },
  "kube-state-metrics": {
    producer: "kube-state-metrics, deployed and scraped by kube-prometheus-stack",
    construct: "KubePrometheusStack",
    releases: ["kube-prometheus-stack"],
  },
  "cert-manager": {
    producer: "cert-manager's controller metrics, scraped through the chart's ServiceMonitor",
    construct: "CertManager",
    releases: ["cert-manager"],
  },
  "vault-telemetry": {
    producer: "Vault's /v1/sys/metrics on every server pod, scraped through the ServiceMonitor in vault-manifests (job \"vault\")",
    construct: "Vault",
    releases: ["vault", "vault-manifests"],
  },
  opencost: {
    producer: "OpenCost's allocation and node price metrics, scraped through its ServiceMonitor",
    construct: "OpenCost",
    releases: ["opencost"],
  },
  "backup-status": {
    producer: "the backup-status CronJob (RDS LatestRestorableTime, newest Vault snapshot) through the Pushgateway",
    construct: "BackupStatus",
    releases: ["backup-status"],
  },
} as const satisfies Record<string, MetricSource>;

export type MetricSourceName = keyof typeof METRIC_SOURCES;

/**
 * Metric name prefixes (or whole names) and their source; the longest
 * matching prefix wins. Recording rules (names with ":") are resolved to the
 * metrics their expressions read before they are looked up here.
 */
export const METRIC_PRODUCERS: Readonly<Record<string, MetricSourceName>> = {
  http_requests_total: "services",
  http_request_duration_seconds_: "services",
  ai_orchestrator_: "services",
  probe_: "blackbox-exporter",
  aws_rds_: "cloudwatch-exporter",
  aws_elasticache_: "cloudwatch-exporter",
  kube_: "kube-state-metrics",
  certmanager_: "cert-manager",
  vault_: "vault-telemetry",
  node_total_hourly_cost: "opencost",
  node_cpu_hourly_cost: "opencost",
  node_ram_hourly_cost: "opencost",
  container_cpu_allocation: "opencost",
  container_memory_allocation_bytes: "opencost",
  groundwork_backup_: "backup-status",
};

/** The source of a metric name, by longest matching prefix; undefined when none matches. */
export function sourceOf(metric: string): MetricSourceName | undefined {
  const match = Object.keys(METRIC_PRODUCERS)
    .filter((prefix) => metric.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return match === undefined ? undefined : METRIC_PRODUCERS[match];
}

const PROMQL_KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan", "atan2"]);

/**
 * Metric (and recording rule) names a PromQL expression reads: identifiers
 * outside strings, label matchers, ranges and grouping clauses, that are not
 * keywords or function calls.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice((m.index ?? 0) + m[0].length);
    if (PROMQL_KEYWORDS.has(m[0]) || /^\s*\(/.test(rest)) continue;
    names.add(m[0]);
  }
  return [...names].sort();
}
