import type { ResourceRule } from "../types";
import { asNumber, fail, isSet, pass, show } from "../lib/values";

/** Enhanced Monitoring reports OS metrics at least once a minute. */
export const RdsEnhancedMonitoring: ResourceRule = {
  id: "CKV_AWS_118",
  title: "RDS instance has Enhanced Monitoring enabled",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "low",
  fix: "Set monitoringInterval (1-60 s, config/<env>.ts database.monitoringIntervalSeconds) and monitoringRoleArn on the DbInstance.",
  check(db) {
    const interval = asNumber(db.values.monitoring_interval);
    if (interval === undefined || interval <= 0) return fail(`monitoring_interval is ${show(db.values.monitoring_interval)}`);
    return isSet(db.values.monitoring_role_arn) ? pass() : fail("monitoring_role_arn is absent");
  },
};
