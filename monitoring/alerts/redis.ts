/**
 * Redis (ElastiCache) alerts from ElastiCache's CloudWatch metrics, exported by
 * the CloudWatch exporter (YACE, modules/monitoring/cloudwatch-exporter.ts:
 * ELASTICACHE_METRICS) with one static job per node of the replication group,
 * so `dimension_CacheClusterId` names the node (a member cluster such as
 * `<group>-002`). Series are `aws_elasticache_<metric>_<statistic>`.
 *
 * No Redis login is needed: the ElastiCache user group has only an
 * IAM-authenticated user, which redis_exporter cannot use.
 */
import type { AlertGroup } from "./types";

export const redisAlerts: AlertGroup = {
  name: "redis",
  alerts: [
    {
      name: "RedisMemoryHigh",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "15m",
      expr: "aws_elasticache_database_memory_usage_percentage_average > 90",
      summary: "Redis node {{ $labels.dimension_CacheClusterId }} uses {{ $value | humanize }}% of maxmemory",
      description:
        "Redis node {{ $labels.dimension_CacheClusterId }} has used more than 90% of maxmemory for 15 minutes. Next comes eviction or, with noeviction, refused writes.",
      runbooks: [],
      page: {
        meaning:
          "ElastiCache's `DatabaseMemoryUsagePercentage` of a node (`used_memory / maxmemory` from Redis INFO, averaged over 5 minutes by the CloudWatch exporter) stayed above 90% for 15 minutes.",
        impact:
          "At maxmemory Redis evicts keys (cache misses, lost stream entries) or, under `noeviction`, rejects writes with OOM errors: event-processor stops receiving events.",
        diagnosis:
          "1. Redis dashboard: memory of every node over 7 days; is it the primary (Role panel) or a replica?\n" +
          "2. From a debug pod, `redis-cli --tls -h <endpoint> --user <group>-app --bigkeys` with an IAM auth token in `REDISCLI_AUTH` (no password exists; sign one as `runbooks/redis-failover.md` describes) finds the largest keys.\n" +
          "3. Stream backlog: `XINFO GROUPS <stream>`; a stuck consumer group makes streams grow.",
        mitigation:
          "1. If a stream grows because consumers are stuck, fix event-processor first (see its alerts).\n" +
          "2. Trim runaway streams (`XTRIM <stream> MAXLEN ~ <n>`) only after confirming the entries were consumed.\n" +
          "3. Scale up `cache.nodeType` in `config/<env>.ts`.",
      },
    },
    {
      name: "RedisEvictingKeys",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "5m",
      expr: "max_over_time(aws_elasticache_evictions_sum[5m]) > 0",
      summary: "Redis node {{ $labels.dimension_CacheClusterId }} evicts keys",
      description:
        "Redis node {{ $labels.dimension_CacheClusterId }} has kept evicting keys at maxmemory for 5 minutes, up to {{ $value | humanize }} in one minute. Evicted stream or session keys are data loss, not only cache misses.",
      runbooks: [],
      page: {
        meaning:
          "ElastiCache's `Evictions` of a node (keys evicted at maxmemory per minute, from `evicted_keys` in Redis INFO) was above 0 in every 5-minute window for 5 minutes.",
        impact:
          "Redis is full. Cached values disappear (more database load); if streams or sessions are evicted, events or sessions are lost.",
        diagnosis:
          "1. Check RedisMemoryHigh and the Redis dashboard memory and evictions panels.\n" +
          "2. `maxmemory-policy` of the replication group's parameter group (`aws elasticache describe-cache-parameters`): `allkeys-*` policies evict stream keys too.",
        mitigation: "1. Free memory as in RedisMemoryHigh.\n2. Scale up `cache.nodeType`; use `volatile-*` policies so keys without TTL (streams) are never evicted.",
      },
    },
    {
      name: "RedisReplicationBroken",
      scope: "global",
      team: "platform",
      severity: "critical",
      for: "5m",
      expr: "aws_elasticache_replication_lag_maximum > 30",
      summary: "Redis replica {{ $labels.dimension_CacheClusterId }} is {{ $value | humanizeDuration }} behind the primary",
      description:
        "Redis replica {{ $labels.dimension_CacheClusterId }} has been more than 30 seconds behind its primary for 5 minutes: its replication link is down or cannot keep up. A failover now would lose the writes it has not applied.",
      runbooks: ["redis-failover"],
      page: {
        meaning:
          "ElastiCache's `ReplicationLag` of a replica (seconds it is behind the primary in applying changes, newest minute) stayed above 30 seconds for 5 minutes. " +
          "CloudWatch has no replication-link status for the nodes of a replication group (`MasterLinkHealthStatus` only covers online migration), so a broken link shows here as a lag that keeps growing. " +
          "A replica that stops reporting `ReplicationLag` altogether does not fire this alert: the Redis dashboard's replication panel shows the gap.",
        impact:
          "No user impact yet, but the replica falls behind: the environment's RPO (`recovery.rpoSeconds`) no longer holds, and an automatic failover would lose data.",
        diagnosis:
          "1. ElastiCache events: `aws elasticache describe-events --source-type replication-group --source-identifier <group> --duration 60`: node replacement, sync failures.\n" +
          "2. `redis-cli --tls -h <replica endpoint> --user <group>-app INFO replication` (IAM auth token in `REDISCLI_AUTH`): `master_link_status`, `master_link_down_since_seconds`, `master_sync_in_progress`.\n" +
          "3. A full resync that keeps failing points at the replica output buffer limit or a primary near maxmemory (RedisMemoryHigh).",
        mitigation:
          "1. If the primary is healthy, let the resync finish; raise the replica output buffer limit in the parameter group if it loops.\n" +
          "2. If the primary is unhealthy, fail over deliberately once the replica is in sync: `npx zx runbooks/redis-failover.mjs --env <env> --dry-run` first.",
      },
    },
    {
      name: "RedisFailoverDetected",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "0m",
      expr: "(aws_elasticache_is_master_maximum == 1)\nand on (dimension_CacheClusterId)\n(aws_elasticache_is_master_maximum offset 10m == 0)",
      summary: "Redis node {{ $labels.dimension_CacheClusterId }} was promoted to primary",
      description:
        "Redis node {{ $labels.dimension_CacheClusterId }} was a replica 10 minutes ago and is the primary now: ElastiCache failed over. Check that services reconnected.",
      runbooks: ["redis-failover"],
      page: {
        meaning:
          "ElastiCache's `IsMaster` of a node is 1 now and was 0 ten minutes ago: the node was promoted to primary by Multi-AZ automatic failover or a test failover. " +
          "ElastiCache reports the failover itself as an event (`Failover from master node <old> to replica node <new> completed`), not as a metric; `IsMaster` is the metric that changes with it.",
        impact:
          "Writes during the switch (seconds) failed; writes acknowledged by the old primary but not replicated are lost. Clients that cache the primary's address keep failing until they reconnect.",
        diagnosis:
          "1. `aws elasticache describe-events --source-type replication-group --source-identifier <group> --duration 60`: reason for the failover.\n" +
          "2. Service RED dashboards: did error rates return to normal?\n" +
          "3. Is the old primary back as a replica (Redis dashboard Role panel, RedisReplicationBroken)?",
        mitigation:
          "1. Restart pods of services that keep failing to write (`kubectl rollout restart deploy/<service>`).\n" +
          "2. `npx zx runbooks/redis-failover.mjs` rehearses this path and measures RTO/RPO; run it in staging after an unplanned failover.",
      },
    },
  ],
};
