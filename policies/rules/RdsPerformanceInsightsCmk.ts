import type { ResourceRule } from "../types";
import { fail, isSet, isTrue, notApplicable, pass } from "../lib/values";

/** Performance Insights data (which includes SQL text) is encrypted with a customer-managed key. */
export const RdsPerformanceInsightsCmk: ResourceRule = {
  id: "CKV_AWS_354",
  title: "RDS Performance Insights is encrypted with a customer-managed KMS key",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "medium",
  fix: "Set performanceInsightsKmsKeyId: <KMS key ARN> on the DbInstance.",
  check(db) {
    if (!isTrue(db.values.performance_insights_enabled)) return notApplicable("Performance Insights disabled");
    return isSet(db.values.performance_insights_kms_key_id) ? pass() : fail("performance_insights_kms_key_id is absent (AWS-managed key)");
  },
};
