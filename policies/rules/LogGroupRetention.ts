import type { ResourceRule } from "../types";
import { asNumber, fail, pass, show } from "../lib/values";

/** CloudWatch keeps log events for at least a year (0 = never expire also passes, as in checkov). */
export const LogGroupRetention: ResourceRule = {
  id: "CKV_AWS_338",
  title: "CloudWatch log group retains logs for at least 1 year",
  scope: "resource",
  resourceTypes: ["aws_cloudwatch_log_group"],
  severity: "low",
  fix: "Use the EncryptedLogGroup module, or set retentionInDays to 365 or more on the CloudwatchLogGroup.",
  check(group) {
    const days = asNumber(group.values.retention_in_days);
    return days !== undefined && (days === 0 || days >= 365) ? pass() : fail(`retention_in_days is ${show(group.values.retention_in_days)}`);
  },
};
