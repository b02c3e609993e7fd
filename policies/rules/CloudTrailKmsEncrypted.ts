import type { ResourceRule } from "../types";
import { fail, isSet, pass } from "../lib/values";

/** CloudTrail log files are encrypted with a customer-managed KMS key. */
export const CloudTrailKmsEncrypted: ResourceRule = {
  id: "CKV_AWS_35",
  title: "CloudTrail logs are encrypted with KMS",
  scope: "resource",
  resourceTypes: ["aws_cloudtrail"],
  severity: "medium",
  fix: "Set kmsKeyId: <KMS key ARN> on the Cloudtrail; the key policy must allow cloudtrail.amazonaws.com.",
  check(trail) {
    return isSet(trail.values.kms_key_id) ? pass() : fail("kms_key_id is absent");
  },
};
