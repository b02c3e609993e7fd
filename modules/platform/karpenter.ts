/**
 * Karpenter: provisions right-sized EC2 nodes for pending pods and
 * consolidates them away. The controller runs on the managed node group
 * (the chart's default affinity keeps it off Karpenter nodes) with a Pod
 * Identity role following the controller policy in Karpenter's
 * getting-started CloudFormation template; spot interruption, rebalance,
 * instance state-change and AWS Health scheduled-change events reach it
 * through an SSE-encrypted SQS queue. NodePools and the EC2NodeClass are
 * custom resources rendered through `charts/manifests`, so one `deploy`
 * creates the cluster, Karpenter and its pools.
 * https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 */
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import type { PolicyStatement } from "../security/service-role";
import { Manifests, type KubernetesObject } from "./manifests";
import { platformRelease, PodIdentityRole, SYSTEM_CLUSTER_CRITICAL, type ChartRef, type PlatformReleaseProps } from "./release";

export const KARPENTER_CHART: ChartRef = { repository: "oci://public.ecr.aws/karpenter", chart: "karpenter", version: "1.6.3" };

/** EventBridge rules feeding the interruption queue: [id, source, detail-type]. */
export const INTERRUPTION_EVENTS = [
  ["scheduled-change", "aws.health", "AWS Health Event"],
  ["spot-interruption", "aws.ec2", "EC2 Spot Instance Interruption Warning"],
  ["rebalance", "aws.ec2", "EC2 Instance Rebalance Recommendation"],
  ["instance-state-change", "aws.ec2", "EC2 Instance State-change Notification"],
] as const;

/** One node selector requirement of a NodePool. */
export interface NodeRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  readonly values?: readonly string[];
}

/** A Karpenter NodePool. */
export interface NodePoolSpec {
  /** NodePool name (a Kubernetes name). */
  readonly name: string;
  /** Constraints on the nodes: capacity type, instance category, architecture, zones. */
  readonly requirements: readonly NodeRequirement[];
  /** Upper bound on the pool's total capacity: vCPUs and memory (Kubernetes quantities, e.g. "64", "256Gi"). */
  readonly limits: { readonly cpu: string; readonly memory: string };
  /**
   * Priority against other pools; higher is tried first.
   * @default - none
   */
  readonly weight?: number;
  /** @default - none */
  readonly labels?: Record<string, string>;
  /** @default - none */
  readonly taints?: readonly { readonly key: string; readonly value?: string; readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }[];
  /**
   * Replace nodes after this long so they pick up new AMIs.
   * @default "720h"
   */
  readonly expireAfter?: string;
  /**
   * At most this share (or count) of the pool's nodes is disrupted at once.
   * @default "10%"
   */
  readonly disruptionBudget?: string;
}

/** Values Groundwork sets on the karpenter chart. */
export interface KarpenterValues {
  readonly settings: { readonly clusterName: string; readonly clusterEndpoint: string; readonly interruptionQueue: string };
  readonly replicas: number;
  /** The chart's own default, pinned: the node autoscaler must outrank every pod it schedules nodes for. */
  readonly priorityClassName: typeof SYSTEM_CLUSTER_CRITICAL;
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly controller: { readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> } };
  readonly serviceMonitor: { readonly enabled: boolean };
  readonly logLevel: string;
}

export interface KarpenterProps extends PlatformReleaseProps {
  readonly clusterName: string;
  /** Kubernetes API endpoint of the cluster. */
  readonly clusterEndpoint: string;
  /** The cluster's node role (it already has an EC2_LINUX access entry); Karpenter's nodes use it. */
  readonly nodeRoleArn: string;
  /** Subnets Karpenter launches nodes in (the private subnets). */
  readonly subnetIds: readonly string[];
  /** Security groups attached to Karpenter's nodes (the cluster security group). */
  readonly securityGroupIds: readonly string[];
  readonly nodePools: readonly NodePoolSpec[];
  /**
   * AMI selector alias for the EC2NodeClass; pin a version (`al2023@v20250715`) in production.
   * @default "al2023@latest"
   */
  readonly amiAlias?: string;
  /**
   * Root volume size of Karpenter nodes, in GiB.
   * @default 50
   */
  readonly rootVolumeGiB?: number;
  /**
   * Controller replicas.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Create a ServiceMonitor (needs the Prometheus Operator CRDs).
   * @default false
   */
  readonly serviceMonitor?: boolean;
}

const SERVICE_ACCOUNT = "karpenter";
const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
const K8S_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function checkNodePools(pools: readonly NodePoolSpec[]): void {
  if (pools.length === 0) throw new Error("Karpenter: nodePools is empty; expected at least one NodePool");
  const names = new Set<string>();
  for (const pool of pools) {
    if (!K8S_NAME.test(pool.name)) throw new Error(`Karpenter: nodePools name "${pool.name}" is not a Kubernetes name; expected lower-case letters, digits and "-"`);
    if (names.has(pool.name)) throw new Error(`Karpenter: nodePools has "${pool.name}" twice; expected unique names`);
    names.add(pool.name);
    for (const [k, v] of Object.entries(pool.limits)) {
      if (!QUANTITY.test(v) || Number.parseFloat(v) <= 0) {
        throw new Error(`Karpenter: nodePools ${pool.name} limits.${k} is "${v}"; expected a positive Kubernetes quantity such as 64 or 256Gi`);
      }
    }
    for (const r of pool.requirements) {
      if (!OPERATORS.includes(r.operator)) throw new Error(`Karpenter: nodePools ${pool.name} requirement ${r.key} has operator "${r.operator}"; expected one of ${OPERATORS.join(", ")}`);
      const needsValues = r.operator !== "Exists" && r.operator !== "DoesNotExist";
      if (needsValues && !r.values?.length) throw new Error(`Karpenter: nodePools ${pool.name} requirement ${r.key} (${r.operator}) has no values; expected at least one`);
    }
    if (pool.weight !== undefined && (!Number.isInteger(pool.weight) || pool.weight < 1 || pool.weight > 100)) {
      throw new Error(`Karpenter: nodePools ${pool.name} weight is ${pool.weight}; expected an integer from 1 to 100`);
    }
  }
}

/** The controller policy of Karpenter v1, scoped to this cluster's resources. */
export function karpenterControllerStatements(
  ctx: { partition: string; region: string; accountId: string },
  clusterName: string,
  nodeRoleArn: string,
  queueArn: string,
): PolicyStatement[] {
  const { partition, region, accountId } = ctx;
  const ec2 = (r: string) => `arn:${partition}:ec2:${region}:*:${r}`;
  const owned = `aws:ResourceTag/kubernetes.io/cluster/${clusterName}`;
  const requestOwned = `aws:RequestTag/kubernetes.io/cluster/${clusterName}`;
  const instanceProfiles = `arn:${partition}:iam::${accountId}:instance-profile/*`;
  const launchResources = ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"].map(ec2);
  return [
    {
      Sid: "AllowScopedEC2InstanceAccessActions",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: [`arn:${partition}:ec2:${region}::image/*`, `arn:${partition}:ec2:${region}::snapshot/*`, ec2("security-group/*"), ec2("subnet/*")],
    },
    {
      Sid: "AllowScopedEC2LaunchTemplateAccessActions",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: ec2("launch-template/*"),
      Condition: { StringEquals: { [owned]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
    },
    {
      Sid: "AllowScopedEC2InstanceActionsWithTags",
      Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
      Resource: launchResources,
      Condition: {
        StringEquals: { [requestOwned]: "owned", "aws:RequestTag/eks:eks-cluster-name": clusterName },
        StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
      },
    },
    {
      Sid: "AllowScopedResourceCreationTagging",
      Action: "ec2:CreateTags",
      Resource: launchResources,
      Condition: {
        StringEquals: {
          [requestOwned]: "owned",
          "aws:RequestTag/eks:eks-cluster-name": clusterName,
          "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
        },
        StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
      },
    },
    {
      Sid: "AllowScopedResourceTagging",
      Action: "ec2:CreateTags",
      Resource: ec2("instance/*"),
      Condition: {
        StringEquals: { [owned]: "owned" },
        StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
        StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": clusterName },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
      },
    },
    {
      Sid: "AllowScopedDeletion",
      Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
      Resource: [ec2("instance/*"), ec2("launch-template/*")],
      Condition: { StringEquals: { [owned]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
    },
    {
      // EC2 Describe* calls support no resource-level permissions; limited to this region.
      Sid: "AllowRegionalReadActions",
      Action: [
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeImages",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSpotPriceHistory",
        "ec2:DescribeSubnets",
      ],
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    {
      Sid: "AllowSSMReadActions",
      Action: "ssm:GetParameter",
      Resource: `arn:${partition}:ssm:${region}::parameter/aws/service/*`,
    },
    {
      // The Price List API supports no resource-level permissions.
      Sid: "AllowPricingReadActions",
      Action: "pricing:GetProducts",
      Resource: "*",
    },
    {
      Sid: "AllowInterruptionQueueActions",
      Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
      Resource: queueArn,
    },
    {
      Sid: "AllowPassingInstanceRole",
      Action: "iam:PassRole",
      Resource: nodeRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
    },
    {
      Sid: "AllowScopedInstanceProfileCreationActions",
      Action: ["iam:CreateInstanceProfile"],
      Resource: instanceProfiles,
      Condition: {
        StringEquals: { [requestOwned]: "owned", "aws:RequestTag/eks:eks-cluster-name": clusterName, "aws:RequestTag/topology.kubernetes.io/region": region },
        StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
      },
    },
    {
      Sid: "AllowScopedInstanceProfileTagActions",
      Action: ["iam:TagInstanceProfile"],
      Resource: instanceProfiles,
      Condition: {
        StringEquals: {
          [owned]: "owned",
          "aws:ResourceTag/topology.kubernetes.io/region": region,
          [requestOwned]: "owned",
          "aws:RequestTag/eks:eks-cluster-name": clusterName,
          "aws:RequestTag/topology.kubernetes.io/region": region,
        },
        StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
      },
    },
    {
      Sid: "AllowScopedInstanceProfileActions",
      Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
      Resource: instanceProfiles,
      Condition: {
        StringEquals: { [owned]: "owned", "aws:ResourceTag/topology.kubernetes.io/region": region },
        StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
      },
    },
    {
      Sid: "AllowInstanceProfileReadActions",
      Action: "iam:GetInstanceProfile",
      Resource: instanceProfiles,
    },
    {
      // ListInstanceProfiles supports only the account-wide instance-profile ARN pattern.
      Sid: "AllowUnscopedInstanceProfileListAction",
      Action: "iam:ListInstanceProfiles",
      Resource: instanceProfiles,
    },
    {
      Sid: "AllowAPIServerEndpointDiscovery",
      Action: "eks:DescribeCluster",
      Resource: `arn:${partition}:eks:${region}:${accountId}:cluster/${clusterName}`,
    },
  ];
}

/** Karpenter, its interruption queue and event rules, and the NodePools/EC2NodeClass it provisions from. */
export class Karpenter extends Construct {
  readonly release: Release;
  readonly role: PodIdentityRole;
  readonly queue: SqsQueue;
  readonly nodePools: Manifests;
  readonly namespace: string;
  readonly values: KarpenterValues;
  /** The NodePool and EC2NodeClass objects, as rendered into `charts/manifests`. */
  readonly manifests: readonly KubernetesObject[];

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    checkNodePools(props.nodePools);
    if (props.subnetIds.length === 0) throw new Error("Karpenter: subnetIds is empty; expected the cluster's private subnets");
    if (props.securityGroupIds.length === 0) throw new Error("Karpenter: securityGroupIds is empty; expected the cluster security group");
    const rootVolumeGiB = props.rootVolumeGiB ?? 50;
    if (!Number.isInteger(rootVolumeGiB) || rootVolumeGiB < 20 || rootVolumeGiB > 16384) {
      throw new Error(`Karpenter: rootVolumeGiB is ${rootVolumeGiB}; expected an integer from 20 to 16384`);
    }
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new Error(`Karpenter: replicas is ${replicas}; expected an integer from 1 to 5`);
    this.namespace = props.namespace ?? "karpenter";
    const ctx = awsContext(this);

    this.queue = new SqsQueue(this, "interruption-queue", {
      name: props.clusterName,
      messageRetentionSeconds: 300,
      sqsManagedSseEnabled: true,
    });
    new SqsQueuePolicy(this, "interruption-queue-policy", {
      queueUrl: this.queue.url,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "EventBridgeDelivers",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
            Action: "sqs:SendMessage",
            Resource: this.queue.arn,
          },
          {
            Sid: "DenyHTTP",
            Effect: "Deny",
            Principal: "*",
            Action: "sqs:*",
            Resource: this.queue.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    });
    const rules = new Construct(this, "interruption-rules");
    for (const [ruleId, source, detailType] of INTERRUPTION_EVENTS) {
      const ruleScope = new Construct(rules, ruleId);
      const rule = new CloudwatchEventRule(ruleScope, "rule", {
        name: `${props.clusterName}-karpenter-${ruleId}`,
        description: `Karpenter ${props.clusterName}: ${detailType}`,
        eventPattern: JSON.stringify({ source: [source], "detail-type": [detailType] }),
      });
      new CloudwatchEventTarget(ruleScope, "target", { rule: rule.name, targetId: "KarpenterInterruptionQueue", arn: this.queue.arn });
    }

    this.role = new PodIdentityRole(this, "pod-identity", {
      clusterName: props.clusterName,
      roleName: `${props.clusterName}-karpenter`,
      namespace: this.namespace,
      serviceAccount: SERVICE_ACCOUNT,
      statements: karpenterControllerStatements(ctx, props.clusterName, props.nodeRoleArn, this.queue.arn),
      dependsOn: props.dependsOn,
    });
    this.values = {
      settings: { clusterName: props.clusterName, clusterEndpoint: props.clusterEndpoint, interruptionQueue: this.queue.name },
      replicas,
      priorityClassName: SYSTEM_CLUSTER_CRITICAL,
      serviceAccount: { create: true, name: SERVICE_ACCOUNT },
      controller: { resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "1Gi" } } },
      serviceMonitor: { enabled: props.serviceMonitor ?? false },
      logLevel: "info",
    };
    this.release = platformRelease(this, "release", {
      ...KARPENTER_CHART,
      name: "karpenter",
      namespace: this.namespace,
      values: this.values,
      dependsOn: [...(props.dependsOn ?? []), this.role.association],
      timeoutSeconds: props.timeoutSeconds,
    });

    // EC2NodeClass.spec.role takes a role name; the last path segment of the ARN.
    const nodeRoleName = Fn.element(Fn.reverse(Fn.split("/", props.nodeRoleArn)), 0) as string;
    const nodeClass: KubernetesObject = {
      apiVersion: "karpenter.k8s.aws/v1",
      kind: "EC2NodeClass",
      metadata: { name: "default" },
      spec: {
        role: nodeRoleName,
        amiSelectorTerms: [{ alias: props.amiAlias ?? "al2023@latest" }],
        subnetSelectorTerms: props.subnetIds.map((subnetId) => ({ id: subnetId })),
        securityGroupSelectorTerms: props.securityGroupIds.map((sg) => ({ id: sg })),
        // Same node hardening as the managed node groups: IMDSv2 only, hop limit 1, encrypted gp3.
        metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
        blockDeviceMappings: [
          { deviceName: "/dev/xvda", ebs: { volumeSize: `${rootVolumeGiB}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true } },
        ],
        tags: { "karpenter.sh/discovery": props.clusterName },
      },
    };
    const pools: KubernetesObject[] = props.nodePools.map((pool) => ({
      apiVersion: "karpenter.sh/v1",
      kind: "NodePool",
      metadata: { name: pool.name },
      spec: {
        ...(pool.weight === undefined ? {} : { weight: pool.weight }),
        limits: { cpu: pool.limits.cpu, memory: pool.limits.memory },
        disruption: {
          consolidationPolicy: "WhenEmptyOrUnderutilized",
          consolidateAfter: "1m",
          budgets: [{ nodes: pool.disruptionBudget ?? "10%" }],
        },
        template: {
          metadata: { labels: pool.labels ?? {} },
          spec: {
            nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
            requirements: pool.requirements.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) })),
            taints: pool.taints ? [...pool.taints] : [],
            expireAfter: pool.expireAfter ?? "720h",
          },
        },
      },
    }));
    this.manifests = [nodeClass, ...pools];
    this.nodePools = new Manifests(this, "node-pools", {
      releaseName: "karpenter-node-pools",
      namespace: this.namespace,
      manifests: this.manifests,
      dependsOn: [this.release],
    });
  }
}
