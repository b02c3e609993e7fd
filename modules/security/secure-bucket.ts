import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { awsContext } from "./aws-context";
import { EncryptionKey } from "./encryption-key";

/** A bucket policy statement; the bucket's TLS-only deny is always added first. */
export type BucketStatement = Record<string, unknown>;

export interface SecureBucketProps {
  readonly bucketName: string;
  /** The bucket's KMS key; created by the caller so its policy can name the services that write. */
  readonly key: EncryptionKey;
  /**
   * Extra bucket policy statements (use `arn` and `objectsArn` to build them).
   * @default - only the TLS-only deny
   */
  readonly statements?: (bucket: { arn: string; objectsArn: string }) => BucketStatement[];
  /**
   * Days a noncurrent object version is kept.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Days a current object is kept; older ones expire (become noncurrent).
   * @default - kept until deleted
   */
  readonly expireAfterDays?: number;
}

/**
 * An S3 bucket that is versioned, SSE-KMS with a bucket key, closed to the
 * public, owner-enforced, TLS-only, and expires old versions.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  /** The bucket's ARN, written out (not a reference) so policies read plainly in the plan. */
  readonly arn: string;
  /** The bucket policy; depend on it before a service writes to the bucket. */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const noncurrentVersionDays = props.noncurrentVersionDays ?? 90;
    if (!Number.isInteger(noncurrentVersionDays) || noncurrentVersionDays < 1) {
      throw new Error(`SecureBucket ${props.bucketName}: noncurrentVersionDays is ${noncurrentVersionDays}; expected a whole number of days >= 1`);
    }
    if (props.expireAfterDays !== undefined && !(Number.isInteger(props.expireAfterDays) && props.expireAfterDays >= 1)) {
      throw new Error(`SecureBucket ${props.bucketName}: expireAfterDays is ${props.expireAfterDays}; expected a whole number of days >= 1`);
    }
    const { partition } = awsContext(this);

    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, forceDestroy: false });
    this.bucketName = this.bucket.bucket;
    new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: props.expireAfterDays ? [{ days: props.expireAfterDays }] : undefined,
          noncurrentVersionExpiration: [{ noncurrentDays: noncurrentVersionDays, newerNoncurrentVersions: 10 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });

    // Literal ARNs (not references) so the policy reads plainly in the plan.
    const arn = `arn:${partition}:s3:::${props.bucketName}`;
    const objectsArn = `${arn}/*`;
    this.arn = arn;
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [arn, objectsArn],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          ...(props.statements?.({ arn, objectsArn }) ?? []),
        ],
      }),
      // S3 rejects a policy that races the public access block.
      dependsOn: [this.bucket],
    });
  }
}
