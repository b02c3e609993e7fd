import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";

/** An account allowed to keep state under one key prefix of the bucket. */
export interface StateTenant {
  readonly accountId: string;
  /** Key prefix (without trailing slash) the account may read and write. */
  readonly prefix: string;
}

export interface StateBucketProps {
  readonly bucketName: string;
  /** KMS alias for the bucket's key, without the `alias/` prefix. */
  readonly kmsAlias: string;
  /**
   * Accounts that keep state here, each confined to its own prefix.
   * @default - only this account
   */
  readonly tenants?: readonly StateTenant[];
  /**
   * Days a replaced state version is kept before it expires.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
}

/**
 * The Terraform state bucket: versioned, SSE-KMS with a rotating CMK, public
 * access blocked, TLS required, old versions expired after a grace period.
 * Lock files (`use_lockfile`) live beside the state objects.
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly key: EncryptionKey;
  readonly bucketName: string;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const tenants = props.tenants ?? [];
    const noncurrentVersionDays = props.noncurrentVersionDays ?? 90;
    if (!Number.isInteger(noncurrentVersionDays) || noncurrentVersionDays < 1) {
      throw new Error(`StateBucket ${props.bucketName}: noncurrentVersionDays is ${noncurrentVersionDays}; expected a whole number of days >= 1`);
    }
    for (const t of tenants) {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(t.prefix)) {
        throw new Error(`StateBucket ${props.bucketName}: tenant prefix is "${t.prefix}"; expected lower-case letters, digits and hyphens`);
      }
    }
    const { partition } = awsContext(this);

    this.key = new EncryptionKey(this, "key", {
      description: `Terraform state in s3://${props.bucketName}`,
      alias: props.kmsAlias,
      s3AccountIds: [...new Set(tenants.map((t) => t.accountId))],
    });

    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, forceDestroy: false });
    this.bucketName = this.bucket.bucket;
    new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
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
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: noncurrentVersionDays, newerNoncurrentVersions: 10 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });

    const bucketArn = `arn:${partition}:s3:::${props.bucketName}`;
    const statements: object[] = [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ];
    for (const t of tenants) {
      const principal = { AWS: `arn:${partition}:iam::${t.accountId}:root` };
      statements.push(
        {
          Sid: `${sid(t.prefix)}List`,
          Effect: "Allow",
          Principal: principal,
          Action: "s3:ListBucket",
          Resource: bucketArn,
          Condition: { StringLike: { "s3:prefix": [`${t.prefix}/*`] } },
        },
        {
          Sid: `${sid(t.prefix)}ReadWrite`,
          Effect: "Allow",
          Principal: principal,
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion"],
          Resource: `${bucketArn}/${t.prefix}/*`,
        },
      );
    }
    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
  }
}

/** IAM statement ids are alphanumeric. */
function sid(prefix: string): string {
  return prefix.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
