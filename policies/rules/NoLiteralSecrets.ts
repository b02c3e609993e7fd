import type { ResourceRule } from "../types";
import { asList, block, fail, isExpression, pass } from "../lib/values";

/** Secret arguments per resource type; `a.b` is argument `b` of nested block `a`. */
const SECRET_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  aws_db_instance: ["password", "password_wo"],
  aws_rds_cluster: ["master_password", "master_password_wo"],
  aws_elasticache_replication_group: ["auth_token"],
  aws_elasticache_user: ["passwords", "authentication_mode.passwords"],
  aws_secretsmanager_secret_version: ["secret_string"],
  aws_ssm_parameter: ["value"],
};

/**
 * Secret arguments are never literals in the synthesized JSON (which lands in
 * `cdktf.out/`, CI artifacts and logs). Use `manage_master_user_password`,
 * RBAC users, or a reference to a generated secret instead.
 */
export const NoLiteralSecrets: ResourceRule = {
  id: "GW_NO_LITERAL_SECRETS",
  title: "Secret arguments are references, not literals in the synthesized JSON",
  scope: "resource",
  resourceTypes: Object.keys(SECRET_ARGUMENTS),
  severity: "critical",
  fix: "Use manageMasterUserPassword: true for RDS, RBAC userGroupIds for Redis, or pass a reference (random_password, Vault, Secrets Manager) instead of a string.",
  check(resource) {
    if (resource.type === "aws_ssm_parameter" && resource.values.type !== "SecureString") return pass("not a SecureString");
    const literal = SECRET_ARGUMENTS[resource.type].filter((path) => {
      const [first, second] = path.split(".");
      const value = second === undefined ? resource.values[first] : block(resource.values[first])?.[second];
      return asList(value).some((v) => typeof v === "string" && v !== "" && !isExpression(v));
    });
    return literal.length === 0 ? pass() : fail(`${literal.join(", ")} is a literal value`);
  },
};
