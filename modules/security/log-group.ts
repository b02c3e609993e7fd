import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Construct } from "constructs";
import { LOG_RETENTION_DAYS } from "../../config/schema";

export interface EncryptedLogGroupProps {
  readonly name: string;
  /** ARN of the KMS key that encrypts the log data. */
  readonly kmsKeyArn: string;
  /**
   * Days to keep log events.
   * @default 365 - a year, the minimum most audit regimes ask for
   */
  readonly retentionDays?: number;
}

/** A CloudWatch log group that is KMS-encrypted and kept for at least a year. */
export class EncryptedLogGroup extends Construct {
  readonly logGroup: CloudwatchLogGroup;
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 365;
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(retentionDays) || retentionDays < 365) {
      throw new Error(
        `EncryptedLogGroup ${props.name}: retentionDays is ${retentionDays}; expected one of ${LOG_RETENTION_DAYS.filter((d) => d >= 365).join(", ")}`,
      );
    }
    this.logGroup = new CloudwatchLogGroup(this, "group", {
      name: props.name,
      retentionInDays: retentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.arn = this.logGroup.arn;
    this.name = this.logGroup.name;
  }
}
