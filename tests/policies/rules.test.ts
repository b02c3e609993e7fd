/**
 * One compliant and one non-compliant case (at least) for every rule, on
 * small JSON fixtures. Non-compliant cases assert the exact message the
 * operator reads in the report.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policies/gate";
import { rules } from "../../policies/rules";
import { AccountCloudTrailEnabled } from "../../policies/rules/AccountCloudTrailEnabled";
import { AccountConfigRecorderEnabled } from "../../policies/rules/AccountConfigRecorderEnabled";
import { AccountGuardDutyEnabled } from "../../policies/rules/AccountGuardDutyEnabled";
import { AccountSecurityHubEnabled } from "../../policies/rules/AccountSecurityHubEnabled";
import { CloudTrailKmsEncrypted } from "../../policies/rules/CloudTrailKmsEncrypted";
import { CloudTrailLogValidation } from "../../policies/rules/CloudTrailLogValidation";
import { CloudTrailMultiRegion } from "../../policies/rules/CloudTrailMultiRegion";
import { DefaultSecurityGroupRestricted } from "../../policies/rules/DefaultSecurityGroupRestricted";
import { EcrImmutableTags } from "../../policies/rules/EcrImmutableTags";
import { EcrKmsEncrypted } from "../../policies/rules/EcrKmsEncrypted";
import { EcrScanOnPush } from "../../policies/rules/EcrScanOnPush";
import { EksControlPlaneLogging } from "../../policies/rules/EksControlPlaneLogging";
import { EksNodeGroupLaunchTemplate } from "../../policies/rules/EksNodeGroupLaunchTemplate";
import { EksPublicEndpointDisabled } from "../../policies/rules/EksPublicEndpointDisabled";
import { EksPublicEndpointRestricted } from "../../policies/rules/EksPublicEndpointRestricted";
import { EksSecretsEncrypted } from "../../policies/rules/EksSecretsEncrypted";
import { ElastiCacheAuthEnabled } from "../../policies/rules/ElastiCacheAuthEnabled";
import { ElastiCacheAutomaticFailover } from "../../policies/rules/ElastiCacheAutomaticFailover";
import { ElastiCacheCmk } from "../../policies/rules/ElastiCacheCmk";
import { ElastiCacheEncryptedAtRest } from "../../policies/rules/ElastiCacheEncryptedAtRest";
import { ElastiCacheEncryptedInTransit } from "../../policies/rules/ElastiCacheEncryptedInTransit";
import { IamNoAdminPolicy } from "../../policies/rules/IamNoAdminPolicy";
import { KmsKeyRotation } from "../../policies/rules/KmsKeyRotation";
import { LaunchTemplateHopLimit } from "../../policies/rules/LaunchTemplateHopLimit";
import { LaunchTemplateImdsv2Required } from "../../policies/rules/LaunchTemplateImdsv2Required";
import { LogGroupKmsEncrypted } from "../../policies/rules/LogGroupKmsEncrypted";
import { LogGroupRetention } from "../../policies/rules/LogGroupRetention";
import { NoLiteralSecrets } from "../../policies/rules/NoLiteralSecrets";
import { NoPublicRdpIngress } from "../../policies/rules/NoPublicRdpIngress";
import { NoPublicSshIngress } from "../../policies/rules/NoPublicSshIngress";
import { PublicLoadBalancerWaf } from "../../policies/rules/PublicLoadBalancerWaf";
import { RdsBackupRetention } from "../../policies/rules/RdsBackupRetention";
import { RdsDeletionProtection } from "../../policies/rules/RdsDeletionProtection";
import { RdsEnhancedMonitoring } from "../../policies/rules/RdsEnhancedMonitoring";
import { RdsIamAuthentication } from "../../policies/rules/RdsIamAuthentication";
import { RdsLogExports } from "../../policies/rules/RdsLogExports";
import { RdsMultiAzEnabled } from "../../policies/rules/RdsMultiAzEnabled";
import { RdsNotPubliclyAccessible } from "../../policies/rules/RdsNotPubliclyAccessible";
import { RdsPerformanceInsightsCmk } from "../../policies/rules/RdsPerformanceInsightsCmk";
import { RdsPerformanceInsightsEnabled } from "../../policies/rules/RdsPerformanceInsightsEnabled";
import { RdsProxyRequiresTls } from "../../policies/rules/RdsProxyRequiresTls";
import { RdsStorageEncrypted } from "../../policies/rules/RdsStorageEncrypted";
import { S3KmsDefaultEncryption } from "../../policies/rules/S3KmsDefaultEncryption";
import { S3PublicAccessBlocked } from "../../policies/rules/S3PublicAccessBlocked";
import { S3VersioningEnabled } from "../../policies/rules/S3VersioningEnabled";
import { VpcFlowLogsEnabled } from "../../policies/rules/VpcFlowLogsEnabled";
import type { Rule, Status } from "../../policies/types";
import { compliantEnvironment, goodBaseline, goodBucket, goodCluster, goodDb, goodLaunchTemplate, goodRedis, judge, stackJson, type Blocks } from "./fixtures";

interface Case {
  /** Completes "passes when ..." / "fails when ..." / "does not apply when ...". */
  readonly when: string;
  readonly blocks: Blocks;
  /** Address of the resource to judge; absent for stack-level rules. */
  readonly subject?: string;
  readonly status: Status;
  /** Exact message for non-compliant cases. */
  readonly message?: string;
}

const key = "${aws_kms_key.key.arn}";
const vpc = { "aws_vpc.main": { cidr_block: "10.0.0.0/16" } };
const db = (values: Record<string, unknown>): Blocks => ({ "aws_db_instance.db": { ...goodDb, ...values } });
const redis = (values: Record<string, unknown>): Blocks => ({ "aws_elasticache_replication_group.redis": { ...goodRedis, ...values } });
const cluster = (values: Record<string, unknown>): Blocks => ({ "aws_eks_cluster.cluster": { ...goodCluster, ...values } });
const policyDoc = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const withoutKey = (blocks: Blocks, address: string): Blocks => Object.fromEntries(Object.entries(blocks).filter(([a]) => a !== address));

const cases = new Map<Rule, Case[]>([
  [
    VpcFlowLogsEnabled,
    [
      { when: "an aws_flow_log references the VPC", subject: "aws_vpc.main", status: "compliant", blocks: { ...vpc, "aws_flow_log.f": { vpc_id: "${aws_vpc.main.id}" } } },
      { when: "no flow log references the VPC", subject: "aws_vpc.main", status: "non-compliant", message: "no aws_flow_log references this VPC", blocks: { ...vpc, "aws_flow_log.other": { vpc_id: "vpc-123" } } },
    ],
  ],
  [
    DefaultSecurityGroupRestricted,
    [
      { when: "the VPC's default security group is managed without rules", subject: "aws_vpc.main", status: "compliant", blocks: { ...vpc, "aws_default_security_group.d": { vpc_id: "${aws_vpc.main.id}" } } },
      { when: "no aws_default_security_group manages the VPC's default group", subject: "aws_vpc.main", status: "non-compliant", message: "no aws_default_security_group manages this VPC's default security group", blocks: vpc },
      {
        when: "the default security group keeps an ingress rule",
        subject: "aws_default_security_group.d",
        status: "non-compliant",
        message: "the default security group has 1 ingress/egress rule(s)",
        blocks: { ...vpc, "aws_default_security_group.d": { vpc_id: "${aws_vpc.main.id}", ingress: [{ protocol: "-1", self: true, from_port: 0, to_port: 0 }] } },
      },
    ],
  ],
  [
    NoPublicSshIngress,
    [
      { when: "port 22 is open only to an admin CIDR", subject: "aws_security_group.sg", status: "compliant", blocks: { "aws_security_group.sg": { ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["203.0.113.0/24"] }] } } },
      { when: "0.0.0.0/0 reaches only port 443", subject: "aws_security_group.sg", status: "compliant", blocks: { "aws_security_group.sg": { ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"] }] } } },
      {
        when: "an aws_security_group ingress block opens 22 to 0.0.0.0/0",
        subject: "aws_security_group.sg",
        status: "non-compliant",
        message: "ingress tcp 22-22 from 0.0.0.0/0 includes port 22",
        blocks: { "aws_security_group.sg": { ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"] }] } },
      },
      {
        when: "an aws_vpc_security_group_ingress_rule opens all protocols to ::/0",
        subject: "aws_vpc_security_group_ingress_rule.r",
        status: "non-compliant",
        message: "ingress -1 all ports from ::/0 includes port 22",
        blocks: { "aws_vpc_security_group_ingress_rule.r": { ip_protocol: "-1", cidr_ipv6: "::/0", security_group_id: "sg-1" } },
      },
      {
        when: "an aws_security_group_rule of type ingress opens a port range containing 22",
        subject: "aws_security_group_rule.r",
        status: "non-compliant",
        message: "ingress tcp 0-1024 from 0.0.0.0/0 includes port 22",
        blocks: { "aws_security_group_rule.r": { type: "ingress", protocol: "tcp", from_port: 0, to_port: 1024, cidr_blocks: ["0.0.0.0/0"] } },
      },
      { when: "an aws_security_group_rule of type egress allows 22 to 0.0.0.0/0", subject: "aws_security_group_rule.r", status: "compliant", blocks: { "aws_security_group_rule.r": { type: "egress", protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"] } } },
    ],
  ],
  [
    NoPublicRdpIngress,
    [
      { when: "0.0.0.0/0 reaches port 22 but not 3389", subject: "aws_security_group.sg", status: "compliant", blocks: { "aws_security_group.sg": { ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["10.0.0.0/8"] }] } } },
      {
        when: "an aws_vpc_security_group_ingress_rule opens 3389 to 0.0.0.0/0",
        subject: "aws_vpc_security_group_ingress_rule.r",
        status: "non-compliant",
        message: "ingress tcp 3389-3389 from 0.0.0.0/0 includes port 3389",
        blocks: { "aws_vpc_security_group_ingress_rule.r": { ip_protocol: "tcp", from_port: 3389, to_port: 3389, cidr_ipv4: "0.0.0.0/0" } },
      },
    ],
  ],
  [
    EksSecretsEncrypted,
    [
      { when: "secrets are encrypted with a KMS key", subject: "aws_eks_cluster.cluster", status: "compliant", blocks: cluster({}) },
      { when: "encryption_config is absent", subject: "aws_eks_cluster.cluster", status: "non-compliant", message: "encryption_config is absent", blocks: cluster({ encryption_config: undefined }) },
      { when: 'encryption_config does not cover "secrets"', subject: "aws_eks_cluster.cluster", status: "non-compliant", message: 'encryption_config.resources does not include "secrets"', blocks: cluster({ encryption_config: { resources: [], provider: { key_arn: key } } }) },
    ],
  ],
  [
    EksControlPlaneLogging,
    [
      { when: "all five log types are enabled", subject: "aws_eks_cluster.cluster", status: "compliant", blocks: cluster({}) },
      { when: "only api and audit logs are enabled", subject: "aws_eks_cluster.cluster", status: "non-compliant", message: "enabled_cluster_log_types is missing authenticator, controllerManager, scheduler", blocks: cluster({ enabled_cluster_log_types: ["api", "audit"] }) },
    ],
  ],
  [
    EksPublicEndpointRestricted,
    [
      { when: "the public endpoint is disabled", subject: "aws_eks_cluster.cluster", status: "compliant", blocks: cluster({}) },
      { when: "the public endpoint is restricted to admin CIDRs", subject: "aws_eks_cluster.cluster", status: "compliant", blocks: cluster({ vpc_config: { endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] } }) },
      { when: "the public endpoint allows 0.0.0.0/0", subject: "aws_eks_cluster.cluster", status: "non-compliant", message: "the public endpoint is enabled for 0.0.0.0/0", blocks: cluster({ vpc_config: { endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24", "0.0.0.0/0"] } }) },
      { when: "the public endpoint is on by default with no CIDR list", subject: "aws_eks_cluster.cluster", status: "non-compliant", message: "the public endpoint is enabled and public_access_cidrs is absent (defaults to 0.0.0.0/0)", blocks: cluster({ vpc_config: { subnet_ids: ["subnet-1"] } }) },
    ],
  ],
  [
    EksPublicEndpointDisabled,
    [
      { when: "endpoint_public_access is false", subject: "aws_eks_cluster.cluster", status: "compliant", blocks: cluster({}) },
      { when: "the public endpoint is on, even restricted", subject: "aws_eks_cluster.cluster", status: "non-compliant", message: "vpc_config.endpoint_public_access is true (the default is true)", blocks: cluster({ vpc_config: { endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] } }) },
    ],
  ],
  [
    LaunchTemplateImdsv2Required,
    [
      { when: 'http_tokens is "required"', subject: "aws_launch_template.lt", status: "compliant", blocks: { "aws_launch_template.lt": goodLaunchTemplate } },
      { when: "metadata_options is absent", subject: "aws_launch_template.lt", status: "non-compliant", message: 'metadata_options.http_tokens is absent; expected "required"', blocks: { "aws_launch_template.lt": {} } },
      { when: 'http_tokens is "optional"', subject: "aws_launch_template.lt", status: "non-compliant", message: 'metadata_options.http_tokens is "optional"; expected "required"', blocks: { "aws_launch_template.lt": { metadata_options: { http_tokens: "optional" } } } },
    ],
  ],
  [
    LaunchTemplateHopLimit,
    [
      { when: "the hop limit is 1", subject: "aws_launch_template.lt", status: "compliant", blocks: { "aws_launch_template.lt": goodLaunchTemplate } },
      { when: "the hop limit is 2", subject: "aws_launch_template.lt", status: "non-compliant", message: "metadata_options.http_put_response_hop_limit is 2; expected 1", blocks: { "aws_launch_template.lt": { metadata_options: { http_tokens: "required", http_put_response_hop_limit: 2 } } } },
      { when: "the hop limit is left to the AMI", subject: "aws_launch_template.lt", status: "non-compliant", message: "metadata_options.http_put_response_hop_limit is absent; expected 1", blocks: { "aws_launch_template.lt": { metadata_options: { http_tokens: "required" } } } },
    ],
  ],
  [
    EksNodeGroupLaunchTemplate,
    [
      {
        when: "the node group uses a compliant launch template of the stack",
        subject: "aws_eks_node_group.ng",
        status: "compliant",
        blocks: { "aws_launch_template.lt": goodLaunchTemplate, "aws_eks_node_group.ng": { launch_template: { id: "${aws_launch_template.lt.id}", version: "1" } } },
      },
      { when: "the node group has no launch template", subject: "aws_eks_node_group.ng", status: "non-compliant", message: "launch_template is absent, so EKS uses its default template (hop limit 2)", blocks: { "aws_eks_node_group.ng": { cluster_name: "c" } } },
      {
        when: "the node group's launch template allows hop limit 2",
        subject: "aws_eks_node_group.ng",
        status: "non-compliant",
        message: "aws_launch_template.lt: metadata_options.http_put_response_hop_limit is 2; expected 1",
        blocks: {
          "aws_launch_template.lt": { metadata_options: { http_tokens: "required", http_put_response_hop_limit: 2 } },
          "aws_eks_node_group.ng": { launch_template: { id: "${aws_launch_template.lt.id}", version: "1" } },
        },
      },
    ],
  ],
  [
    RdsStorageEncrypted,
    [
      { when: "storage_encrypted is true", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "a replica's source is encrypted", subject: "aws_db_instance.replica", status: "compliant", blocks: { ...db({}), "aws_db_instance.replica": { replicate_source_db: "${aws_db_instance.db.identifier}" } } },
      { when: "storage_encrypted is false", subject: "aws_db_instance.db", status: "non-compliant", message: "storage_encrypted is false", blocks: db({ storage_encrypted: false }) },
      { when: "a replica's source is not encrypted", subject: "aws_db_instance.replica", status: "non-compliant", message: "storage_encrypted is absent", blocks: { ...db({ storage_encrypted: false }), "aws_db_instance.replica": { replicate_source_db: "${aws_db_instance.db.identifier}" } } },
    ],
  ],
  [
    RdsNotPubliclyAccessible,
    [
      { when: "publicly_accessible is false", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "publicly_accessible is true", subject: "aws_db_instance.db", status: "non-compliant", message: "publicly_accessible is true", blocks: db({ publicly_accessible: true }) },
    ],
  ],
  [
    RdsMultiAzEnabled,
    [
      { when: "multi_az is true", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "the instance is a read replica", subject: "aws_db_instance.db", status: "not-applicable", blocks: db({ multi_az: false, replicate_source_db: "src" }) },
      { when: "multi_az is false", subject: "aws_db_instance.db", status: "non-compliant", message: "multi_az is false", blocks: db({ multi_az: false }) },
    ],
  ],
  [
    RdsBackupRetention,
    [
      { when: "backups are kept 7 days", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "backup_retention_period is 0", subject: "aws_db_instance.db", status: "non-compliant", message: "backup_retention_period is 0", blocks: db({ backup_retention_period: 0 }) },
      { when: "backup_retention_period is absent (Terraform default 0)", subject: "aws_db_instance.db", status: "non-compliant", message: "backup_retention_period is absent", blocks: db({ backup_retention_period: undefined }) },
    ],
  ],
  [
    RdsIamAuthentication,
    [
      { when: "IAM authentication is enabled", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "IAM authentication is absent", subject: "aws_db_instance.db", status: "non-compliant", message: "iam_database_authentication_enabled is absent", blocks: db({ iam_database_authentication_enabled: undefined }) },
    ],
  ],
  [
    RdsDeletionProtection,
    [
      { when: "deletion protection is on", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "deletion protection is off", subject: "aws_db_instance.db", status: "non-compliant", message: "deletion_protection is false", blocks: db({ deletion_protection: false }) },
    ],
  ],
  [
    RdsPerformanceInsightsEnabled,
    [
      { when: "Performance Insights is enabled", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "Performance Insights is disabled", subject: "aws_db_instance.db", status: "non-compliant", message: "performance_insights_enabled is false", blocks: db({ performance_insights_enabled: false }) },
    ],
  ],
  [
    RdsPerformanceInsightsCmk,
    [
      { when: "Performance Insights uses a CMK", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "Performance Insights is disabled", subject: "aws_db_instance.db", status: "not-applicable", blocks: db({ performance_insights_enabled: false }) },
      { when: "Performance Insights uses the AWS-managed key", subject: "aws_db_instance.db", status: "non-compliant", message: "performance_insights_kms_key_id is absent (AWS-managed key)", blocks: db({ performance_insights_kms_key_id: undefined }) },
    ],
  ],
  [
    RdsEnhancedMonitoring,
    [
      { when: "monitoring_interval is 60 with a role", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "monitoring_interval is 0", subject: "aws_db_instance.db", status: "non-compliant", message: "monitoring_interval is 0", blocks: db({ monitoring_interval: 0 }) },
      { when: "monitoring_role_arn is absent", subject: "aws_db_instance.db", status: "non-compliant", message: "monitoring_role_arn is absent", blocks: db({ monitoring_role_arn: undefined }) },
    ],
  ],
  [
    RdsLogExports,
    [
      { when: "PostgreSQL exports the postgresql log", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "no logs are exported", subject: "aws_db_instance.db", status: "non-compliant", message: "enabled_cloudwatch_logs_exports is empty", blocks: db({ enabled_cloudwatch_logs_exports: undefined }) },
      { when: "PostgreSQL exports only the upgrade log", subject: "aws_db_instance.db", status: "non-compliant", message: 'enabled_cloudwatch_logs_exports does not include "postgresql"', blocks: db({ enabled_cloudwatch_logs_exports: ["upgrade"] }) },
    ],
  ],
  [
    RdsProxyRequiresTls,
    [
      { when: "require_tls is true", subject: "aws_db_proxy.p", status: "compliant", blocks: { "aws_db_proxy.p": { require_tls: true } } },
      { when: "require_tls is absent", subject: "aws_db_proxy.p", status: "non-compliant", message: "require_tls is absent", blocks: { "aws_db_proxy.p": { engine_family: "POSTGRESQL" } } },
    ],
  ],
  [
    ElastiCacheEncryptedAtRest,
    [
      { when: 'at_rest_encryption_enabled is "true"', subject: "aws_elasticache_replication_group.redis", status: "compliant", blocks: redis({}) },
      { when: "at_rest_encryption_enabled is absent", subject: "aws_elasticache_replication_group.redis", status: "non-compliant", message: "at_rest_encryption_enabled is absent", blocks: redis({ at_rest_encryption_enabled: undefined }) },
    ],
  ],
  [
    ElastiCacheEncryptedInTransit,
    [
      { when: "transit encryption is enabled", subject: "aws_elasticache_replication_group.redis", status: "compliant", blocks: redis({}) },
      { when: "transit encryption is disabled", subject: "aws_elasticache_replication_group.redis", status: "non-compliant", message: "transit_encryption_enabled is false", blocks: redis({ transit_encryption_enabled: false }) },
      { when: 'transit_encryption_mode is "preferred"', subject: "aws_elasticache_replication_group.redis", status: "non-compliant", message: 'transit_encryption_mode is "preferred", which still accepts plaintext', blocks: redis({ transit_encryption_mode: "preferred" }) },
    ],
  ],
  [
    ElastiCacheAuthEnabled,
    [
      { when: "RBAC user groups are attached", subject: "aws_elasticache_replication_group.redis", status: "compliant", blocks: redis({}) },
      { when: "an auth token reference is set", subject: "aws_elasticache_replication_group.redis", status: "compliant", blocks: redis({ user_group_ids: undefined, auth_token: "${random_password.redis.result}" }) },
      { when: "neither RBAC nor a token is set", subject: "aws_elasticache_replication_group.redis", status: "non-compliant", message: "neither user_group_ids nor auth_token is set", blocks: redis({ user_group_ids: undefined }) },
      { when: "transit encryption is off", subject: "aws_elasticache_replication_group.redis", status: "non-compliant", message: "transit_encryption_enabled is not true, so Redis AUTH and RBAC are unavailable", blocks: redis({ transit_encryption_enabled: false }) },
    ],
  ],
  [
    ElastiCacheCmk,
    [
      { when: "kms_key_id is set", subject: "aws_elasticache_replication_group.redis", status: "compliant", blocks: redis({}) },
      { when: "kms_key_id is absent", subject: "aws_elasticache_replication_group.redis", status: "non-compliant", message: "kms_key_id is absent (AWS-managed key)", blocks: redis({ kms_key_id: undefined }) },
    ],
  ],
  [
    ElastiCacheAutomaticFailover,
    [
      { when: "automatic failover is enabled", subject: "aws_elasticache_replication_group.redis", status: "compliant", blocks: redis({}) },
      { when: "automatic failover is disabled", subject: "aws_elasticache_replication_group.redis", status: "non-compliant", message: "automatic_failover_enabled is false", blocks: redis({ automatic_failover_enabled: false }) },
    ],
  ],
  [
    S3VersioningEnabled,
    [
      { when: "an aws_s3_bucket_versioning enables versioning", subject: "aws_s3_bucket.state", status: "compliant", blocks: goodBucket },
      { when: "no versioning resource references the bucket", subject: "aws_s3_bucket.state", status: "non-compliant", message: "no aws_s3_bucket_versioning references this bucket", blocks: withoutKey(goodBucket, "aws_s3_bucket_versioning.state") },
      {
        when: "versioning is suspended",
        subject: "aws_s3_bucket.state",
        status: "non-compliant",
        message: 'aws_s3_bucket_versioning.state does not set versioning_configuration.status to "Enabled"',
        blocks: { ...goodBucket, "aws_s3_bucket_versioning.state": { bucket: "${aws_s3_bucket.state.id}", versioning_configuration: { status: "Suspended" } } },
      },
    ],
  ],
  [
    S3KmsDefaultEncryption,
    [
      { when: "default encryption is aws:kms", subject: "aws_s3_bucket.state", status: "compliant", blocks: goodBucket },
      {
        when: "default encryption is AES256",
        subject: "aws_s3_bucket.state",
        status: "non-compliant",
        message: "default encryption is AES256; expected aws:kms",
        blocks: { ...goodBucket, "aws_s3_bucket_server_side_encryption_configuration.state": { bucket: "${aws_s3_bucket.state.id}", rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] } },
      },
      { when: "no encryption configuration references the bucket", subject: "aws_s3_bucket.state", status: "non-compliant", message: "no aws_s3_bucket_server_side_encryption_configuration references this bucket", blocks: withoutKey(goodBucket, "aws_s3_bucket_server_side_encryption_configuration.state") },
    ],
  ],
  [
    S3PublicAccessBlocked,
    [
      { when: "all four settings are true", subject: "aws_s3_bucket.state", status: "compliant", blocks: goodBucket },
      { when: "no public access block references the bucket", subject: "aws_s3_bucket.state", status: "non-compliant", message: "no aws_s3_bucket_public_access_block references this bucket", blocks: withoutKey(goodBucket, "aws_s3_bucket_public_access_block.state") },
      {
        when: "restrict_public_buckets is false",
        subject: "aws_s3_bucket.state",
        status: "non-compliant",
        message: "restrict_public_buckets not true",
        blocks: { ...goodBucket, "aws_s3_bucket_public_access_block.state": { ...goodBucket["aws_s3_bucket_public_access_block.state"], restrict_public_buckets: false } },
      },
    ],
  ],
  [
    KmsKeyRotation,
    [
      { when: "rotation is enabled", subject: "aws_kms_key.k", status: "compliant", blocks: { "aws_kms_key.k": { enable_key_rotation: true } } },
      { when: "the key is asymmetric", subject: "aws_kms_key.k", status: "not-applicable", blocks: { "aws_kms_key.k": { customer_master_key_spec: "RSA_2048" } } },
      { when: "rotation is absent", subject: "aws_kms_key.k", status: "non-compliant", message: "enable_key_rotation is absent", blocks: { "aws_kms_key.k": { description: "k" } } },
    ],
  ],
  [
    LogGroupRetention,
    [
      { when: "retention is 365 days", subject: "aws_cloudwatch_log_group.g", status: "compliant", blocks: { "aws_cloudwatch_log_group.g": { retention_in_days: 365 } } },
      { when: "retention is 0 (never expire)", subject: "aws_cloudwatch_log_group.g", status: "compliant", blocks: { "aws_cloudwatch_log_group.g": { retention_in_days: 0 } } },
      { when: "retention is 30 days", subject: "aws_cloudwatch_log_group.g", status: "non-compliant", message: "retention_in_days is 30", blocks: { "aws_cloudwatch_log_group.g": { retention_in_days: 30 } } },
      { when: "retention is absent", subject: "aws_cloudwatch_log_group.g", status: "non-compliant", message: "retention_in_days is absent", blocks: { "aws_cloudwatch_log_group.g": {} } },
    ],
  ],
  [
    LogGroupKmsEncrypted,
    [
      { when: "kms_key_id is set", subject: "aws_cloudwatch_log_group.g", status: "compliant", blocks: { "aws_cloudwatch_log_group.g": { kms_key_id: key } } },
      { when: "kms_key_id is absent", subject: "aws_cloudwatch_log_group.g", status: "non-compliant", message: "kms_key_id is absent", blocks: { "aws_cloudwatch_log_group.g": { retention_in_days: 365 } } },
    ],
  ],
  [
    PublicLoadBalancerWaf,
    [
      { when: "a web ACL association references the public ALB", subject: "aws_lb.lb", status: "compliant", blocks: { "aws_lb.lb": { internal: false }, "aws_wafv2_web_acl_association.a": { resource_arn: "${aws_lb.lb.arn}" } } },
      { when: "the ALB is internal", subject: "aws_lb.lb", status: "not-applicable", blocks: { "aws_lb.lb": { internal: true } } },
      { when: "the load balancer is a network load balancer", subject: "aws_lb.lb", status: "not-applicable", blocks: { "aws_lb.lb": { load_balancer_type: "network" } } },
      { when: "an internet-facing ALB has no web ACL association", subject: "aws_lb.lb", status: "non-compliant", message: "internet-facing and no aws_wafv2_web_acl_association references it", blocks: { "aws_lb.lb": { internal: false, load_balancer_type: "application" } } },
    ],
  ],
  [
    EcrImmutableTags,
    [
      { when: "tags are IMMUTABLE", subject: "aws_ecr_repository.r", status: "compliant", blocks: { "aws_ecr_repository.r": { image_tag_mutability: "IMMUTABLE" } } },
      { when: "tag mutability is left at the default", subject: "aws_ecr_repository.r", status: "non-compliant", message: 'image_tag_mutability is absent (the default is "MUTABLE")', blocks: { "aws_ecr_repository.r": {} } },
    ],
  ],
  [
    EcrScanOnPush,
    [
      { when: "scan_on_push is true", subject: "aws_ecr_repository.r", status: "compliant", blocks: { "aws_ecr_repository.r": { image_scanning_configuration: { scan_on_push: true } } } },
      { when: "scan_on_push is false", subject: "aws_ecr_repository.r", status: "non-compliant", message: "image_scanning_configuration.scan_on_push is not true", blocks: { "aws_ecr_repository.r": { image_scanning_configuration: { scan_on_push: false } } } },
    ],
  ],
  [
    EcrKmsEncrypted,
    [
      { when: "encryption_type is KMS", subject: "aws_ecr_repository.r", status: "compliant", blocks: { "aws_ecr_repository.r": { encryption_configuration: [{ encryption_type: "KMS" }] } } },
      { when: "encryption_configuration is absent", subject: "aws_ecr_repository.r", status: "non-compliant", message: 'encryption_configuration.encryption_type is absent (the default is "AES256")', blocks: { "aws_ecr_repository.r": {} } },
    ],
  ],
  [
    IamNoAdminPolicy,
    [
      { when: "the policy lists its actions and resources", subject: "aws_iam_policy.p", status: "compliant", blocks: { "aws_iam_policy.p": { policy: policyDoc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }) } } },
      { when: '"*" on "*" is denied, not allowed', subject: "aws_iam_policy.p", status: "compliant", blocks: { "aws_iam_policy.p": { policy: policyDoc({ Effect: "Deny", Action: "*", Resource: "*" }) } } },
      { when: "the policy is a jsonencode expression", subject: "aws_iam_policy.p", status: "not-applicable", blocks: { "aws_iam_policy.p": { policy: "${jsonencode(local.doc)}" } } },
      { when: "an aws_iam_policy allows * on *", subject: "aws_iam_policy.p", status: "non-compliant", message: 'policy allows "*" on "*"', blocks: { "aws_iam_policy.p": { policy: policyDoc({ Effect: "Allow", Action: ["*"], Resource: "*" }) } } },
      { when: "an aws_iam_role_policy allows * on *", subject: "aws_iam_role_policy.p", status: "non-compliant", message: 'policy allows "*" on "*"', blocks: { "aws_iam_role_policy.p": { role: "r", policy: policyDoc({ Effect: "Allow", Action: "*", Resource: ["*"] }) } } },
      { when: "a role's inline_policy allows * on *", subject: "aws_iam_role.r", status: "non-compliant", message: 'inline_policy[0] allows "*" on "*"', blocks: { "aws_iam_role.r": { assume_role_policy: "{}", inline_policy: [{ name: "admin", policy: policyDoc({ Effect: "Allow", Action: "*", Resource: "*" }) }] } } },
      {
        when: "the policy references an aws_iam_policy_document that allows * on *",
        subject: "aws_iam_policy.p",
        status: "non-compliant",
        message: 'data.aws_iam_policy_document.doc allows "*" on "*"',
        blocks: { "data.aws_iam_policy_document.doc": { statement: [{ actions: ["*"], resources: ["*"] }] }, "aws_iam_policy.p": { policy: "${data.aws_iam_policy_document.doc.json}" } },
      },
      { when: "a role attaches a job policy such as AmazonEKSWorkerNodePolicy", subject: "aws_iam_role_policy_attachment.a", status: "compliant", blocks: { "aws_iam_role_policy_attachment.a": { role: "r", policy_arn: "arn:${data.aws_partition.p.partition}:iam::aws:policy/AmazonEKSWorkerNodePolicy" } } },
      { when: "a role attaches ReadOnlyAccess (read actions only, allowed explicitly)", subject: "aws_iam_role_policy_attachment.a", status: "compliant", blocks: { "aws_iam_role_policy_attachment.a": { role: "r", policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" } } },
      { when: "a statement denies with NotAction", subject: "aws_iam_policy.p", status: "compliant", blocks: { "aws_iam_policy.p": { policy: policyDoc({ Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" }) } } },
      { when: "a role attaches PowerUserAccess", subject: "aws_iam_role_policy_attachment.a", status: "non-compliant", message: "attaches the AWS managed policy PowerUserAccess", blocks: { "aws_iam_role_policy_attachment.a": { role: "r", policy_arn: "arn:${data.aws_partition.p.partition}:iam::aws:policy/PowerUserAccess" } } },
      { when: "a user attaches AdministratorAccess", subject: "aws_iam_user_policy_attachment.a", status: "non-compliant", message: "attaches the AWS managed policy AdministratorAccess", blocks: { "aws_iam_user_policy_attachment.a": { user: "u", policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" } } },
      { when: "a role lists IAMFullAccess in managed_policy_arns", subject: "aws_iam_role.r", status: "non-compliant", message: "attaches the AWS managed policy IAMFullAccess", blocks: { "aws_iam_role.r": { assume_role_policy: "{}", managed_policy_arns: ["arn:aws:iam::aws:policy/IAMFullAccess"] } } },
      { when: "an allow statement uses NotAction", subject: "aws_iam_role_policy.p", status: "non-compliant", message: "policy allows NotAction (every action except a list)", blocks: { "aws_iam_role_policy.p": { role: "r", policy: policyDoc({ Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }) } } },
      {
        when: "the policy references an aws_iam_policy_document that allows not_actions",
        subject: "aws_iam_policy.p",
        status: "non-compliant",
        message: "data.aws_iam_policy_document.doc allows NotAction (every action except a list)",
        blocks: { "data.aws_iam_policy_document.doc": { statement: [{ not_actions: ["iam:*"], resources: ["*"] }] }, "aws_iam_policy.p": { policy: "${data.aws_iam_policy_document.doc.json}" } },
      },
    ],
  ],
  [
    NoLiteralSecrets,
    [
      { when: "RDS manages the master password", subject: "aws_db_instance.db", status: "compliant", blocks: db({}) },
      { when: "the Redis auth token is a reference", subject: "aws_elasticache_replication_group.redis", status: "compliant", blocks: redis({ auth_token: "${random_password.redis.result}" }) },
      { when: "the RDS password is a literal", subject: "aws_db_instance.db", status: "non-compliant", message: "password is a literal value", blocks: db({ manage_master_user_password: undefined, password: "hunter2hunter2" }) },
      { when: "the Redis auth token is a literal", subject: "aws_elasticache_replication_group.redis", status: "non-compliant", message: "auth_token is a literal value", blocks: redis({ auth_token: "literal-token-1234567890" }) },
      { when: "an ElastiCache user's password is a literal", subject: "aws_elasticache_user.u", status: "non-compliant", message: "authentication_mode.passwords is a literal value", blocks: { "aws_elasticache_user.u": { authentication_mode: { type: "password", passwords: ["a-literal-password-123"] } } } },
      { when: "an ElastiCache user authenticates with IAM", subject: "aws_elasticache_user.u", status: "compliant", blocks: { "aws_elasticache_user.u": { authentication_mode: { type: "iam" } } } },
      { when: "a SecureString parameter value is a literal", subject: "aws_ssm_parameter.p", status: "non-compliant", message: "value is a literal value", blocks: { "aws_ssm_parameter.p": { type: "SecureString", value: "s3cr3t-value" } } },
    ],
  ],
  [
    CloudTrailMultiRegion,
    [
      { when: "the trail is multi-region", subject: "aws_cloudtrail.trail", status: "compliant", blocks: goodBaseline },
      { when: "the trail is single-region", subject: "aws_cloudtrail.t", status: "non-compliant", message: "is_multi_region_trail is absent", blocks: { "aws_cloudtrail.t": {} } },
    ],
  ],
  [
    CloudTrailLogValidation,
    [
      { when: "log file validation is on", subject: "aws_cloudtrail.trail", status: "compliant", blocks: goodBaseline },
      { when: "log file validation is off", subject: "aws_cloudtrail.t", status: "non-compliant", message: "enable_log_file_validation is false", blocks: { "aws_cloudtrail.t": { enable_log_file_validation: false } } },
    ],
  ],
  [
    CloudTrailKmsEncrypted,
    [
      { when: "kms_key_id is set", subject: "aws_cloudtrail.trail", status: "compliant", blocks: goodBaseline },
      { when: "kms_key_id is absent", subject: "aws_cloudtrail.t", status: "non-compliant", message: "kms_key_id is absent", blocks: { "aws_cloudtrail.t": {} } },
    ],
  ],
  [
    AccountCloudTrailEnabled,
    [
      { when: "a compliant trail exists", status: "compliant", blocks: goodBaseline },
      { when: "the stack has no trail", status: "non-compliant", message: "no aws_cloudtrail in the stack", blocks: withoutKey(goodBaseline, "aws_cloudtrail.trail") },
      { when: "the only trail is single-region", status: "non-compliant", message: "no aws_cloudtrail is multi-region with log file validation and KMS (aws_cloudtrail.t)", blocks: { "aws_cloudtrail.t": { enable_log_file_validation: true, kms_key_id: key } } },
    ],
  ],
  [
    AccountGuardDutyEnabled,
    [
      { when: "an enabled detector exists", status: "compliant", blocks: goodBaseline },
      { when: "the stack has no detector", status: "non-compliant", message: "no aws_guardduty_detector in the stack", blocks: {} },
      { when: "the detector is disabled", status: "non-compliant", message: "every aws_guardduty_detector has enable = false", blocks: { "aws_guardduty_detector.d": { enable: false } } },
    ],
  ],
  [
    AccountSecurityHubEnabled,
    [
      { when: "aws_securityhub_account exists", status: "compliant", blocks: goodBaseline },
      { when: "the stack does not enable Security Hub", status: "non-compliant", message: "no aws_securityhub_account in the stack", blocks: {} },
    ],
  ],
  [
    AccountConfigRecorderEnabled,
    [
      { when: "a recorder exists and its status is enabled", status: "compliant", blocks: goodBaseline },
      { when: "the stack has no recorder", status: "non-compliant", message: "no aws_config_configuration_recorder in the stack", blocks: {} },
      { when: "the recorder is never started", status: "non-compliant", message: "no aws_config_configuration_recorder_status with is_enabled = true references the recorder", blocks: withoutKey(goodBaseline, "aws_config_configuration_recorder_status.recorder") },
    ],
  ],
]);

const verb: Record<Status, string> = { compliant: "passes when", "non-compliant": "fails when", "not-applicable": "does not apply when" };

describe.each([...cases.entries()].map(([rule, list]) => ({ rule, list, name: `${rule.id} ${rule.title}` })))("$name", ({ rule, list }) => {
  it.each(list.map((c) => ({ ...c, title: `${verb[c.status]} ${c.when}` })))("$title", (c) => {
    const outcome = judge(rule, c.blocks, c.subject);
    expect(outcome.status).toBe(c.status);
    if (c.status === "non-compliant") expect(outcome.message).toBe(c.message);
  });
});

describe("the rule pack", () => {
  it("has a compliant and a non-compliant case for every rule", () => {
    const missing = rules.filter((r) => {
      const statuses = (cases.get(r) ?? []).map((c) => c.status);
      return !statuses.includes("compliant") || !statuses.includes("non-compliant");
    });
    expect(missing.map((r) => r.id)).toEqual([]);
  });

  it("registers every rule file exactly once, exported under the file's name", async () => {
    const files = readdirSync(new URL("../../policies/rules/", import.meta.url))
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => f.replace(/\.ts$/, ""));
    for (const file of files) {
      const module = (await import(`../../policies/rules/${file}.ts`)) as Record<string, Rule>;
      expect(rules, file).toContain(module[file]);
    }
    expect(rules.length).toBe(files.length);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });

  it("uses checkov ids or GW_ ids, with a title, a fix and resource types", () => {
    for (const r of rules) {
      expect(r.id).toMatch(/^(CKV2?_AWS_\d+|GW_[A-Z0-9_]+)$/);
      expect(r.title.length).toBeGreaterThan(10);
      expect(r.fix.length).toBeGreaterThan(10);
      if (r.scope === "resource") expect(r.resourceTypes.length).toBeGreaterThan(0);
    }
  });

  it("finds nothing in an environment stack that satisfies every rule", () => {
    const report = evaluate("test", stackJson(compliantEnvironment()), { kind: "environment" });
    expect(report.findings).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.counts.checks).toBeGreaterThan(40);
  });
});
