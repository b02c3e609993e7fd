import type { ResourceRule } from "../types";
import { fail, isSet, isTrue, pass } from "../lib/values";

/**
 * Redis clients authenticate: with an AUTH token, or with RBAC users through
 * `user_group_ids`. RBAC keeps the secret out of the synthesized JSON; a token
 * must be a reference (GW_NO_LITERAL_SECRETS rejects a literal).
 */
export const ElastiCacheAuthEnabled: ResourceRule = {
  id: "CKV_AWS_31",
  title: "ElastiCache replication group requires authentication",
  scope: "resource",
  resourceTypes: ["aws_elasticache_replication_group"],
  severity: "high",
  fix: "Set userGroupIds to an ElasticacheUserGroup (RBAC), or authToken from a secret reference, with transitEncryptionEnabled: true.",
  check(group) {
    const v = group.values;
    if (!isTrue(v.transit_encryption_enabled)) return fail("transit_encryption_enabled is not true, so Redis AUTH and RBAC are unavailable");
    return isSet(v.user_group_ids) || isSet(v.auth_token) ? pass() : fail("neither user_group_ids nor auth_token is set");
  },
};
