/**
 * Every metric an alert reads has a producer that the environment stack
 * deploys: the names come from the generated rules (recording rules resolved
 * to the metrics they read), each maps to a source in
 * modules/monitoring/metric-sources.ts, and each source's releases exist, with
 * scraping switched on, in every environment. A source left undeployed must be
 * declared deferred, and said so in monitoring/README.md.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ENVIRONMENT_NAMES } from "../../config";
import { services } from "../../config/services";
import { BACKUP_METRIC, BACKUP_STATUS_JOB } from "../../modules/monitoring/backup-status";
import { ELASTICACHE_METRICS, RDS_METRICS, yaceMetricName, type CloudWatchStatistic } from "../../modules/monitoring/cloudwatch-exporter";
import { METRIC_SOURCES, metricNames, sourceOf, type MetricSource, type MetricSourceName } from "../../modules/monitoring/metric-sources";
import { dashboards } from "../../monitoring/grafana/dashboards";
import { ruleFiles } from "../../monitoring/prometheus/rules";
import { config, policyOf, synthEnvironment, type Json } from "../helpers/synth";
import { valuesOf } from "../platform/fixture";
import { root } from "./helpers";

/**
 * The sources nothing deploys yet, and the alerts left without series because
 * of them. None today: the Redis alerts read ElastiCache's CloudWatch metrics
 * and RdsFailoverDetected the blackbox probe, instead of exporters that need
 * database and Redis logins.
 */
const DEFERRED: Partial<Record<MetricSourceName, readonly string[]>> = {};

/** Metric name -> alerts reading it, over every environment's rules; recording rules are resolved. */
function alertMetrics(): Map<string, Set<string>> {
  const files = ruleFiles(services, ENVIRONMENT_NAMES.map((e) => config(e)));
  const records = new Map<string, string[]>();
  for (const f of files) for (const g of f.groups) for (const r of g.rules) if (r.record) records.set(r.record, [...(records.get(r.record) ?? []), r.expr]);
  const resolve = (name: string, seen: Set<string> = new Set()): string[] => {
    if (!records.has(name)) return [name];
    if (seen.has(name)) return [];
    seen.add(name);
    return records.get(name)!.flatMap((expr) => metricNames(expr).flatMap((n) => resolve(n, seen)));
  };
  const out = new Map<string, Set<string>>();
  for (const f of files) {
    for (const g of f.groups) {
      for (const r of g.rules) {
        if (!r.alert) continue;
        for (const metric of metricNames(r.expr).flatMap((n) => resolve(n))) out.set(metric, (out.get(metric) ?? new Set()).add(r.alert));
      }
    }
  }
  return out;
}

describe("metric names in PromQL", () => {
  it("reads metrics and recording rules, not functions, keywords, labels or durations", () => {
    expect(
      metricNames(
        'max by (namespace, pod) (kube_pod_info{phase="Pending"}) * on (namespace) group_left (node) sum(rate(http_requests_total[5m] offset 1d)) / ignoring (le) service:http_requests:rate5m and time() - vector(0) > 14 * 86400',
      ),
    ).toEqual(["http_requests_total", "kube_pod_info", "service:http_requests:rate5m"]);
  });

  it("finds the source by the longest prefix, and none for an unknown metric", () => {
    expect(sourceOf("http_request_duration_seconds_bucket")).toBe("services");
    expect(sourceOf("aws_rds_cpuutilization_average")).toBe("cloudwatch-exporter");
    expect(sourceOf("aws_elasticache_is_master_maximum")).toBe("cloudwatch-exporter");
    expect(sourceOf("probe_ip_addr_hash")).toBe("blackbox-exporter");
    // Nothing deploys postgres_exporter or redis_exporter: an alert reading their series has no source.
    expect(sourceOf("pg_postmaster_start_time_seconds")).toBeUndefined();
    expect(sourceOf("redis_memory_used_bytes")).toBeUndefined();
    expect(sourceOf("node_total_hourly_cost")).toBe("opencost");
    expect(sourceOf("node_memory_MemAvailable_bytes")).toBeUndefined();
  });
});

describe("every alert's metrics have a producer", () => {
  const metrics = alertMetrics();

  it("reads the metrics it is expected to (the extraction is not vacuous)", () => {
    for (const m of ["aws_rds_cpuutilization_average", "aws_elasticache_database_memory_usage_percentage_average", "aws_elasticache_evictions_sum", "aws_elasticache_replication_lag_maximum", "aws_elasticache_is_master_maximum", "probe_ip_addr_hash", "vault_core_unsealed", BACKUP_METRIC, "certmanager_certificate_expiration_timestamp_seconds", "probe_success", "http_requests_total", "node_total_hourly_cost"]) {
      expect(metrics.has(m), m).toBe(true);
    }
  });

  it("maps every metric to a declared source", () => {
    const unmapped = [...metrics].filter(([m]) => sourceOf(m) === undefined).map(([m, alerts]) => `${m} (${[...alerts].join(", ")})`);
    expect(unmapped).toEqual([]);
  });

  it("leaves only the declared deferred sources undeployed, for exactly the alerts it names", () => {
    const byDeferred: Record<string, string[]> = {};
    for (const [m, alerts] of metrics) {
      const source = sourceOf(m)!;
      if ((METRIC_SOURCES[source] as MetricSource).deferred) byDeferred[source] = [...new Set([...(byDeferred[source] ?? []), ...alerts])].sort();
    }
    expect(byDeferred).toEqual(DEFERRED);
    const declared = Object.entries(METRIC_SOURCES).filter(([, s]) => (s as MetricSource).deferred).map(([n]) => n);
    expect(declared.sort()).toEqual(Object.keys(DEFERRED).sort());
  });

  it("says in monitoring/README.md which sources are deferred and why", () => {
    const readme = readFileSync(`${root}/monitoring/README.md`, "utf8");
    const section = readme.slice(readme.indexOf("## Metric sources"));
    expect(section.length).toBeLessThan(readme.length);
    for (const name of Object.keys(DEFERRED)) expect(section, name).toMatch(new RegExp(`\\| ${name.replace("-", "[-_]")} .*\\| deferred`, "i"));
  });
});

describe.each(["dev", "prod"] as const)("metric sources deployed in %s", (env) => {
  const stack = synthEnvironment(env);
  const releases = Object.values(stack.resources("helm_release"));
  const release = (name: string): Json | undefined => releases.find((r) => r.name === name);
  const manifestsOf = (name: string): Json[] => valuesOf(release(name)!).manifests as Json[];
  // Vault's releases carry YAML values (JSON for the others); Terraform interpolations become a placeholder.
  const yamlValues = (name: string): Json => parse(String(release(name)!.values[0]).replace(/\$\{[^}]*\}/g, "TERRAFORM")) as Json;
  const used = new Set([...alertMetrics().keys()].map((m) => sourceOf(m)!));

  it("has the releases of every source an alert reads", () => {
    const missing = [...used].flatMap((source) => {
      const s = METRIC_SOURCES[source] as MetricSource;
      if (s.deferred) return [];
      const names = s.releases === "services" ? services.map((x) => x.name) : s.releases;
      return names.filter((n) => !release(n)).map((n) => `${source}: helm_release ${n}`);
    });
    expect(missing).toEqual([]);
  });

  it("has cert-manager create its ServiceMonitor", () => {
    expect(valuesOf(release("cert-manager")!).prometheus).toMatchObject({ enabled: true, servicemonitor: { enabled: true } });
  });

  it("scrapes every Vault server pod, sealed ones included, as job vault", () => {
    const sm = (yamlValues("vault-manifests").manifests as Json[]).find((m) => m.kind === "ServiceMonitor")!;
    expect(sm.spec.jobLabel).toBe("app.kubernetes.io/name");
    expect(sm.spec.selector.matchLabels).toMatchObject({ "app.kubernetes.io/name": "vault", "vault-internal": "true" });
    expect(sm.spec.endpoints[0]).toMatchObject({ port: "https", scheme: "https", path: "/v1/sys/metrics", params: { format: ["prometheus"] } });
    expect(sm.spec.endpoints[0].tlsConfig).toMatchObject({ ca: { secret: { name: "vault-tls", key: "ca.crt" } } });
    expect(sm.spec.endpoints[0].tlsConfig.insecureSkipVerify).toBeUndefined();
    const hcl: string = yamlValues("vault").server.ha.raft.config;
    expect(hcl).toMatch(/listener "tcp" \{[\s\S]*unauthenticated_metrics_access = true[\s\S]*\n\}/);
    expect(hcl).toMatch(/^telemetry \{\n {2}prometheus_retention_time = "24h"\n {2}disable_hostname {10}= true\n\}$/m);
  });

  const yaceJobs = (): Json[] => {
    const yace = manifestsOf("cloudwatch-exporter").find((m) => m.kind === "ConfigMap")!.data["config.yml"] as string;
    return (parse(yace) as Json).static as Json[];
  };

  it("exports the RDS metrics of the primary and every replica through the CloudWatch exporter", () => {
    const jobs = yaceJobs().filter((j) => j.namespace === "AWS/RDS");
    expect(jobs).toHaveLength(1 + config(env).database.readReplicas);
    expect(jobs[0].dimensions[0]).toMatchObject({ name: "DBInstanceIdentifier", value: expect.stringMatching(/aws_db_instance\.database_primary_\w+\.identifier/) });
    for (const job of jobs) expect(job.metrics.map((m: Json) => m.name)).toEqual([...RDS_METRICS]);
    expect(manifestsOf("cloudwatch-exporter").map((m) => m.kind).sort()).toEqual(["ConfigMap", "Deployment", "Service", "ServiceAccount", "ServiceMonitor"]);
  });

  it("exports the ElastiCache metrics of every Redis node (primary and replicas) through the CloudWatch exporter", () => {
    const jobs = yaceJobs().filter((j) => j.namespace === "AWS/ElastiCache");
    expect(jobs).toHaveLength(1 + config(env).cache.replicas);
    expect(yaceJobs()).toHaveLength(1 + config(env).database.readReplicas + 1 + config(env).cache.replicas);
    jobs.forEach((job, i) => {
      // One member cluster per node, taken from the replication group's member_clusters in a stable order.
      expect(job.dimensions).toEqual([
        { name: "CacheClusterId", value: expect.stringMatching(new RegExp(`^\\$\\{element\\(sort\\(tolist\\(aws_elasticache_replication_group\\.cache_replication-group_\\w+\\.member_clusters\\)\\), ${i}\\)\\}$`)) },
      ]);
      expect(job.metrics).toEqual(ELASTICACHE_METRICS.map((m) => ({ name: m.name, statistics: [m.statistic], period: 60, length: 300 })));
    });
  });

  it("produces every aws_* series the alerts and dashboards read, by YACE's naming", () => {
    const produced = new Set(
      yaceJobs().flatMap((j) => (j.metrics as Json[]).flatMap((m) => (m.statistics as CloudWatchStatistic[]).map((st) => yaceMetricName(j.namespace, m.name, st)))),
    );
    const panelExprs = dashboards(services).flatMap((d) => d.panels.flatMap((p) => (p.targets as { expr: string }[]).map((t) => t.expr)));
    const read = [...alertMetrics().keys(), ...panelExprs.flatMap(metricNames)].filter((m) => m.startsWith("aws_"));
    expect(read.length).toBeGreaterThan(10);
    expect([...new Set(read)].filter((m) => !produced.has(m)).sort()).toEqual([]);
  });

  it("lets the CloudWatch exporter only read CloudWatch, through Pod Identity", () => {
    const policies = Object.values(stack.resources("aws_iam_role_policy")).filter((p) => String(p.name).endsWith("-cloudwatch-exporter"));
    expect(policies).toHaveLength(1);
    expect(policyOf(policies[0].policy).Statement).toEqual([
      { Effect: "Allow", Sid: "ReadCloudWatchMetrics", Action: ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics"], Resource: "*" },
    ]);
    const associations = Object.values(stack.resources("aws_eks_pod_identity_association")).map((a) => `${a.namespace}/${a.service_account}`);
    expect(associations).toContain("monitoring/cloudwatch-exporter");
    expect(associations).toContain("monitoring/backup-status");
  });

  it("pushes the backup metric from a CronJob that reads only the RDS primary and the Vault snapshot prefix", () => {
    const objects = manifestsOf("backup-status");
    const job = objects.find((m) => m.kind === "CronJob")!;
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(job.spec.schedule).toBe("*/5 * * * *");
    expect(pod.initContainers[0].command[2]).toContain(`${BACKUP_METRIC}{store=\\"postgres\\"}`);
    expect(pod.containers[0].command[2]).toContain(`http://pushgateway.monitoring.svc:9091/metrics/job/${BACKUP_STATUS_JOB}`);
    const sm = objects.find((m) => m.kind === "ServiceMonitor")!;
    expect(sm.spec.endpoints[0].honorLabels).toBe(true);
    const policy = Object.values(stack.resources("aws_iam_role_policy")).find((p) => String(p.name).endsWith("-backup-status"))!;
    const statements = policyOf(policy.policy).Statement as Json[];
    expect(statements.map((s) => s.Action)).toEqual(["rds:DescribeDBInstances", "s3:ListBucket"]);
    expect(statements[0].Resource).toMatch(/aws_db_instance\.database_primary_\w+\.arn/);
    expect(statements[1].Condition).toEqual({ StringLike: { "s3:prefix": ["raft/*"] } });
  });
});
