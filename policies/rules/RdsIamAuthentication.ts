import type { ResourceRule } from "../types";
import { fail, isTrue, pass, show } from "../lib/values";

/** RDS accepts IAM authentication tokens, so people need no static passwords. */
export const RdsIamAuthentication: ResourceRule = {
  id: "CKV_AWS_161",
  title: "RDS instance has IAM authentication enabled",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "medium",
  fix: "Set iamDatabaseAuthenticationEnabled: true on the DbInstance.",
  check(db) {
    const value = db.values.iam_database_authentication_enabled;
    return isTrue(value) ? pass() : fail(`iam_database_authentication_enabled is ${show(value)}`);
  },
};
