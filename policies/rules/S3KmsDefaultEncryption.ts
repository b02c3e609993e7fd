import type { ResourceRule } from "../types";
import { block, blocks, fail, pass } from "../lib/values";

const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

/** New S3 objects are encrypted with KMS by default. */
export const S3KmsDefaultEncryption: ResourceRule = {
  id: "CKV_AWS_145",
  title: "S3 bucket is encrypted with KMS by default",
  scope: "resource",
  resourceTypes: ["aws_s3_bucket"],
  severity: "medium",
  fix: 'Add an S3BucketServerSideEncryptionConfigurationA with rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: <key ARN> }, bucketKeyEnabled: true }].',
  check(bucket, context) {
    const configs = context.referrers(bucket, "aws_s3_bucket_server_side_encryption_configuration");
    if (configs.length === 0) return fail("no aws_s3_bucket_server_side_encryption_configuration references this bucket");
    const algorithms = configs.flatMap((c) => blocks(c.values.rule).map((r) => block(r.apply_server_side_encryption_by_default)?.sse_algorithm));
    return algorithms.some((a) => typeof a === "string" && KMS_ALGORITHMS.includes(a))
      ? pass()
      : fail(`default encryption is ${algorithms.map(String).join(", ") || "absent"}; expected aws:kms`);
  },
};
