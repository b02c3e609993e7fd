/**
 * Redis (ElastiCache) alerts from redis_exporter (https://github.com/oliver006/redis_exporter),
 * one exporter target per node, so `instance` names the node.
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
      expr: "redis_memory_used_bytes / redis_memory_max_bytes > 0.9 and redis_memory_max_bytes > 0",
      summary: "Redis {{ $labels.instance }} uses {{ $value | humanizePercentage }} of maxmemory",
      description:
        "Redis node {{ $labels.instance }} has used more than 90% of maxmemory for 15 minutes. Next comes eviction or, with noeviction, refused writes.",
      runbooks: [],
      page: {
        meaning: "`used_memory / maxmemory` of a Redis node stayed above 90% for 15 minutes.",
        impact:
          "At maxmemory Redis evicts keys (cache misses, lost stream entries) or, under `noeviction`, rejects writes with OOM errors: event-processor stops receiving events.",
        diagnosis:
          "1. Redis dashboard: memory growth over 7 days, key count, stream lengths.\n" +
          "2. `redis-cli --tls -h <endpoint> --bigkeys` (from a debug pod) to find the largest keys.\n" +
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
      expr: "increase(redis_evicted_keys_total[5m]) > 0",
      summary: "Redis {{ $labels.instance }} evicts keys",
      description:
        "Redis node {{ $labels.instance }} evicted {{ $value | humanize }} keys in 5 minutes because it reached maxmemory. Evicted stream or session keys are data loss, not only cache misses.",
      runbooks: [],
      page: {
        meaning: "`evicted_keys` of a Redis node increased during 5 consecutive minutes.",
        impact:
          "Redis is full. Cached values disappear (more database load); if streams or sessions are evicted, events or sessions are lost.",
        diagnosis:
          "1. Check RedisMemoryHigh and the Redis dashboard memory panel.\n" +
          "2. `CONFIG GET maxmemory-policy` (ElastiCache parameter group): `allkeys-*` policies evict stream keys too.",
        mitigation: "1. Free memory as in RedisMemoryHigh.\n2. Scale up `cache.nodeType`; use `volatile-*` policies so keys without TTL (streams) are never evicted.",
      },
    },
    {
      name: "RedisReplicationBroken",
      scope: "global",
      team: "platform",
      severity: "critical",
      for: "5m",
      expr: 'redis_master_link_up == 0 and on (instance) redis_instance_info{role="slave"}',
      summary: "Redis replica {{ $labels.instance }} lost its link to the primary",
      description:
        "Redis replica {{ $labels.instance }} has not been connected to its primary for 5 minutes. A failover now would lose everything written since the link broke.",
      runbooks: ["redis-failover"],
      page: {
        meaning: "`master_link_status` of a Redis replica has been `down` for 5 minutes.",
        impact:
          "No user impact yet, but the replica falls behind: the environment's RPO (`recovery.rpoSeconds`) no longer holds, and an automatic failover would lose data.",
        diagnosis:
          "1. `redis-cli -h <replica> INFO replication`: `master_link_down_since_seconds`, `master_sync_in_progress`.\n" +
          "2. A full resync that keeps failing points at `client-output-buffer-limit` for replicas or a primary near maxmemory.\n" +
          "3. ElastiCache events: `aws elasticache describe-events --source-type replication-group --duration 60`.",
        mitigation:
          "1. If the primary is healthy, let the resync finish; raise the replica output buffer limit if it loops.\n" +
          "2. If the primary is unhealthy, fail over deliberately once the replica is in sync: `npx zx runbooks/redis-failover.mjs --env <env> --dry-run` first.",
      },
    },
    {
      name: "RedisFailoverDetected",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "0m",
      expr:
        'max by (instance) (redis_instance_info{role="master"})\nand on (instance)\nmax by (instance) (redis_instance_info{role="slave"} offset 10m)',
      summary: "Redis {{ $labels.instance }} was promoted to primary",
      description:
        "Redis node {{ $labels.instance }} was a replica 10 minutes ago and is the primary now: ElastiCache or Sentinel failed over. Check that services reconnected.",
      runbooks: ["redis-failover"],
      page: {
        meaning: "A Redis node reports role `master` now and reported `slave` 10 minutes ago.",
        impact:
          "Writes during the switch (seconds) failed; writes acknowledged by the old primary but not replicated are lost. Clients that cache the primary's address keep failing until they reconnect.",
        diagnosis:
          "1. `aws elasticache describe-events --source-type replication-group --duration 60`: reason for the failover.\n" +
          "2. Service RED dashboards: did error rates return to normal?\n" +
          "3. Is the old primary back as a replica (RedisReplicationBroken)?",
        mitigation:
          "1. Restart pods of services that keep failing to write (`kubectl rollout restart deploy/<service>`).\n" +
          "2. `npx zx runbooks/redis-failover.mjs` rehearses this path and measures RTO/RPO; run it in staging after an unplanned failover.",
      },
    },
  ],
};
