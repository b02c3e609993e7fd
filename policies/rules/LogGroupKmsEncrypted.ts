import type { ResourceRule } from "../types";
import { fail, isSet, pass } from "../lib/values";

/** CloudWatch log data is encrypted with a customer-managed KMS key. */
export const LogGroupKmsEncrypted: ResourceRule = {
  id: "CKV_AWS_158",
  title: "CloudWatch log group is encrypted with KMS",
  scope: "resource",
  resourceTypes: ["aws_cloudwatch_log_group"],
  severity: "medium",
  fix: "Use the EncryptedLogGroup module, or set kmsKeyId on the CloudwatchLogGroup to a key whose policy allows logs.<region>.amazonaws.com.",
  check(group) {
    return isSet(group.values.kms_key_id) ? pass() : fail("kms_key_id is absent");
  },
};
