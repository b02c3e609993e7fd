import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { FisExperimentTemplate } from "@cdktf/provider-aws/lib/fis-experiment-template";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";
import { EncryptedLogGroup } from "../security/log-group";
import { ServiceRole } from "../security/service-role";

/** The experiments every environment can run, by the name `runbooks/chaos.mjs` takes. */
export const EXPERIMENTS = ["node-group-termination", "az-network-disruption", "rds-failover", "pod-cpu-stress"] as const;
export type ExperimentName = (typeof EXPERIMENTS)[number];

/** ServiceAccount the FIS pod runs as in the stressed service's namespace (`PodFaultAccess` creates it). */
export const FIS_SERVICE_ACCOUNT = "fis-experiment";
/** Kubernetes user the FIS role maps to through its EKS access entry (`PodFaultAccess` binds it). */
export const FIS_KUBERNETES_USER = "groundwork:fis";

export interface FaultInjectionProps {
  /** Prefix of resource names, such as `groundwork-staging`. */
  readonly name: string;
  readonly clusterName: string;
  /** Node group names (as EKS knows them) whose instances may be terminated. */
  readonly nodeGroupNames: readonly string[];
  /** RDS instance identifier to fail over. */
  readonly dbInstanceId: string;
  /** The availability zone whose subnets lose connectivity. */
  readonly disruptedZone: string;
  /**
   * Tag every target must carry (the environment tag from the provider's default tags).
   * The role can act only on resources that have it.
   */
  readonly targetTag: { readonly key: string; readonly value: string };
  /** Service whose pods get CPU stress: its namespace and `app.kubernetes.io/name` label. */
  readonly stressedService: string;
  /**
   * Share of a node group's instances terminated at once.
   * @default 33
   */
  readonly terminationPercent?: number;
  /**
   * How long network disruption and CPU stress last (ISO 8601).
   * @default "PT5M"
   */
  readonly duration?: string;
  /**
   * 5xx responses per minute across the account's load balancers that stop every experiment.
   * @default 50
   */
  readonly maxTarget5xxPerMinute?: number;
}

/**
 * AWS Fault Injection Service experiment templates for the environment,
 * each stopped by CloudWatch alarms on the user-facing error rate and on the
 * database being unreachable, run by a role that can touch only the
 * environment's tagged resources.
 */
export class FaultInjection extends Construct {
  /** Template id by experiment name (for `aws fis start-experiment`). */
  readonly templateIds: Record<ExperimentName, string>;
  readonly stopAlarmArns: string[];
  /** The role FIS runs experiments with; `PodFaultAccess` maps it into the cluster. */
  readonly roleArn: string;
  /** Namespaces the pod experiments target: each needs `PodFaultAccess`. */
  readonly podNamespaces: readonly string[];

  constructor(scope: Construct, id: string, props: FaultInjectionProps) {
    super(scope, id);
    const percent = props.terminationPercent ?? 33;
    const duration = props.duration ?? "PT5M";
    if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
      throw new Error(`FaultInjection ${props.name}: terminationPercent is ${percent}; expected 1 to 100`);
    }
    if (!/^PT\d+M$/.test(duration) || Number(duration.slice(2, -1)) > 60) {
      throw new Error(`FaultInjection ${props.name}: duration is "${duration}"; expected PT<minutes>M up to PT60M`);
    }
    if (props.nodeGroupNames.length === 0) throw new Error(`FaultInjection ${props.name}: nodeGroupNames is empty; expected at least one node group`);
    const { accountId, region, partition } = awsContext(this);
    const tagCondition = { StringEquals: { [`aws:ResourceTag/${props.targetTag.key}`]: props.targetTag.value } };
    const ec2 = (resource: string) => `arn:${partition}:ec2:${region}:${accountId}:${resource}`;

    // Stop conditions: users see errors, or the database stops taking connections.
    const errors = new CloudwatchMetricAlarm(this, "stop-on-errors", {
      alarmName: `${props.name}-fis-stop-5xx`,
      alarmDescription: "Stops fault injection: load balancer targets return 5xx above the experiment's budget",
      comparisonOperator: "GreaterThanThreshold",
      threshold: props.maxTarget5xxPerMinute ?? 50,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      metricQuery: [
        {
          id: "errors",
          expression: 'SELECT SUM(HTTPCode_Target_5XX_Count) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer)',
          period: 60,
          returnData: true,
        },
      ],
    });
    const database = new CloudwatchMetricAlarm(this, "stop-on-database", {
      alarmName: `${props.name}-fis-stop-database`,
      alarmDescription: "Stops fault injection: the database has had no connections for three minutes",
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: { DBInstanceIdentifier: props.dbInstanceId },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 3,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
    });
    this.stopAlarmArns = [errors.arn, database.arn];
    const stopCondition = this.stopAlarmArns.map((value) => ({ source: "aws:cloudwatch:alarm", value }));

    const logKey = new EncryptionKey(this, "log-key", {
      description: `Fault injection logs of ${props.name}`,
      alias: `${props.name}/fis-logs`,
      servicePrincipals: [`logs.${region}.amazonaws.com`, "delivery.logs.amazonaws.com"],
    });
    const logs = new EncryptedLogGroup(this, "logs", { name: `/aws/fis/${props.name}`, kmsKeyArn: logKey.arn });

    const role = new ServiceRole(this, "role", {
      name: `${props.name}-fis`,
      servicePrincipal: "fis.amazonaws.com",
      statements: [
        { Sid: "Describe", Action: ["ec2:DescribeInstances", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeNetworkAcls", "ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries", "rds:DescribeDBInstances", "tag:GetResources"], Resource: "*" },
        { Sid: "NodeGroups", Action: "eks:DescribeNodegroup", Resource: `arn:${partition}:eks:${region}:${accountId}:nodegroup/${props.clusterName}/*`, Condition: tagCondition },
        // Managed node group instances carry eks:cluster-name, not the default tags.
        { Sid: "TerminateNodes", Action: "ec2:TerminateInstances", Resource: ec2("instance/*"), Condition: { StringEquals: { "aws:ResourceTag/eks:cluster-name": props.clusterName } } },
        { Sid: "RebootDatabase", Action: "rds:RebootDBInstance", Resource: `arn:${partition}:rds:${region}:${accountId}:db:${props.dbInstanceId}`, Condition: tagCondition },
        { Sid: "NetworkAclInVpc", Action: "ec2:CreateNetworkAcl", Resource: ec2("vpc/*"), Condition: tagCondition },
        { Sid: "NetworkAclCreate", Action: ["ec2:CreateNetworkAcl", "ec2:CreateTags"], Resource: ec2("network-acl/*"), Condition: { StringEquals: { "aws:RequestTag/managedByFIS": "true" } } },
        { Sid: "NetworkAclManage", Action: ["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl", "ec2:ReplaceNetworkAclAssociation"], Resource: ec2("network-acl/*"), Condition: { StringEquals: { "aws:ResourceTag/managedByFIS": "true" } } },
        { Sid: "NetworkAclRestore", Action: "ec2:ReplaceNetworkAclAssociation", Resource: [ec2("subnet/*"), ec2("network-acl/*")], Condition: tagCondition },
        { Sid: "Cluster", Action: "eks:DescribeCluster", Resource: `arn:${partition}:eks:${region}:${accountId}:cluster/${props.clusterName}` },
        { Sid: "Logs", Action: ["logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"], Resource: "*" },
      ],
    });

    this.roleArn = role.arn;
    this.podNamespaces = [props.stressedService];

    const resourceTag = [props.targetTag];
    const common = {
      roleArn: role.arn,
      stopCondition,
      logConfiguration: { logSchemaVersion: 2, cloudwatchLogsConfiguration: { logGroupArn: `${logs.arn}:*` } },
      experimentOptions: { emptyTargetResolutionMode: "fail", accountTargeting: "single-account" },
    };
    const templates = new Construct(this, "templates");
    const nodeGroupArns = props.nodeGroupNames.map(
      (g) => `arn:${partition}:eks:${region}:${accountId}:nodegroup/${props.clusterName}/${g}/*`,
    );
    const definitions: Record<ExperimentName, ConstructorParameters<typeof FisExperimentTemplate>[2]> = {
      "node-group-termination": {
        ...common,
        description: `Terminate ${percent}% of each node group's instances in ${props.clusterName}`,
        target: [{ name: "nodegroups", resourceType: "aws:eks:nodegroup", selectionMode: "ALL", resourceArns: nodeGroupArns }],
        action: [
          {
            name: "terminate-nodes",
            actionId: "aws:eks:terminate-nodegroup-instances",
            parameter: [{ key: "instanceTerminationPercentage", value: String(percent) }],
            target: { key: "Nodegroups", value: "nodegroups" },
          },
        ],
      },
      "az-network-disruption": {
        ...common,
        description: `Cut all network traffic of the subnets in ${props.disruptedZone} for ${duration}`,
        target: [
          {
            name: "zone-subnets",
            resourceType: "aws:ec2:subnet",
            selectionMode: "ALL",
            resourceTag,
            filter: [{ path: "AvailabilityZone", values: [props.disruptedZone] }],
          },
        ],
        action: [
          {
            name: "disrupt-zone",
            actionId: "aws:network:disrupt-connectivity",
            parameter: [
              { key: "duration", value: duration },
              { key: "scope", value: "all" },
            ],
            target: { key: "Subnets", value: "zone-subnets" },
          },
        ],
      },
      "rds-failover": {
        ...common,
        description: `Reboot ${props.dbInstanceId} with forced Multi-AZ failover`,
        target: [
          {
            name: "database",
            resourceType: "aws:rds:db",
            selectionMode: "ALL",
            resourceArns: [`arn:${partition}:rds:${region}:${accountId}:db:${props.dbInstanceId}`],
          },
        ],
        action: [
          {
            name: "failover",
            actionId: "aws:rds:reboot-db-instances",
            parameter: [{ key: "forceFailover", value: "true" }],
            target: { key: "DBInstances", value: "database" },
          },
        ],
      },
      "pod-cpu-stress": {
        ...common,
        // FIS pod actions fail on containers with readOnlyRootFilesystem: true, and the catalog's
        // services run read-only (charts/microservice): https://docs.aws.amazon.com/fis/latest/userguide/eks-pod-actions.html
        description: `Stress CPU of ${props.stressedService} pods at 80% for ${duration}. Fails unless the target containers have readOnlyRootFilesystem: false (an AWS FIS limitation; the services run read-only): see runbooks/chaos.md`,
        target: [
          {
            name: "pods",
            resourceType: "aws:eks:pod",
            selectionMode: "PERCENT(50)",
            parameters: {
              clusterIdentifier: props.clusterName,
              namespace: props.stressedService,
              selectorType: "labelSelector",
              selectorValue: `app.kubernetes.io/name=${props.stressedService}`,
            },
          },
        ],
        action: [
          {
            name: "cpu-stress",
            actionId: "aws:eks:pod-cpu-stress",
            parameter: [
              { key: "duration", value: duration },
              { key: "percent", value: "80" },
              { key: "kubernetesServiceAccount", value: FIS_SERVICE_ACCOUNT },
              // The service namespaces enforce Pod Security "restricted"; so must the FIS pod.
              { key: "fisPodSecurityPolicy", value: "restricted" },
            ],
            target: { key: "Pods", value: "pods" },
          },
        ],
      },
    };
    const ids = {} as Record<ExperimentName, string>;
    for (const name of EXPERIMENTS) {
      ids[name] = new FisExperimentTemplate(templates, name, { ...definitions[name], tags: { Name: `${props.name}-${name}` } }).id;
    }
    this.templateIds = ids;
  }
}
