import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { ElasticacheUser } from "@cdktf/provider-aws/lib/elasticache-user";
import { ElasticacheUserGroup } from "@cdktf/provider-aws/lib/elasticache-user-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";
import { EncryptedLogGroup } from "../security/log-group";

const PORT = 6379;

export interface CacheProps {
  /** Replication group id; also the prefix of its users and log group. */
  readonly replicationGroupId: string;
  readonly vpcId: string;
  /** Subnets in at least two AZs. */
  readonly subnetIds: readonly string[];
  /** The only security group allowed to connect (the cluster's nodes). */
  readonly clientSecurityGroupId: string;
  /** @default "7.1" */
  readonly engineVersion?: string;
  /** @default "cache.t4g.small" */
  readonly nodeType?: string;
  /**
   * Replicas of the primary; at least one, so automatic failover has a target.
   * @default 1
   */
  readonly replicas?: number;
  /** @default 7 */
  readonly snapshotRetentionDays?: number;
  /**
   * Days to keep the slow log.
   * @default 365
   */
  readonly logRetentionDays?: number;
}

/**
 * ElastiCache Redis 7 replication group: Multi-AZ with automatic failover,
 * encrypted at rest under a CMK and in transit (required), clients
 * authenticated as an IAM-authenticated RBAC user (no password exists, so
 * none can leak into the synth output), reachable only from the cluster.
 */
export class Cache extends Construct {
  readonly replicationGroup: ElasticacheReplicationGroup;
  readonly replicationGroupId: string;
  readonly primaryEndpoint: string;
  readonly readerEndpoint: string;
  /** RBAC user the services connect as, authenticating with IAM. */
  readonly userName: string;
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const replicas = props.replicas ?? 1;
    const engineVersion = props.engineVersion ?? "7.1";
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new Error(`Cache ${props.replicationGroupId}: replicas is ${replicas}; expected 1 to 5 (automatic failover needs a replica)`);
    }
    if (!/^7\.\d+$/.test(engineVersion)) {
      throw new Error(`Cache ${props.replicationGroupId}: engineVersion is "${engineVersion}"; expected Redis 7.x such as 7.1`);
    }
    const { region } = awsContext(this);

    const key = new EncryptionKey(this, "key", {
      description: `ElastiCache ${props.replicationGroupId}: data at rest`,
      alias: `${props.replicationGroupId}/elasticache`,
    });
    const logKey = new EncryptionKey(this, "log-key", {
      description: `ElastiCache ${props.replicationGroupId}: slow log`,
      alias: `${props.replicationGroupId}/elasticache-logs`,
      servicePrincipals: [`logs.${region}.amazonaws.com`],
    });
    const slowLog = new EncryptedLogGroup(this, "slow-log", {
      name: `/aws/elasticache/${props.replicationGroupId}/slow-log`,
      kmsKeyArn: logKey.arn,
      retentionDays: props.logRetentionDays,
    });

    const subnetGroup = new ElasticacheSubnetGroup(this, "subnet-group", {
      name: props.replicationGroupId,
      description: `Subnets of ${props.replicationGroupId}`,
      subnetIds: [...props.subnetIds],
    });
    const sg = new SecurityGroup(this, "security-group", {
      name: `${props.replicationGroupId}-redis`,
      description: `Redis ${props.replicationGroupId}: 6379 from the cluster nodes only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.replicationGroupId}-redis` },
    });
    this.securityGroupId = sg.id;
    new VpcSecurityGroupIngressRule(this, "from-nodes", {
      securityGroupId: sg.id,
      description: "Redis from the cluster nodes",
      ipProtocol: "tcp",
      fromPort: PORT,
      toPort: PORT,
      referencedSecurityGroupId: props.clientSecurityGroupId,
    });

    // A user group must contain a user named "default"; ours is switched off.
    const defaultUser = new ElasticacheUser(this, "default-user", {
      userId: `${props.replicationGroupId}-default`,
      userName: "default",
      engine: "redis",
      accessString: "off -@all",
      authenticationMode: { type: "no-password-required" },
    });
    // IAM authentication requires user id and user name to be equal.
    this.userName = `${props.replicationGroupId}-app`;
    const appUser = new ElasticacheUser(this, "app-user", {
      userId: this.userName,
      userName: this.userName,
      engine: "redis",
      accessString: "on ~* &* +@all -@dangerous",
      authenticationMode: { type: "iam" },
    });
    const userGroup = new ElasticacheUserGroup(this, "user-group", {
      userGroupId: props.replicationGroupId,
      engine: "redis",
      userIds: [defaultUser.userId, appUser.userId],
    });

    this.replicationGroup = new ElasticacheReplicationGroup(this, "replication-group", {
      replicationGroupId: props.replicationGroupId,
      description: `Redis for ${props.replicationGroupId}`,
      engine: "redis",
      engineVersion,
      nodeType: props.nodeType ?? "cache.t4g.small",
      port: PORT,
      numCacheClusters: 1 + replicas,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      atRestEncryptionEnabled: "true",
      kmsKeyId: key.arn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      userGroupIds: [userGroup.userGroupId],
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [sg.id],
      snapshotRetentionLimit: props.snapshotRetentionDays ?? 7,
      snapshotWindow: "03:00-04:00",
      maintenanceWindow: "sun:04:30-sun:05:30",
      autoMinorVersionUpgrade: "true",
      applyImmediately: false,
      logDeliveryConfiguration: [
        { destination: slowLog.name, destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" },
      ],
    });
    this.replicationGroupId = this.replicationGroup.replicationGroupId;
    this.primaryEndpoint = this.replicationGroup.primaryEndpointAddress;
    this.readerEndpoint = this.replicationGroup.readerEndpointAddress;
  }
}
