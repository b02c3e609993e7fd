import type { ResourceRule } from "../types";
import { block, fail, isTrue, pass } from "../lib/values";

/** S3 keeps every version of every object, so an overwrite or delete can be undone. */
export const S3VersioningEnabled: ResourceRule = {
  id: "CKV_AWS_21",
  title: "S3 bucket has versioning enabled",
  scope: "resource",
  resourceTypes: ["aws_s3_bucket"],
  severity: "medium",
  fix: 'Add an S3BucketVersioningA with bucket: <bucket>.id and versioningConfiguration: { status: "Enabled" }.',
  check(bucket, context) {
    if (isTrue(block(bucket.values.versioning)?.enabled)) return pass("inline versioning (deprecated)");
    const configs = context.referrers(bucket, "aws_s3_bucket_versioning");
    if (configs.length === 0) return fail("no aws_s3_bucket_versioning references this bucket");
    const enabled = configs.some((c) => block(c.values.versioning_configuration)?.status === "Enabled");
    return enabled ? pass() : fail(`${configs[0].address} does not set versioning_configuration.status to "Enabled"`);
  },
};
