import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";
import { SecureBucket } from "../security/secure-bucket";

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
 * The Terraform state bucket: a SecureBucket (versioned, SSE-KMS with a
 * rotating CMK, public access blocked, TLS only, old versions expired) whose
 * policy confines each environment account to its own prefix. Lock files
 * (`use_lockfile`) live beside the state objects.
 */
export class StateBucket extends Construct {
  readonly key: EncryptionKey;
  readonly bucketName: string;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const tenants = props.tenants ?? [];
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
    const bucket = new SecureBucket(this, "bucket", {
      bucketName: props.bucketName,
      key: this.key,
      noncurrentVersionDays: props.noncurrentVersionDays,
      statements: ({ arn }) =>
        tenants.flatMap((t) => {
          const principal = { AWS: `arn:${partition}:iam::${t.accountId}:root` };
          return [
            {
              Sid: `${sid(t.prefix)}List`,
              Effect: "Allow",
              Principal: principal,
              Action: "s3:ListBucket",
              Resource: arn,
              Condition: { StringLike: { "s3:prefix": [`${t.prefix}/*`] } },
            },
            {
              Sid: `${sid(t.prefix)}ReadWrite`,
              Effect: "Allow",
              Principal: principal,
              // DeleteObject removes lock files; versioning keeps every state version.
              Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion"],
              Resource: `${arn}/${t.prefix}/*`,
            },
          ];
        }),
    });
    this.bucketName = bucket.bucketName;
  }
}

/** IAM statement ids are alphanumeric. */
function sid(prefix: string): string {
  return prefix.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
