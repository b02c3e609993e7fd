import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";

export interface SnapshotBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** KMS alias for the bucket's key, without the `alias/` prefix. */
  readonly kmsAlias: string;
  /**
   * Days a snapshot stays current; it is then a noncurrent version for
   * `noncurrentDays` more before it is deleted.
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * Days an expired or overwritten snapshot is kept as a noncurrent version
   * (recovery from a mistaken delete).
   * @default 7
   */
  readonly noncurrentDays?: number;
}

/**
 * The bucket Vault's Raft snapshots go to: versioned, SSE-KMS with its own
 * rotating CMK (bucket key on), public access blocked, owner-enforced, TLS
 * required, and a lifecycle that expires snapshots after `retentionDays`.
 */
export class SnapshotBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly key: EncryptionKey;
  readonly bucketName: string;
  readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: SnapshotBucketProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 30;
    const noncurrentDays = props.noncurrentDays ?? 7;
    if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650) {
      throw new Error(`SnapshotBucket ${props.bucketName}: retentionDays is ${retentionDays}; expected a whole number of days from 1 to 3650`);
    }
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1 || noncurrentDays > 365) {
      throw new Error(`SnapshotBucket ${props.bucketName}: noncurrentDays is ${noncurrentDays}; expected a whole number of days from 1 to 365`);
    }
    if (!Token.isUnresolved(props.bucketName) && !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(props.bucketName)) {
      throw new Error(`SnapshotBucket: bucketName is "${props.bucketName}"; expected 3-63 lower-case letters, digits and hyphens`);
    }
    const { partition } = awsContext(this);

    this.key = new EncryptionKey(this, "key", { description: `Vault Raft snapshots in s3://${props.bucketName}`, alias: props.kmsAlias });
    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, forceDestroy: false });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = `arn:${partition}:s3:::${props.bucketName}`;

    new S3BucketVersioningA(this, "versioning", { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-snapshots",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
        {
          id: "remove-expired-delete-markers",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
    });
    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [this.bucketArn, `${this.bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            Sid: "DenyOtherEncryptionKeys",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${this.bucketArn}/*`,
            Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": this.key.arn } },
          },
        ],
      }),
    });
  }
}
