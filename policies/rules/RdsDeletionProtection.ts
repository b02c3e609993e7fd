import type { ResourceRule } from "../types";
import { fail, isTrue, pass, show } from "../lib/values";

/** RDS refuses deletion until protection is turned off. */
export const RdsDeletionProtection: ResourceRule = {
  id: "CKV_AWS_293",
  title: "RDS instance has deletion protection enabled",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "medium",
  fix: "Set deletionProtection: true on the DbInstance (config/<env>.ts database.deletionProtection).",
  check(db) {
    return isTrue(db.values.deletion_protection) ? pass() : fail(`deletion_protection is ${show(db.values.deletion_protection)}`);
  },
};
