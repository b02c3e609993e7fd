/**
 * The exporter constructs under modules/monitoring: their input checks, and
 * the backup-status job's shell script run for real against a stub `aws`
 * command, so the metric it writes is checked as Prometheus would read it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BACKUP_METRIC, BackupStatus, READ_SCRIPT, type BackupStatusProps } from "../../modules/monitoring/backup-status";
import { CloudWatchExporter, replicationGroupNodeIds, yaceConfig, yaceMetricName, type CloudWatchExporterProps } from "../../modules/monitoring/cloudwatch-exporter";
import { scratchStack } from "../platform/fixture";

const yace: CloudWatchExporterProps = {
  clusterName: "c",
  roleName: "r",
  region: "eu-west-1",
  rdsInstanceIds: ["groundwork-dev"],
  cacheClusterIds: ["groundwork-dev-001", "groundwork-dev-002"],
};
const backup: BackupStatusProps = {
  clusterName: "c",
  roleName: "r",
  region: "eu-west-1",
  database: { instanceId: "groundwork-dev", arn: "arn:aws:rds:eu-west-1:111111111111:db:groundwork-dev" },
  vaultSnapshots: { bucketName: "b", bucketArn: "arn:aws:s3:::b", prefix: "raft" },
};

/** Kubernetes OpenAPI schema checks of the built-in kinds; ServiceMonitors are checked field by field elsewhere. */
const SCHEMAS: Record<string, new (data: never) => { validate(): void }> = { Deployment, CronJob, NetworkPolicy, ConfigMap, Service, ServiceAccount };

describe.each([
  ["CloudWatchExporter", () => new CloudWatchExporter(scratchStack(), "cw", yace).manifests],
  ["BackupStatus", () => new BackupStatus(scratchStack(), "bs", backup).manifests],
])("%s objects", (_name, manifests) => {
  it("are valid Kubernetes objects of the built-in kinds, plus ServiceMonitors", () => {
    const objects = manifests();
    for (const m of objects) {
      if (m.kind === "ServiceMonitor") continue;
      const Schema = SCHEMAS[m.kind];
      expect(Schema, m.kind).toBeDefined();
      expect(() => new Schema(m as never).validate(), `${m.kind}/${m.metadata.name}`).not.toThrow();
    }
    expect(objects.filter((m) => m.kind === "ServiceMonitor")).toHaveLength(1);
  });

  it("run as non-root with a read-only root filesystem and no Kubernetes API token", () => {
    const pods = manifests().flatMap((m) =>
      m.kind === "Deployment" ? [(m.spec as any).template.spec] : m.kind === "CronJob" ? [(m.spec as any).jobTemplate.spec.template.spec] : [],
    );
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.securityContext, c.name).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      }
    }
  });
});

describe("CloudWatchExporter", () => {
  it("writes one static AWS/RDS job per instance and one AWS/ElastiCache job per Redis node, in the exporter's config format", () => {
    const config = parse(yaceConfig("eu-west-1", ["db-1", "db-1-replica-1"], ["cache-001", "cache-002"]));
    expect(config.apiVersion).toBe("v1alpha1");
    type Job = { name: string; namespace: string; dimensions: { name: string; value: string }[]; metrics: unknown[] };
    expect(config.static.map((j: Job) => [j.name, j.namespace, j.dimensions])).toEqual([
      ["rds-0", "AWS/RDS", [{ name: "DBInstanceIdentifier", value: "db-1" }]],
      ["rds-1", "AWS/RDS", [{ name: "DBInstanceIdentifier", value: "db-1-replica-1" }]],
      ["elasticache-0", "AWS/ElastiCache", [{ name: "CacheClusterId", value: "cache-001" }]],
      ["elasticache-1", "AWS/ElastiCache", [{ name: "CacheClusterId", value: "cache-002" }]],
    ]);
    expect(config.static[0].metrics[0]).toEqual({ name: "CPUUtilization", statistics: ["Average"], period: 60, length: 300 });
    expect(config.static[2].metrics).toContainEqual({ name: "IsMaster", statistics: ["Maximum"], period: 60, length: 300 });
    expect(config.static[2].metrics).toContainEqual({ name: "Evictions", statistics: ["Sum"], period: 60, length: 300 });
  });

  it("names series as YACE's BuildMetricName does (cases from YACE's own migrate tests)", () => {
    expect(yaceMetricName("AWS/RDS", "CPUUtilization", "Average")).toBe("aws_rds_cpuutilization_average");
    expect(yaceMetricName("AWS/ElastiCache", "CPUUtilization", "Average")).toBe("aws_elasticache_cpuutilization_average");
    expect(yaceMetricName("AWS/ElastiCache", "NetworkBytesIn", "Average")).toBe("aws_elasticache_network_bytes_in_average");
    expect(yaceMetricName("/aws/sagemaker/TrainingJobs", "CPUUtilization", "Average")).toBe("aws_sagemaker_trainingjobs_cpuutilization_average");
    expect(yaceMetricName("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Average")).toBe("aws_elasticache_database_memory_usage_percentage_average");
    expect(yaceMetricName("AWS/ElastiCache", "IsMaster", "Maximum")).toBe("aws_elasticache_is_master_maximum");
  });

  it("takes one CacheClusterId per node from the replication group's member clusters, in a stable order", () => {
    // The tokens resolve to element(sort(tolist(<member_clusters>)), i): checked on the synthesized stacks in metric-sources.test.ts.
    const ids = replicationGroupNodeIds(["${aws_elasticache_replication_group.g.member_clusters}"], 3);
    expect(new Set(ids).size).toBe(3);
    expect(() => replicationGroupNodeIds([], 0)).toThrow("replicationGroupNodeIds: nodes is 0; expected a whole number >= 1 (the primary plus its replicas)");
  });

  it("fails when no RDS instance is given", () => {
    expect(() => new CloudWatchExporter(scratchStack(), "cw", { ...yace, rdsInstanceIds: [] })).toThrow(
      "CloudWatchExporter: rdsInstanceIds is empty; expected the RDS primary's identifier and its replicas'",
    );
  });

  it("fails when no Redis node is given", () => {
    expect(() => new CloudWatchExporter(scratchStack(), "cw", { ...yace, cacheClusterIds: [] })).toThrow(
      "CloudWatchExporter: cacheClusterIds is empty; expected the CacheClusterId of every node of the Redis replication group",
    );
  });

  it("fails when the scrape interval is shorter than CloudWatch's resolution", () => {
    expect(() => new CloudWatchExporter(scratchStack(), "cw", { ...yace, scrapeIntervalSeconds: 15 })).toThrow(
      "CloudWatchExporter: scrapeIntervalSeconds is 15; expected an integer from 60 to 900 (RDS and ElastiCache publish 1-minute metrics)",
    );
  });
});

describe("BackupStatus", () => {
  it("fails when the schedule is not a cron expression", () => {
    expect(() => new BackupStatus(scratchStack(), "bs", { ...backup, schedule: "every 5 minutes" })).toThrow(
      'BackupStatus: schedule is "every 5 minutes"; expected a five-field cron expression such as "*/5 * * * *"',
    );
  });

  it("fails when the snapshot prefix ends with a slash", () => {
    expect(() => new BackupStatus(scratchStack(), "bs", { ...backup, vaultSnapshots: { ...backup.vaultSnapshots, prefix: "raft/" } })).toThrow(
      'BackupStatus: vaultSnapshots.prefix is "raft/"; expected an S3 key prefix without a trailing "/", such as raft',
    );
  });
});

describe("the backup-status read script", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs READ_SCRIPT with a stub `aws` that answers the two queries it makes. */
  function run(answers: { rds: string; rdsExit?: number; s3: string }): { status: number | null; metrics: string; stderr: string } {
    dir = mkdtempSync(join(tmpdir(), "backup-status-"));
    const stub = join(dir, "aws");
    writeFileSync(
      stub,
      [
        "#!/bin/sh",
        `echo "$@" >> ${dir}/calls`,
        `case "$1" in rds) echo '${answers.rds}'; exit ${answers.rdsExit ?? 0} ;; s3api) echo '${answers.s3}' ;; esac`,
      ].join("\n"),
    );
    chmodSync(stub, 0o755);
    const script = READ_SCRIPT.replaceAll("/work/metrics", join(dir, "metrics"));
    const r = spawnSync("/bin/sh", ["-c", script], {
      encoding: "utf8",
      env: { PATH: `${dir}:/usr/bin:/bin`, DB_INSTANCE: "groundwork-dev", VAULT_BUCKET: "b", VAULT_PREFIX: "raft" },
    });
    let metrics = "";
    try {
      metrics = readFileSync(join(dir, "metrics"), "utf8");
    } catch {
      metrics = "";
    }
    return { status: r.status, metrics, stderr: r.stderr };
  }

  it("writes the PostgreSQL and Vault recovery points as Unix seconds", () => {
    const r = run({ rds: "2025-03-01T12:00:00+00:00", s3: '"2025-03-01T11:00:05+00:00"' });
    expect(r.status).toBe(0);
    expect(r.metrics.split("\n").filter((l) => !l.startsWith("#"))).toEqual([
      `${BACKUP_METRIC}{store="postgres"} 1740830400`,
      `${BACKUP_METRIC}{store="vault"} 1740826805`,
      "",
    ]);
    // What the Pushgateway accepts and Prometheus scrapes: valid exposition format, HELP and TYPE included.
    const lint = spawnSync("promtool", ["check", "metrics"], { input: r.metrics, encoding: "utf8" });
    expect(`${lint.stdout}${lint.stderr}`).toBe("");
    expect(lint.status).toBe(0);
    const calls = readFileSync(join(dir, "calls"), "utf8");
    expect(calls).toContain("rds describe-db-instances --db-instance-identifier groundwork-dev --query DBInstances[0].LatestRestorableTime --output text");
    expect(calls).toContain("s3api list-objects-v2 --bucket b --prefix raft/ --query sort_by(Contents || `[]`, &LastModified)[-1].LastModified --output json");
  });

  it("leaves out the vault series while the bucket has no snapshot", () => {
    const r = run({ rds: "2025-03-01T12:00:00+00:00", s3: "null" });
    expect(r.status).toBe(0);
    expect(r.metrics).not.toContain('store="vault"');
    expect(r.metrics).toContain('store="postgres"');
  });

  it("still reports PostgreSQL when listing the snapshots fails", () => {
    const r = run({ rds: "2025-03-01T12:00:00+00:00", s3: "" });
    expect(r.status).toBe(0);
    expect(r.metrics).not.toContain('store="vault"');
    expect(r.metrics).toContain(`${BACKUP_METRIC}{store="postgres"} 1740830400`);
  });

  it("fails, writing nothing, when RDS reports no recovery point", () => {
    const r = run({ rds: "None", s3: '"2025-03-01T11:00:05+00:00"' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no LatestRestorableTime for groundwork-dev");
    expect(r.metrics).toBe("");
  });

  it("fails when the RDS call fails", () => {
    expect(run({ rds: "AccessDenied", rdsExit: 254, s3: "null" }).status).not.toBe(0);
  });
});
