import type { ResourceRule } from "../types";
import { fail, isTrue, pass, show } from "../lib/values";

/** Performance Insights records database load for diagnosis. */
export const RdsPerformanceInsightsEnabled: ResourceRule = {
  id: "CKV_AWS_353",
  title: "RDS instance has Performance Insights enabled",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "low",
  fix: "Set performanceInsightsEnabled: true and performanceInsightsKmsKeyId on the DbInstance.",
  check(db) {
    const value = db.values.performance_insights_enabled;
    return isTrue(value) ? pass() : fail(`performance_insights_enabled is ${show(value)}`);
  },
};
