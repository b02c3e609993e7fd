import type { ResourceRule } from "../types";
import { isReadReplica } from "../lib/rds";
import { asNumber, fail, notApplicable, pass, show } from "../lib/values";

/**
 * The primary RDS instance keeps automated backups for at least a day.
 * Terraform's default is 0 (no backups) when the argument is absent. Read
 * replicas restore from the primary's backups and are not judged.
 */
export const RdsBackupRetention: ResourceRule = {
  id: "CKV_AWS_133",
  title: "RDS instance keeps automated backups (retention >= 1 day)",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "high",
  fix: "Set backupRetentionPeriod to at least 1 (config/<env>.ts database.backupRetentionDays).",
  check(db) {
    if (isReadReplica(db)) return notApplicable("read replica");
    const days = asNumber(db.values.backup_retention_period);
    return days !== undefined && days >= 1 ? pass() : fail(`backup_retention_period is ${show(db.values.backup_retention_period)}`);
  },
};
