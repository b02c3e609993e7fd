import type { ResourceRule } from "../types";
import { fail, isTrue, notApplicable, pass, show } from "../lib/values";

/** Symmetric KMS keys rotate their key material automatically. */
export const KmsKeyRotation: ResourceRule = {
  id: "CKV_AWS_7",
  title: "KMS key has automatic rotation enabled",
  scope: "resource",
  resourceTypes: ["aws_kms_key"],
  severity: "medium",
  fix: "Use the EncryptionKey module, or set enableKeyRotation: true on the KmsKey.",
  check(key) {
    const spec = key.values.customer_master_key_spec;
    if (spec !== undefined && spec !== "SYMMETRIC_DEFAULT") return notApplicable(`${String(spec)} keys cannot rotate automatically`);
    return isTrue(key.values.enable_key_rotation) ? pass() : fail(`enable_key_rotation is ${show(key.values.enable_key_rotation)}`);
  },
};
