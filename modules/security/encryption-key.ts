import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { awsContext } from "./aws-context";

export interface EncryptionKeyProps {
  /** What the key protects; shown in the KMS console. */
  readonly description: string;
  /** Alias without the `alias/` prefix. */
  readonly alias: string;
  /**
   * AWS service principals (such as `logs.eu-west-1.amazonaws.com`) that may
   * use the key on behalf of this account.
   * @default - only IAM principals of this account, through IAM policies
   */
  readonly servicePrincipals?: readonly string[];
  /**
   * Other accounts whose IAM principals may use the key through S3 (for a
   * shared state bucket).
   * @default - none
   */
  readonly s3AccountIds?: readonly string[];
  /**
   * Days KMS waits before deleting the key after it is scheduled for deletion.
   * @default 30 - the maximum, so a mistaken destroy can be cancelled
   */
  readonly deletionWindowDays?: number;
}

/** A customer-managed KMS key with yearly rotation, a least-privilege key policy and an alias. */
export class EncryptionKey extends Construct {
  readonly key: KmsKey;
  readonly arn: string;
  readonly keyId: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const deletionWindowDays = props.deletionWindowDays ?? 30;
    if (!Number.isInteger(deletionWindowDays) || deletionWindowDays < 7 || deletionWindowDays > 30) {
      throw new Error(`EncryptionKey ${id}: deletionWindowDays is ${deletionWindowDays}; expected an integer from 7 to 30`);
    }
    if (!/^[a-zA-Z0-9/_-]+$/.test(props.alias)) {
      throw new Error(`EncryptionKey ${id}: alias is "${props.alias}"; expected letters, digits, "/", "_" or "-" without the alias/ prefix`);
    }
    const { accountId, partition } = awsContext(this);

    const statements: object[] = [
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ];
    if (props.servicePrincipals?.length) {
      statements.push({
        Sid: "ServicesEncrypt",
        Effect: "Allow",
        Principal: { Service: [...props.servicePrincipals] },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      });
    }
    if (props.s3AccountIds?.length) {
      statements.push({
        Sid: "AccountsUseThroughS3",
        Effect: "Allow",
        Principal: { AWS: props.s3AccountIds.map((a) => `arn:${partition}:iam::${a}:root`) },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*",
        Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
      });
    }

    this.key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: deletionWindowDays,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
    this.keyId = this.key.keyId;
  }
}
