import type { ResourceRule } from "../types";
import { isReadReplica } from "../lib/rds";
import { fail, isTrue, notApplicable, pass, show } from "../lib/values";

/**
 * The primary RDS instance has a synchronous standby in another AZ. Read
 * replicas are not judged: availability of writes comes from the primary.
 */
export const RdsMultiAzEnabled: ResourceRule = {
  id: "CKV_AWS_157",
  title: "RDS instance is Multi-AZ",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "medium",
  fix: "Set multiAz: true on the DbInstance (config/<env>.ts database.multiAz).",
  check(db) {
    if (isReadReplica(db)) return notApplicable("read replica");
    return isTrue(db.values.multi_az) ? pass() : fail(`multi_az is ${show(db.values.multi_az)}`);
  },
};
