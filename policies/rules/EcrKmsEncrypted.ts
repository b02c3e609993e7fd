import type { ResourceRule } from "../types";
import { block, fail, pass, show } from "../lib/values";

/** ECR encrypts images with KMS rather than the default AES256. */
export const EcrKmsEncrypted: ResourceRule = {
  id: "CKV_AWS_136",
  title: "ECR repository is encrypted with KMS",
  scope: "resource",
  resourceTypes: ["aws_ecr_repository"],
  severity: "medium",
  fix: 'Set encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: <KMS key ARN> }] on the EcrRepository.',
  check(repo) {
    const type = block(repo.values.encryption_configuration)?.encryption_type;
    return type === "KMS" ? pass() : fail(`encryption_configuration.encryption_type is ${show(type)} (the default is "AES256")`);
  },
};
