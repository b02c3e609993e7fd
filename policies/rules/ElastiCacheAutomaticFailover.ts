import type { ResourceRule } from "../types";
import { fail, isTrue, pass, show } from "../lib/values";

/** Redis promotes a replica when the primary fails. */
export const ElastiCacheAutomaticFailover: ResourceRule = {
  id: "CKV2_AWS_50",
  title: "ElastiCache replication group has automatic failover enabled",
  scope: "resource",
  resourceTypes: ["aws_elasticache_replication_group"],
  severity: "medium",
  fix: "Set automaticFailoverEnabled: true and multiAzEnabled: true with at least one replica (config/<env>.ts cache.replicas).",
  check(group) {
    const value = group.values.automatic_failover_enabled;
    return isTrue(value) ? pass() : fail(`automatic_failover_enabled is ${show(value)}`);
  },
};
