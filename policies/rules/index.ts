/** Every policy rule, in the order the report lists them. Add a new rule here and give it a test in tests/policies/rules.test.ts. */
import type { Rule } from "../types";
import { AccountCloudTrailEnabled } from "./AccountCloudTrailEnabled";
import { AccountConfigRecorderEnabled } from "./AccountConfigRecorderEnabled";
import { AccountGuardDutyEnabled } from "./AccountGuardDutyEnabled";
import { AccountSecurityHubEnabled } from "./AccountSecurityHubEnabled";
import { CloudTrailKmsEncrypted } from "./CloudTrailKmsEncrypted";
import { CloudTrailLogValidation } from "./CloudTrailLogValidation";
import { CloudTrailMultiRegion } from "./CloudTrailMultiRegion";
import { DefaultSecurityGroupRestricted } from "./DefaultSecurityGroupRestricted";
import { EcrImmutableTags } from "./EcrImmutableTags";
import { EcrKmsEncrypted } from "./EcrKmsEncrypted";
import { EcrScanOnPush } from "./EcrScanOnPush";
import { EksControlPlaneLogging } from "./EksControlPlaneLogging";
import { EksNodeGroupLaunchTemplate } from "./EksNodeGroupLaunchTemplate";
import { EksPublicEndpointDisabled } from "./EksPublicEndpointDisabled";
import { EksPublicEndpointRestricted } from "./EksPublicEndpointRestricted";
import { EksSecretsEncrypted } from "./EksSecretsEncrypted";
import { ElastiCacheAuthEnabled } from "./ElastiCacheAuthEnabled";
import { ElastiCacheAutomaticFailover } from "./ElastiCacheAutomaticFailover";
import { ElastiCacheCmk } from "./ElastiCacheCmk";
import { ElastiCacheEncryptedAtRest } from "./ElastiCacheEncryptedAtRest";
import { ElastiCacheEncryptedInTransit } from "./ElastiCacheEncryptedInTransit";
import { IamNoAdminPolicy } from "./IamNoAdminPolicy";
import { KmsKeyRotation } from "./KmsKeyRotation";
import { LaunchTemplateHopLimit } from "./LaunchTemplateHopLimit";
import { LaunchTemplateImdsv2Required } from "./LaunchTemplateImdsv2Required";
import { LogGroupKmsEncrypted } from "./LogGroupKmsEncrypted";
import { LogGroupRetention } from "./LogGroupRetention";
import { NoLiteralSecrets } from "./NoLiteralSecrets";
import { NoPublicRdpIngress } from "./NoPublicRdpIngress";
import { NoPublicSshIngress } from "./NoPublicSshIngress";
import { PublicLoadBalancerWaf } from "./PublicLoadBalancerWaf";
import { RdsBackupRetention } from "./RdsBackupRetention";
import { RdsDeletionProtection } from "./RdsDeletionProtection";
import { RdsEnhancedMonitoring } from "./RdsEnhancedMonitoring";
import { RdsIamAuthentication } from "./RdsIamAuthentication";
import { RdsLogExports } from "./RdsLogExports";
import { RdsMultiAzEnabled } from "./RdsMultiAzEnabled";
import { RdsNotPubliclyAccessible } from "./RdsNotPubliclyAccessible";
import { RdsPerformanceInsightsCmk } from "./RdsPerformanceInsightsCmk";
import { RdsPerformanceInsightsEnabled } from "./RdsPerformanceInsightsEnabled";
import { RdsProxyRequiresTls } from "./RdsProxyRequiresTls";
import { RdsStorageEncrypted } from "./RdsStorageEncrypted";
import { S3KmsDefaultEncryption } from "./S3KmsDefaultEncryption";
import { S3PublicAccessBlocked } from "./S3PublicAccessBlocked";
import { S3VersioningEnabled } from "./S3VersioningEnabled";
import { VpcFlowLogsEnabled } from "./VpcFlowLogsEnabled";

export const rules: readonly Rule[] = [
  VpcFlowLogsEnabled,
  DefaultSecurityGroupRestricted,
  NoPublicSshIngress,
  NoPublicRdpIngress,
  EksSecretsEncrypted,
  EksControlPlaneLogging,
  EksPublicEndpointRestricted,
  EksPublicEndpointDisabled,
  LaunchTemplateImdsv2Required,
  LaunchTemplateHopLimit,
  EksNodeGroupLaunchTemplate,
  RdsStorageEncrypted,
  RdsNotPubliclyAccessible,
  RdsMultiAzEnabled,
  RdsBackupRetention,
  RdsIamAuthentication,
  RdsDeletionProtection,
  RdsPerformanceInsightsEnabled,
  RdsPerformanceInsightsCmk,
  RdsEnhancedMonitoring,
  RdsLogExports,
  RdsProxyRequiresTls,
  ElastiCacheEncryptedAtRest,
  ElastiCacheEncryptedInTransit,
  ElastiCacheAuthEnabled,
  ElastiCacheCmk,
  ElastiCacheAutomaticFailover,
  S3VersioningEnabled,
  S3KmsDefaultEncryption,
  S3PublicAccessBlocked,
  KmsKeyRotation,
  LogGroupRetention,
  LogGroupKmsEncrypted,
  PublicLoadBalancerWaf,
  EcrImmutableTags,
  EcrScanOnPush,
  EcrKmsEncrypted,
  IamNoAdminPolicy,
  NoLiteralSecrets,
  CloudTrailMultiRegion,
  CloudTrailLogValidation,
  CloudTrailKmsEncrypted,
  AccountCloudTrailEnabled,
  AccountGuardDutyEnabled,
  AccountSecurityHubEnabled,
  AccountConfigRecorderEnabled,
];

/** Rules by id. */
export const rulesById: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, r]));
