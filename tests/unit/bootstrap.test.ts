import { describe, expect, it } from "vitest";
import { environments, stateStore } from "../../config";
import { policyOf, synthBootstrap } from "../helpers/synth";

describe("bootstrap stack", () => {
  const stack = synthBootstrap();

  it("keeps its own state locally, outside cdktf.out", () => {
    expect(stack.json.terraform.backend).toEqual({ local: { path: "../../../terraform/bootstrap.tfstate" } });
  });

  it("creates the state bucket with versioning", () => {
    expect(stack.only("aws_s3_bucket")).toMatchObject({ bucket: stateStore.bucketName, force_destroy: false });
    expect(stack.only("aws_s3_bucket_versioning").versioning_configuration).toEqual({ status: "Enabled" });
  });

  it("encrypts with a rotating CMK by default", () => {
    const rule = stack.only("aws_s3_bucket_server_side_encryption_configuration").rule[0];
    expect(rule.apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
    expect(rule.apply_server_side_encryption_by_default.kms_master_key_id).toMatch(/aws_kms_key\.state_key/);
    expect(stack.only("aws_kms_key")).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(stack.only("aws_kms_alias").name).toBe(stateStore.kmsAlias);
  });

  it("blocks all public access and enforces bucket ownership", () => {
    expect(stack.only("aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(stack.only("aws_s3_bucket_ownership_controls").rule.object_ownership).toBe("BucketOwnerEnforced");
  });

  it("denies plain-HTTP access and confines each environment to its own prefix", () => {
    const doc = policyOf(stack.only("aws_s3_bucket_policy").policy);
    expect(doc.Statement[0]).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    for (const env of environments) {
      const rw = doc.Statement.find((s: any) => s.Principal?.AWS === `arn:\${data.aws_partition.Partition.partition}:iam::${env.account.id}:root` && s.Sid.endsWith("ReadWrite"));
      expect(rw.Resource).toBe(`arn:\${data.aws_partition.Partition.partition}:s3:::${stateStore.bucketName}/${env.name}/*`);
    }
  });

  it("expires noncurrent state versions after the configured days and aborts stale uploads", () => {
    const rule = stack.only("aws_s3_bucket_lifecycle_configuration").rule[0];
    expect(rule.noncurrent_version_expiration[0].noncurrent_days).toBe(stateStore.noncurrentVersionDays);
    expect(rule.abort_incomplete_multipart_upload[0].days_after_initiation).toBe(7);
  });

  it("lets environment accounts use the key only through S3", () => {
    const doc = policyOf(stack.only("aws_kms_key").policy);
    const s3 = doc.Statement.find((s: any) => s.Sid === "AccountsUseThroughS3");
    expect(s3.Principal.AWS).toHaveLength(environments.length);
    expect(s3.Condition).toEqual({ StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } });
  });
});
