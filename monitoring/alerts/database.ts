/**
 * RDS PostgreSQL alerts. CloudWatch metrics come from YACE
 * (yet-another-cloudwatch-exporter, https://github.com/prometheus-community/yet-another-cloudwatch-exporter)
 * with its default naming: `aws_rds_<metric>_<statistic>` and the
 * `dimension_DBInstanceIdentifier` label. CloudWatch has no failover metric,
 * so failovers are detected from the blackbox exporter's probe of the primary
 * endpoint (monitoring/blackbox/probes.ts, `dependency="postgres"`): a Multi-AZ
 * failover points the endpoint's DNS name at the standby, which changes the
 * address the probe resolves (`probe_ip_addr_hash`).
 */
import type { EnvironmentConfig } from "../../config";
import type { AlertGroup } from "./types";

const GIB = 1024 ** 3;

/** Memory of the RDS instance classes the environments use (GiB), for RDS's default max_connections. */
const INSTANCE_MEMORY_GIB: Readonly<Record<string, number>> = {
  "db.t4g.medium": 4,
  "db.t4g.large": 8,
  "db.m6g.large": 8,
  "db.m6g.xlarge": 16,
  "db.r6g.large": 16,
  "db.r6g.xlarge": 32,
  "db.r6g.2xlarge": 64,
  "db.r7g.large": 16,
  "db.r7g.xlarge": 32,
};

/**
 * RDS PostgreSQL's default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000).
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections
 */
export function rdsMaxConnections(config: EnvironmentConfig): number {
  const gib = INSTANCE_MEMORY_GIB[config.database.instanceClass];
  if (gib === undefined) {
    throw new Error(
      `monitoring: no memory size for RDS instance class "${config.database.instanceClass}" (config/${config.name}); add it to INSTANCE_MEMORY_GIB in monitoring/alerts/database.ts, known: ${Object.keys(INSTANCE_MEMORY_GIB).join(", ")}`,
    );
  }
  return Math.min(Math.floor((gib * GIB) / 9531392), 5000);
}

/** 5% of allocated storage: below RDS storage autoscaling's 10% trigger, so firing means autoscaling did not help. */
export function rdsFreeStorageFloorBytes(config: EnvironmentConfig): number {
  return Math.round(config.database.allocatedStorageGiB * GIB * 0.05);
}

export const databaseAlerts: AlertGroup = {
  name: "database",
  alerts: [
    {
      name: "RdsCpuHigh",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "15m",
      expr: "aws_rds_cpuutilization_average > 80",
      summary: "RDS instance {{ $labels.dimension_DBInstanceIdentifier }} CPU at {{ $value | humanize }}%",
      description:
        "CPU of RDS instance {{ $labels.dimension_DBInstanceIdentifier }} has been above 80% for 15 minutes. Queries slow down and the latency SLOs of the services using PostgreSQL are at risk.",
      runbooks: [],
      page: {
        meaning: "The CloudWatch CPUUtilization of an RDS instance stayed above 80% for 15 minutes.",
        impact: "Queries queue for CPU; services using PostgreSQL (content-processing, ai-orchestrator, event-processor) get slower and may time out.",
        diagnosis:
          "1. Database dashboard: did connections or throughput rise with the CPU (load) or not (a bad plan, a missing index)?\n" +
          "2. Performance Insights in the AWS console: top SQL by load for the last hour.\n" +
          "3. Slow query log in CloudWatch Logs (`/aws/rds/instance/<id>/postgresql`, threshold `database.slowQueryMs`).",
        mitigation:
          "1. Stop the offending query if it is a runaway (`SELECT pg_cancel_backend(pid)` from `pg_stat_activity`).\n" +
          "2. If the load is legitimate, move read traffic to the read replica or plan a larger `database.instanceClass` in `config/<env>.ts` (a Multi-AZ change applies with a short failover).",
      },
    },
    {
      name: "RdsFreeStorageLow",
      scope: "environment",
      team: "platform",
      severity: "critical",
      for: "10m",
      expr: (env) => `aws_rds_free_storage_space_average < ${rdsFreeStorageFloorBytes(env.config)}`,
      summary: "RDS instance {{ $labels.dimension_DBInstanceIdentifier }} has {{ $value | humanize1024 }}B free storage",
      description:
        "Free storage of RDS instance {{ $labels.dimension_DBInstanceIdentifier }} is below 5% of its allocated size and storage autoscaling has not grown it. PostgreSQL stops accepting writes when the disk fills.",
      runbooks: [],
      page: {
        meaning:
          "CloudWatch FreeStorageSpace is below 5% of `database.allocatedStorageGiB`. RDS storage autoscaling grows the volume at 10% free, so this means it failed, is in its 6-hour cool-down, or reached `database.maxAllocatedStorageGiB`.",
        impact: "When the volume fills, the instance goes to `storage-full`: every write fails and the services using PostgreSQL go down.",
        diagnosis:
          "1. `aws rds describe-db-instances --db-instance-identifier <id> --query 'DBInstances[0].[AllocatedStorage,MaxAllocatedStorage]'`: at the maximum already?\n" +
          "2. What grows: table bloat (`pg_stat_user_tables.n_dead_tup`), WAL kept by an inactive replication slot (`pg_replication_slots`), temporary files from a large sort.",
        mitigation:
          "1. Drop an abandoned replication slot if one holds WAL (`SELECT pg_drop_replication_slot('<slot>')`).\n" +
          "2. Grow storage now: `aws rds modify-db-instance --db-instance-identifier <id> --allocated-storage <GiB> --apply-immediately`, then raise `database.allocatedStorageGiB` / `maxAllocatedStorageGiB` in `config/<env>.ts` so the next deploy agrees.",
      },
    },
    {
      name: "RdsConnectionsHigh",
      scope: "environment",
      team: "platform",
      severity: "warning",
      for: "10m",
      expr: (env) => `aws_rds_database_connections_average > ${Math.floor(rdsMaxConnections(env.config) * 0.8)}`,
      summary: "RDS instance {{ $labels.dimension_DBInstanceIdentifier }} has {{ $value | humanize }} connections",
      description:
        "RDS instance {{ $labels.dimension_DBInstanceIdentifier }} uses more than 80% of its max_connections. New connections will soon be refused.",
      runbooks: [],
      page: {
        meaning:
          "CloudWatch DatabaseConnections is above 80% of the instance class's default `max_connections` (LEAST(memory / 9531392, 5000)), computed from `database.instanceClass` when the rules are generated.",
        impact: "At the limit, new connections fail with `too many clients already`: pods that start (scale-out, rollouts) cannot connect.",
        diagnosis:
          "1. Who holds connections: `SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1,2,3 ORDER BY 4 DESC`.\n" +
          "2. Many `idle` connections point at a connection pool sized too large per pod times replica count; many `idle in transaction` at an application bug.\n" +
          "3. Vault dynamic credentials: each lease is a role; check leases that were not revoked.",
        mitigation:
          "1. Terminate idle-in-transaction sessions older than 10 minutes (`pg_terminate_backend`).\n" +
          "2. Route services through the RDS Proxy, or lower the per-pod pool size.\n" +
          "3. A larger instance class raises the limit.",
      },
    },
    {
      name: "RdsReplicaLagHigh",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "10m",
      expr: "aws_rds_replica_lag_average > 30",
      summary: "RDS replica {{ $labels.dimension_DBInstanceIdentifier }} lags {{ $value | humanizeDuration }}",
      description:
        "Read replica {{ $labels.dimension_DBInstanceIdentifier }} is more than 30 seconds behind its primary. Reads from it are stale, and promoting it would lose that much data.",
      runbooks: ["db-failover"],
      page: {
        meaning: "CloudWatch ReplicaLag of a read replica stayed above 30 seconds for 10 minutes.",
        impact:
          "Reads served by the replica are stale. If the primary is lost now, promoting this replica loses the lagging writes; `db-failover` refuses to promote above its `maxLagBytes` parameter.",
        diagnosis:
          "1. Is the primary writing much more than usual (WriteIOPS, TransactionLogsGeneration on the database dashboard)?\n" +
          "2. Is the replica saturated (its CPU, ReadIOPS) or smaller than the primary?\n" +
          "3. Long-running queries on the replica can pause replay (`max_standby_streaming_delay`).",
        mitigation:
          "1. Cancel long queries on the replica.\n" +
          "2. If the replica cannot catch up, give it the primary's instance class.\n" +
          "3. Do not fail over to a lagging replica unless the primary is gone; `npx zx runbooks/db-failover.mjs --dry-run` shows the lag check it would apply.",
      },
    },
    {
      name: "RdsFailoverDetected",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "0m",
      // Failed DNS lookups report 0; dropping them keeps a lookup blip from counting as two changes.
      expr: 'changes((probe_ip_addr_hash{probe_kind="dependency", dependency="postgres"} > 0)[10m:30s]) > 0',
      summary: "RDS endpoint {{ $labels.instance }} points at another host: failover or replacement",
      description:
        "The RDS primary endpoint {{ $labels.instance }} resolved to a different IP address within the last 10 minutes: RDS failed over to the standby or replaced the instance. Check that services reconnected.",
      runbooks: ["db-failover"],
      page: {
        meaning:
          "The blackbox exporter's probe of the RDS primary endpoint (`dependency=\"postgres\"`) resolved it to a different IP address within the last 10 minutes (`probe_ip_addr_hash` changed; failed lookups, which report 0, are ignored). " +
          "A Multi-AZ failover points the endpoint's DNS name at the standby, so the address changes; so does replacing the instance (host replacement, a class change of a Single-AZ instance). " +
          "A reboot without failover keeps the address and does not fire this alert. CloudWatch has no failover metric; RDS events carry the reason.",
        impact:
          "Connections were dropped for the failover time (usually 60-120 s); writes in flight failed. Services should have reconnected; a service that did not keeps failing.",
        diagnosis:
          "1. `aws rds describe-events --source-type db-instance --source-identifier <id> --duration 60`: failover, reboot, or maintenance?\n" +
          "2. Do the services recover? Check ServiceAvailabilityBurnRateFast and the RED dashboards.\n" +
          "3. Is the old primary back as standby (Multi-AZ) and is the read replica following the new primary?",
        mitigation:
          "1. Restart pods of a service that did not reconnect (`kubectl rollout restart deploy/<service>`): its pool kept dead connections.\n" +
          "2. If the failover was not planned, write it up; `npx zx runbooks/db-failover.mjs` rehearses the same path and measures RTO/RPO.",
      },
    },
  ],
};
