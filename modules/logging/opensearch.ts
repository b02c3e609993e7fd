/**
 * Amazon OpenSearch Service domain for logs (Fluent Bit) and traces (Jaeger):
 * private subnets only, 443 from the cluster nodes only, encrypted at rest
 * with a CMK and between nodes, HTTPS with a TLS 1.2 minimum, fine-grained
 * access control whose master is an IAM role (no internal users, so no master
 * password exists anywhere), and audit, slow and application logs in
 * KMS-encrypted log groups kept at least a year.
 */
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { OpensearchDomain } from "@cdktf/provider-aws/lib/opensearch-domain";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";
import { EncryptedLogGroup } from "../security/log-group";

/** The domain's log types and the log group suffix of each. */
export const OPENSEARCH_LOG_TYPES = [
  ["AUDIT_LOGS", "audit"],
  ["ES_APPLICATION_LOGS", "application"],
  ["INDEX_SLOW_LOGS", "index-slow"],
  ["SEARCH_SLOW_LOGS", "search-slow"],
] as const;

/** TLS 1.2 minimum with forward-secret ciphers only. */
export const OPENSEARCH_TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10";

export interface OpenSearchDomainProps {
  /** Domain name: 3-28 lower-case letters, digits and hyphens, starting with a letter. */
  readonly domainName: string;
  readonly vpcId: string;
  /** Private subnets, one per AZ; the domain uses as many as it has zones. */
  readonly subnetIds: readonly string[];
  /** The only security group allowed to reach the domain on 443 (the cluster nodes). */
  readonly clientSecurityGroupId: string;
  /** IAM role that is the fine-grained access control master (maps other roles in OpenSearch). */
  readonly masterRoleArn: string;
  /**
   * Engine version; OpenSearch 2.x only.
   * @default "OpenSearch_2.19"
   */
  readonly engineVersion?: string;
  /** @default "r6g.large.search" */
  readonly instanceType?: string;
  /**
   * Data nodes; more than one spreads them over zones (zone awareness).
   * @default 2
   */
  readonly instanceCount?: number;
  /**
   * EBS gp3 volume per data node, in GiB.
   * @default 100
   */
  readonly volumeSizeGiB?: number;
  /**
   * Dedicated master nodes (3 recommended in production).
   * @default - none
   */
  readonly dedicatedMaster?: { readonly instanceType: string; readonly count: 3 | 5 };
  /**
   * Days to keep the domain's audit, slow and application logs.
   * @default 365
   */
  readonly logRetentionDays?: number;
}

/** An OpenSearch domain for logs and traces, private, encrypted and IAM-authenticated. */
export class OpenSearchLogsDomain extends Construct {
  readonly domain: OpensearchDomain;
  readonly key: EncryptionKey;
  readonly securityGroupId: string;
  readonly arn: string;
  /** HTTPS endpoint host name (no scheme). */
  readonly endpoint: string;
  readonly domainName: string;
  readonly zoneCount: number;
  readonly logGroupArns: string[] = [];

  constructor(scope: Construct, id: string, props: OpenSearchDomainProps) {
    super(scope, id);
    const name = props.domainName;
    if (!/^[a-z][a-z0-9-]{2,27}$/.test(name)) {
      throw new Error(`OpenSearchLogsDomain: domainName is "${name}"; expected 3-28 lower-case letters, digits and hyphens starting with a letter`);
    }
    const engineVersion = props.engineVersion ?? "OpenSearch_2.19";
    if (!/^OpenSearch_2\.\d+$/.test(engineVersion)) {
      throw new Error(`OpenSearchLogsDomain ${name}: engineVersion is "${engineVersion}"; expected OpenSearch_2.x`);
    }
    const instanceCount = props.instanceCount ?? 2;
    if (!Number.isInteger(instanceCount) || instanceCount < 1 || instanceCount > 80) {
      throw new Error(`OpenSearchLogsDomain ${name}: instanceCount is ${instanceCount}; expected an integer from 1 to 80`);
    }
    const volumeSizeGiB = props.volumeSizeGiB ?? 100;
    if (!Number.isInteger(volumeSizeGiB) || volumeSizeGiB < 10 || volumeSizeGiB > 16384) {
      throw new Error(`OpenSearchLogsDomain ${name}: volumeSizeGiB is ${volumeSizeGiB}; expected an integer from 10 to 16384`);
    }
    const instanceType = props.instanceType ?? "r6g.large.search";
    if (!/^[a-z0-9]+\.[a-z0-9]+\.search$/.test(instanceType)) {
      throw new Error(`OpenSearchLogsDomain ${name}: instanceType is "${instanceType}"; expected an OpenSearch instance type such as r6g.large.search`);
    }
    this.zoneCount = Math.min(instanceCount, props.subnetIds.length, 3);
    if (instanceCount > 1 && this.zoneCount < 2) {
      throw new Error(`OpenSearchLogsDomain ${name}: instanceCount is ${instanceCount} but subnetIds has ${props.subnetIds.length}; expected at least 2 subnets in different AZs`);
    }
    if (props.dedicatedMaster && ![3, 5].includes(props.dedicatedMaster.count)) {
      throw new Error(`OpenSearchLogsDomain ${name}: dedicatedMaster.count is ${props.dedicatedMaster.count}; expected 3 or 5`);
    }
    const { accountId, region, partition } = awsContext(this);
    const domainArn = `arn:${partition}:es:${region}:${accountId}:domain/${name}`;

    this.key = new EncryptionKey(this, "key", { description: `OpenSearch domain ${name}: data at rest`, alias: `${name}/opensearch` });
    const logKey = new EncryptionKey(this, "log-key", {
      description: `OpenSearch domain ${name}: audit, slow and application logs`,
      alias: `${name}/opensearch-logs`,
      servicePrincipals: [`logs.${region}.amazonaws.com`],
    });
    const logs = new Construct(this, "logs");
    const groups = OPENSEARCH_LOG_TYPES.map(([logType, suffix]) => {
      const group = new EncryptedLogGroup(logs, suffix, {
        name: `/aws/opensearch/${name}/${suffix}`,
        kmsKeyArn: logKey.arn,
        retentionDays: props.logRetentionDays ?? 365,
      });
      this.logGroupArns.push(group.arn);
      return { logType, group };
    });
    // OpenSearch writes to the log groups as the service; only for this domain.
    const logPolicy = new CloudwatchLogResourcePolicy(this, "log-resource-policy", {
      policyName: `opensearch-${name}`,
      policyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "OpenSearchWritesDomainLogs",
            Effect: "Allow",
            Principal: { Service: "es.amazonaws.com" },
            Action: ["logs:PutLogEvents", "logs:CreateLogStream"],
            Resource: groups.map(({ group }) => `${group.arn}:*`),
            Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": domainArn } },
          },
        ],
      }),
    });

    const sg = new SecurityGroup(this, "security-group", {
      name: `${name}-opensearch`,
      description: `OpenSearch ${name}: HTTPS from the cluster nodes only`,
      vpcId: props.vpcId,
    });
    new VpcSecurityGroupIngressRule(this, "https-from-nodes", {
      securityGroupId: sg.id,
      referencedSecurityGroupId: props.clientSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      description: "HTTPS from the EKS nodes",
    });
    this.securityGroupId = sg.id;

    this.domain = new OpensearchDomain(this, "domain", {
      domainName: name,
      engineVersion,
      clusterConfig: {
        instanceType,
        instanceCount,
        zoneAwarenessEnabled: this.zoneCount > 1,
        zoneAwarenessConfig: this.zoneCount > 1 ? { availabilityZoneCount: this.zoneCount } : undefined,
        dedicatedMasterEnabled: props.dedicatedMaster !== undefined,
        dedicatedMasterType: props.dedicatedMaster?.instanceType,
        dedicatedMasterCount: props.dedicatedMaster?.count,
      },
      ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: volumeSizeGiB },
      vpcOptions: { subnetIds: props.subnetIds.slice(0, this.zoneCount), securityGroupIds: [sg.id] },
      encryptAtRest: { enabled: true, kmsKeyId: this.key.arn },
      nodeToNodeEncryption: { enabled: true },
      domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: OPENSEARCH_TLS_POLICY },
      advancedSecurityOptions: {
        enabled: true,
        anonymousAuthEnabled: false,
        internalUserDatabaseEnabled: false,
        masterUserOptions: { masterUserArn: props.masterRoleArn },
      },
      // IAM decides who may call the domain; fine-grained access control maps those roles to permissions.
      accessPolicies: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountPrincipalsViaIam",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
            Action: ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete", "es:ESHttpPatch"],
            Resource: `${domainArn}/*`,
          },
        ],
      }),
      logPublishingOptions: groups.map(({ logType, group }) => ({ logType, cloudwatchLogGroupArn: group.arn, enabled: true })),
      softwareUpdateOptions: { autoSoftwareUpdateEnabled: true },
      dependsOn: [logPolicy],
    });
    this.arn = this.domain.arn;
    this.endpoint = this.domain.endpoint;
    this.domainName = name;
  }
}
