import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { ConfigConfigurationRecorder } from "@cdktf/provider-aws/lib/config-configuration-recorder";
import { ConfigConfigurationRecorderStatus } from "@cdktf/provider-aws/lib/config-configuration-recorder-status";
import { ConfigDeliveryChannel } from "@cdktf/provider-aws/lib/config-delivery-channel";
import { GuarddutyDetector } from "@cdktf/provider-aws/lib/guardduty-detector";
import { GuarddutyDetectorFeature } from "@cdktf/provider-aws/lib/guardduty-detector-feature";
import { SecurityhubAccount } from "@cdktf/provider-aws/lib/securityhub-account";
import { SecurityhubStandardsSubscription } from "@cdktf/provider-aws/lib/securityhub-standards-subscription";
import { Construct } from "constructs";
import { awsContext } from "./aws-context";
import { EncryptionKey } from "./encryption-key";
import { EncryptedLogGroup } from "./log-group";
import { SecureBucket } from "./secure-bucket";
import { ServiceRole } from "./service-role";

/** GuardDuty protection plans turned on: EKS (audit logs and runtime), RDS logins, S3 data events, EBS malware scans. */
export const GUARDDUTY_FEATURES = ["EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "RDS_LOGIN_EVENTS", "S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION"] as const;

/** Security Hub standards enabled, as ARN paths after `arn:<partition>:securityhub:<region>::`. */
export const SECURITY_HUB_STANDARDS = {
  "aws-foundational": "standards/aws-foundational-security-best-practices/v/1.0.0",
  cis: "standards/cis-aws-foundations-benchmark/v/3.0.0",
} as const;

export interface AccountBaselineProps {
  /** Prefix of resource names, such as `groundwork-prod`. */
  readonly name: string;
  /** Audit bucket name; must be globally unique (include the account id). */
  readonly auditBucketName: string;
  /**
   * Days CloudTrail logs stay searchable in CloudWatch Logs.
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * Days audit objects are kept in S3.
   * @default 2557 - seven years
   */
  readonly auditRetentionDays?: number;
}

/**
 * The account's security baseline: a multi-region CloudTrail with log file
 * validation into a locked-down, KMS-encrypted bucket (and CloudWatch Logs
 * for alerting), GuardDuty with EKS and RDS protection, Security Hub with the
 * AWS Foundational Security Best Practices and CIS standards, and an AWS
 * Config recorder of every resource type.
 */
export class AccountBaseline extends Construct {
  readonly trail: Cloudtrail;
  readonly auditBucketName: string;
  readonly detectorId: string;

  constructor(scope: Construct, id: string, props: AccountBaselineProps) {
    super(scope, id);
    const { accountId, region, partition } = awsContext(this);
    const trailName = `${props.name}-trail`;
    const trailArn = `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${trailName}`;

    const key = new EncryptionKey(this, "key", {
      description: `Audit logs of ${props.name}: CloudTrail and AWS Config`,
      alias: `${props.name}/audit`,
      servicePrincipals: ["cloudtrail.amazonaws.com", "config.amazonaws.com", `logs.${region}.amazonaws.com`],
    });
    const bucket = new SecureBucket(this, "audit-bucket", {
      bucketName: props.auditBucketName,
      key,
      expireAfterDays: props.auditRetentionDays ?? 2557,
      statements: ({ arn, objectsArn }) => [
        {
          Sid: "CloudTrailAclCheck",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "s3:GetBucketAcl",
          Resource: arn,
          Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
        {
          Sid: "CloudTrailWrite",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${arn}/cloudtrail/AWSLogs/${accountId}/*`,
          Condition: { StringEquals: { "aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
          Sid: "ConfigAclCheck",
          Effect: "Allow",
          Principal: { Service: "config.amazonaws.com" },
          Action: ["s3:GetBucketAcl", "s3:ListBucket"],
          Resource: arn,
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
        {
          Sid: "ConfigWrite",
          Effect: "Allow",
          Principal: { Service: "config.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${arn}/config/AWSLogs/${accountId}/*`,
          Condition: { StringEquals: { "aws:SourceAccount": accountId, "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
          Sid: "DenyDeleteOfAuditLogs",
          Effect: "Deny",
          Principal: "*",
          Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
          Resource: objectsArn,
          Condition: { StringNotLike: { "aws:PrincipalArn": `arn:${partition}:iam::${accountId}:role/break-glass-*` } },
        },
      ],
    });
    this.auditBucketName = bucket.bucketName;

    const trailLogs = new EncryptedLogGroup(this, "trail-logs", {
      name: `/aws/cloudtrail/${trailName}`,
      kmsKeyArn: key.arn,
      retentionDays: props.logRetentionDays,
    });
    const trailRole = new ServiceRole(this, "trail-role", {
      name: `${props.name}-cloudtrail-logs`,
      servicePrincipal: "cloudtrail.amazonaws.com",
      statements: [{ Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${trailLogs.arn}:*` }],
    });
    this.trail = new Cloudtrail(this, "trail", {
      name: trailName,
      s3BucketName: bucket.bucketName,
      s3KeyPrefix: "cloudtrail",
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      kmsKeyId: key.arn,
      cloudWatchLogsGroupArn: `${trailLogs.arn}:*`,
      cloudWatchLogsRoleArn: trailRole.arn,
      dependsOn: [bucket.policy],
    });

    const detector = new GuarddutyDetector(this, "guardduty", { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES" });
    this.detectorId = detector.id;
    const features = new Construct(this, "guardduty-features");
    for (const feature of GUARDDUTY_FEATURES) {
      new GuarddutyDetectorFeature(features, feature, {
        detectorId: detector.id,
        name: feature,
        status: "ENABLED",
        additionalConfiguration:
          feature === "RUNTIME_MONITORING" ? [{ name: "EKS_ADDON_MANAGEMENT", status: "ENABLED" }] : undefined,
      });
    }

    const hub = new SecurityhubAccount(this, "security-hub", { enableDefaultStandards: false, autoEnableControls: true });
    const standards = new Construct(this, "security-hub-standards");
    for (const [name, path] of Object.entries(SECURITY_HUB_STANDARDS)) {
      new SecurityhubStandardsSubscription(standards, name, {
        standardsArn: `arn:${partition}:securityhub:${region}::${path}`,
        dependsOn: [hub],
      });
    }

    const configRole = new ServiceRole(this, "config-role", {
      name: `${props.name}-config`,
      servicePrincipal: "config.amazonaws.com",
      managedPolicies: ["service-role/AWS_ConfigRole"],
    });
    const recorder = new ConfigConfigurationRecorder(this, "config-recorder", {
      name: props.name,
      roleArn: configRole.arn,
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
    });
    const channel = new ConfigDeliveryChannel(this, "config-delivery", {
      name: props.name,
      s3BucketName: bucket.bucketName,
      s3KeyPrefix: "config",
      s3KmsKeyArn: key.arn,
      snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
      dependsOn: [recorder, bucket.policy],
    });
    new ConfigConfigurationRecorderStatus(this, "config-recorder-status", {
      name: recorder.name,
      isEnabled: true,
      dependsOn: [channel],
    });
  }
}
