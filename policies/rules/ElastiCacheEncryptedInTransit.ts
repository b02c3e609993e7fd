import type { ResourceRule } from "../types";
import { fail, isTrue, pass, show } from "../lib/values";

/** Redis accepts TLS connections only (mode "preferred" still accepts plaintext). */
export const ElastiCacheEncryptedInTransit: ResourceRule = {
  id: "CKV_AWS_30",
  title: "ElastiCache replication group requires encryption in transit",
  scope: "resource",
  resourceTypes: ["aws_elasticache_replication_group"],
  severity: "high",
  fix: 'Set transitEncryptionEnabled: true (and transitEncryptionMode "required" if set) on the ElasticacheReplicationGroup.',
  check(group) {
    const { transit_encryption_enabled: enabled, transit_encryption_mode: mode } = group.values;
    if (!isTrue(enabled)) return fail(`transit_encryption_enabled is ${show(enabled)}`);
    return mode === "preferred" ? fail('transit_encryption_mode is "preferred", which still accepts plaintext') : pass();
  },
};
