import type { ResourceRule } from "../types";
import { fail, isTrue, pass, show } from "../lib/values";

/** Redis data and snapshots are encrypted at rest. */
export const ElastiCacheEncryptedAtRest: ResourceRule = {
  id: "CKV_AWS_29",
  title: "ElastiCache replication group is encrypted at rest",
  scope: "resource",
  resourceTypes: ["aws_elasticache_replication_group"],
  severity: "high",
  fix: 'Set atRestEncryptionEnabled: "true" and kmsKeyId on the ElasticacheReplicationGroup.',
  check(group) {
    const value = group.values.at_rest_encryption_enabled;
    return isTrue(value) ? pass() : fail(`at_rest_encryption_enabled is ${show(value)}`);
  },
};
