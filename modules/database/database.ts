import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbProxy } from "@cdktf/provider-aws/lib/db-proxy";
import { DbProxyDefaultTargetGroup } from "@cdktf/provider-aws/lib/db-proxy-default-target-group";
import { DbProxyTarget } from "@cdktf/provider-aws/lib/db-proxy-target";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";
import { EncryptedLogGroup } from "../security/log-group";
import { ServiceRole } from "../security/service-role";

/** PostgreSQL logs exported to CloudWatch. */
export const POSTGRES_LOG_EXPORTS = ["postgresql", "upgrade"] as const;
const PORT = 5432;

export interface DatabaseProps {
  /** Instance identifier of the primary; replicas are `<identifier>-replica-<n>`. */
  readonly identifier: string;
  readonly vpcId: string;
  /** Isolated database subnets, one per AZ. */
  readonly subnetIds: readonly string[];
  /** The only security group allowed to connect (the cluster's nodes), directly or through the proxy. */
  readonly clientSecurityGroupId: string;
  /** Subnets for the RDS Proxy endpoints (the nodes' private subnets). */
  readonly proxySubnetIds: readonly string[];
  /**
   * PostgreSQL 16 engine version.
   * @default "16.4"
   */
  readonly engineVersion?: string;
  /** @default "db.t4g.medium" */
  readonly instanceClass?: string;
  /** @default 20 */
  readonly allocatedStorageGiB?: number;
  /**
   * Storage autoscaling ceiling.
   * @default - 5x allocatedStorageGiB
   */
  readonly maxAllocatedStorageGiB?: number;
  /** @default true */
  readonly multiAz?: boolean;
  /**
   * Days of automated backups and point-in-time recovery.
   * @default 14
   */
  readonly backupRetentionDays?: number;
  /** @default true */
  readonly deletionProtection?: boolean;
  /**
   * Read replicas of the primary.
   * @default 0
   */
  readonly readReplicas?: number;
  /**
   * Enhanced monitoring granularity.
   * @default 60
   */
  readonly monitoringIntervalSeconds?: number;
  /** @default 7 */
  readonly performanceInsightsRetentionDays?: number;
  /**
   * Statements slower than this are logged.
   * @default 500
   */
  readonly slowQueryMs?: number;
  /**
   * Days to keep exported PostgreSQL logs.
   * @default 365
   */
  readonly logRetentionDays?: number;
}

/**
 * RDS PostgreSQL 16: encrypted with a CMK, private, TLS forced, IAM auth,
 * master password managed by Secrets Manager (never in code, synth output or
 * state), automated backups with PITR, Performance Insights under the CMK,
 * enhanced monitoring, log exports, an RDS Proxy requiring TLS and IAM auth,
 * and optional read replicas.
 */
export class Database extends Construct {
  readonly primary: DbInstance;
  readonly replicas: DbInstance[] = [];
  readonly proxy: DbProxy;
  readonly key: EncryptionKey;
  readonly securityGroupId: string;
  readonly instanceId: string;
  readonly endpoint: string;
  readonly proxyEndpoint: string;
  /** ARN of the Secrets Manager secret holding the master credentials. */
  readonly masterSecretArn: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const engineVersion = props.engineVersion ?? "16.4";
    const allocated = props.allocatedStorageGiB ?? 20;
    const maxAllocated = props.maxAllocatedStorageGiB ?? allocated * 5;
    const backupRetentionDays = props.backupRetentionDays ?? 14;
    const readReplicas = props.readReplicas ?? 0;
    const multiAz = props.multiAz ?? true;
    const deletionProtection = props.deletionProtection ?? true;
    const monitoringInterval = props.monitoringIntervalSeconds ?? 60;
    const piRetention = props.performanceInsightsRetentionDays ?? 7;
    if (!/^16(\.\d+)?$/.test(engineVersion)) {
      throw new Error(`Database ${props.identifier}: engineVersion is "${engineVersion}"; expected PostgreSQL 16 (16 or 16.x)`);
    }
    if (!Number.isInteger(backupRetentionDays) || backupRetentionDays < 1 || backupRetentionDays > 35) {
      throw new Error(`Database ${props.identifier}: backupRetentionDays is ${backupRetentionDays}; expected 1 to 35 (0 would disable backups and PITR)`);
    }
    if (maxAllocated < allocated) {
      throw new Error(`Database ${props.identifier}: maxAllocatedStorageGiB is ${maxAllocated}; expected at least allocatedStorageGiB (${allocated})`);
    }
    if (props.subnetIds.length < 2) {
      throw new Error(`Database ${props.identifier}: subnetIds has ${props.subnetIds.length} subnet(s); expected at least 2 in different AZs`);
    }
    const { region } = awsContext(this);

    this.key = new EncryptionKey(this, "key", {
      description: `RDS ${props.identifier}: storage, Performance Insights and master secret`,
      alias: `${props.identifier}/rds`,
    });
    const logKey = new EncryptionKey(this, "log-key", {
      description: `RDS ${props.identifier}: exported logs`,
      alias: `${props.identifier}/rds-logs`,
      servicePrincipals: [`logs.${region}.amazonaws.com`],
    });

    const subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: props.identifier,
      description: `Database subnets of ${props.identifier}`,
      subnetIds: [...props.subnetIds],
    });

    // Security groups declared without rules: Terraform removes AWS's default allow-all egress.
    const dbSg = new SecurityGroup(this, "security-group", {
      name: `${props.identifier}-rds`,
      description: `PostgreSQL ${props.identifier}: 5432 from the cluster nodes and the RDS Proxy only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.identifier}-rds` },
    });
    const proxySg = new SecurityGroup(this, "proxy-security-group", {
      name: `${props.identifier}-rds-proxy`,
      description: `RDS Proxy ${props.identifier}: 5432 from the cluster nodes, to the database only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.identifier}-rds-proxy` },
    });
    this.securityGroupId = dbSg.id;
    const rules = new Construct(this, "rules");
    new VpcSecurityGroupIngressRule(rules, "db-from-nodes", {
      securityGroupId: dbSg.id,
      description: "PostgreSQL from the cluster nodes",
      ipProtocol: "tcp",
      fromPort: PORT,
      toPort: PORT,
      referencedSecurityGroupId: props.clientSecurityGroupId,
    });
    new VpcSecurityGroupIngressRule(rules, "db-from-proxy", {
      securityGroupId: dbSg.id,
      description: "PostgreSQL from the RDS Proxy",
      ipProtocol: "tcp",
      fromPort: PORT,
      toPort: PORT,
      referencedSecurityGroupId: proxySg.id,
    });
    new VpcSecurityGroupIngressRule(rules, "proxy-from-nodes", {
      securityGroupId: proxySg.id,
      description: "PostgreSQL from the cluster nodes",
      ipProtocol: "tcp",
      fromPort: PORT,
      toPort: PORT,
      referencedSecurityGroupId: props.clientSecurityGroupId,
    });
    new VpcSecurityGroupEgressRule(rules, "proxy-to-db", {
      securityGroupId: proxySg.id,
      description: "PostgreSQL to the database",
      ipProtocol: "tcp",
      fromPort: PORT,
      toPort: PORT,
      referencedSecurityGroupId: dbSg.id,
    });

    const parameters = new DbParameterGroup(this, "parameters", {
      name: props.identifier,
      family: "postgres16",
      description: `PostgreSQL 16 for ${props.identifier}: TLS only, slow statements logged`,
      parameter: [
        { name: "rds.force_ssl", value: "1" },
        { name: "log_min_duration_statement", value: String(props.slowQueryMs ?? 500) },
        { name: "log_connections", value: "1" },
        { name: "log_disconnections", value: "1" },
        { name: "log_lock_waits", value: "1" },
        { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
      ],
      lifecycle: { createBeforeDestroy: true },
    });

    const monitoringRole = new ServiceRole(this, "monitoring-role", {
      name: `${props.identifier}-rds-monitoring`,
      servicePrincipal: "monitoring.rds.amazonaws.com",
      managedPolicies: ["service-role/AmazonRDSEnhancedMonitoringRole"],
    });

    // Pre-create the export log groups so they are encrypted and kept as long as we say.
    const logGroups = new Construct(this, "logs");
    const exportLogGroups = (instanceId: string, scope: Construct) =>
      POSTGRES_LOG_EXPORTS.map(
        (type) =>
          new EncryptedLogGroup(scope, type, {
            name: `/aws/rds/instance/${instanceId}/${type}`,
            kmsKeyArn: logKey.arn,
            retentionDays: props.logRetentionDays,
          }).logGroup,
      );

    const common = {
      instanceClass: props.instanceClass ?? "db.t4g.medium",
      storageEncrypted: true,
      kmsKeyId: this.key.arn,
      publiclyAccessible: false,
      vpcSecurityGroupIds: [dbSg.id],
      parameterGroupName: parameters.name,
      iamDatabaseAuthenticationEnabled: true,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: this.key.arn,
      performanceInsightsRetentionPeriod: piRetention,
      monitoringInterval,
      monitoringRoleArn: monitoringRole.arn,
      enabledCloudwatchLogsExports: [...POSTGRES_LOG_EXPORTS],
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      caCertIdentifier: "rds-ca-rsa2048-g1",
      deletionProtection,
    };

    this.primary = new DbInstance(this, "primary", {
      ...common,
      identifier: props.identifier,
      engine: "postgres",
      engineVersion,
      dbName: "groundwork",
      username: "groundwork_admin",
      // RDS generates and rotates the password in Secrets Manager; it never enters Terraform.
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: this.key.arn,
      allocatedStorage: allocated,
      maxAllocatedStorage: maxAllocated,
      storageType: "gp3",
      dbSubnetGroupName: subnetGroup.name,
      multiAz,
      backupRetentionPeriod: backupRetentionDays,
      backupWindow: "02:00-03:00",
      maintenanceWindow: "sun:03:30-sun:04:30",
      deleteAutomatedBackups: false,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${props.identifier}-final`,
      dependsOn: exportLogGroups(props.identifier, new Construct(logGroups, "primary")),
    });
    this.instanceId = this.primary.identifier;
    this.endpoint = this.primary.endpoint;
    this.masterSecretArn = this.primary.masterUserSecret.get(0).secretArn;

    const replicas = new Construct(this, "replicas");
    const replicaLogGroups = new Construct(logGroups, "replicas");
    for (let n = 1; n <= readReplicas; n++) {
      const identifier = `${props.identifier}-replica-${n}`;
      this.replicas.push(
        new DbInstance(replicas, String(n), {
          ...common,
          identifier,
          replicateSourceDb: this.primary.identifier,
          backupRetentionPeriod: backupRetentionDays,
          skipFinalSnapshot: true,
          dependsOn: exportLogGroups(identifier, new Construct(replicaLogGroups, String(n))),
        }),
      );
    }

    const proxyRole = new ServiceRole(this, "proxy-role", {
      name: `${props.identifier}-rds-proxy`,
      servicePrincipal: "rds.amazonaws.com",
      statements: [
        { Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: this.masterSecretArn },
        {
          Action: "kms:Decrypt",
          Resource: this.key.arn,
          Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
        },
      ],
    });
    this.proxy = new DbProxy(this, "proxy", {
      name: props.identifier,
      engineFamily: "POSTGRESQL",
      requireTls: true,
      roleArn: proxyRole.arn,
      vpcSubnetIds: [...props.proxySubnetIds],
      vpcSecurityGroupIds: [proxySg.id],
      idleClientTimeout: 1800,
      debugLogging: false,
      auth: [
        {
          authScheme: "SECRETS",
          secretArn: this.masterSecretArn,
          iamAuth: "REQUIRED",
          clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
          description: "Master credentials from Secrets Manager; clients authenticate with IAM",
        },
      ],
    });
    this.proxyEndpoint = this.proxy.endpoint;
    const targetGroup = new DbProxyDefaultTargetGroup(this, "proxy-target-group", {
      dbProxyName: this.proxy.name,
      connectionPoolConfig: { maxConnectionsPercent: 90, maxIdleConnectionsPercent: 10, connectionBorrowTimeout: 120 },
    });
    new DbProxyTarget(this, "proxy-target", {
      dbProxyName: this.proxy.name,
      targetGroupName: targetGroup.name,
      dbInstanceIdentifier: this.primary.identifier,
    });
  }
}
