import type { ResourceRule } from "../types";
import { isReadReplica } from "../lib/rds";
import { fail, isFalse, isTrue, pass, show } from "../lib/values";

/**
 * RDS storage is encrypted at rest. A read replica in the same region
 * inherits the encryption of its source, so a replica passes when its source
 * in this stack is encrypted.
 */
export const RdsStorageEncrypted: ResourceRule = {
  id: "CKV_AWS_16",
  title: "RDS instance storage is encrypted",
  scope: "resource",
  resourceTypes: ["aws_db_instance"],
  severity: "high",
  fix: "Set storageEncrypted: true and kmsKeyId: <KMS key ARN> on the DbInstance.",
  check(db, context) {
    if (isTrue(db.values.storage_encrypted)) return pass();
    if (isReadReplica(db) && !isFalse(db.values.storage_encrypted)) {
      const source = context.resolve(db.values.replicate_source_db);
      if (source && isTrue(source.values.storage_encrypted)) return pass(`inherits encryption from ${source.address}`);
    }
    return fail(`storage_encrypted is ${show(db.values.storage_encrypted)}`);
  },
};
