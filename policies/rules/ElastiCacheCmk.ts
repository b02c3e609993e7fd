import type { ResourceRule } from "../types";
import { fail, isSet, pass } from "../lib/values";

/** Redis at-rest encryption uses a customer-managed KMS key. */
export const ElastiCacheCmk: ResourceRule = {
  id: "CKV_AWS_191",
  title: "ElastiCache replication group is encrypted with a customer-managed KMS key",
  scope: "resource",
  resourceTypes: ["aws_elasticache_replication_group"],
  severity: "medium",
  fix: "Set kmsKeyId: <KMS key ARN> on the ElasticacheReplicationGroup.",
  check(group) {
    return isSet(group.values.kms_key_id) ? pass() : fail("kms_key_id is absent (AWS-managed key)");
  },
};
