import type { ResourceRule } from "../types";
import { fail, isTrue, pass } from "../lib/values";

const SETTINGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;

/** The bucket has a public access block with all four settings on. */
export const S3PublicAccessBlocked: ResourceRule = {
  id: "CKV2_AWS_6",
  title: "S3 bucket has a public access block with all settings enabled",
  scope: "resource",
  resourceTypes: ["aws_s3_bucket"],
  severity: "high",
  fix: "Add an S3BucketPublicAccessBlock with bucket: <bucket>.id and blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets all true.",
  check(bucket, context) {
    const blocks = context.referrers(bucket, "aws_s3_bucket_public_access_block");
    if (blocks.length === 0) return fail("no aws_s3_bucket_public_access_block references this bucket");
    const missing = SETTINGS.filter((s) => !blocks.some((b) => isTrue(b.values[s])));
    return missing.length === 0 ? pass() : fail(`${missing.join(", ")} not true`);
  },
};
