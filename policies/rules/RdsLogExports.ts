import type { ResourceRule } from "../types";
import { fail, pass, strings } from "../lib/values";

/** RDS exports its logs to CloudWatch; PostgreSQL must export the `postgresql` log. */
export const RdsLogExports: ResourceRule = {
  id: "CKV_AWS_129",
  title: "RDS instance exports its logs to CloudWatch",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "medium",
  fix: 'Set enabledCloudwatchLogsExports: ["postgresql", "upgrade"] on the DbInstance.',
  check(db) {
    const exports = strings(db.values.enabled_cloudwatch_logs_exports);
    if (exports.length === 0) return fail("enabled_cloudwatch_logs_exports is empty");
    const engine = String(db.values.engine ?? "");
    if (engine.includes("postgres") && !exports.includes("postgresql")) return fail('enabled_cloudwatch_logs_exports does not include "postgresql"');
    return pass();
  },
};
