import type { ResourceRule } from "../types";
import { fail, isTrue, pass } from "../lib/values";

/** RDS instances have no public IP address. */
export const RdsNotPubliclyAccessible: ResourceRule = {
  id: "CKV_AWS_17",
  title: "RDS instance is not publicly accessible",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "critical",
  fix: "Remove publiclyAccessible (or set it to false); reach the database through the VPC, the RDS Proxy or Vault.",
  check(db) {
    return isTrue(db.values.publicly_accessible) ? fail("publicly_accessible is true") : pass();
  },
};
