import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { EncryptionKey } from "../security/encryption-key";
import { SecureBucket } from "../security/secure-bucket";

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
 * The bucket Vault's Raft snapshots go to: a SecureBucket (versioned, SSE-KMS
 * with its own rotating CMK, public access blocked, owner-enforced, TLS
 * required) that expires snapshots after `retentionDays` and refuses uploads
 * encrypted under any other key.
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
    this.key = new EncryptionKey(this, "key", { description: `Vault Raft snapshots in s3://${props.bucketName}`, alias: props.kmsAlias });
    const secure = new SecureBucket(this, "bucket", {
      bucketName: props.bucketName,
      key: this.key,
      expireAfterDays: retentionDays,
      noncurrentVersionDays: noncurrentDays,
      statements: ({ objectsArn }) => [
        {
          Sid: "DenyOtherEncryptionKeys",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: objectsArn,
          Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": this.key.arn } },
        },
      ],
    });
    this.bucket = secure.bucket;
    this.bucketName = secure.bucketName;
    this.bucketArn = secure.arn;
  }
}
