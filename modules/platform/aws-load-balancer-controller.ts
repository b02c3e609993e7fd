/**
 * AWS Load Balancer Controller: ALBs for Ingresses and NLBs for Services,
 * with the controller's documented IAM policy (iam_policy.json of v2.13)
 * narrowed from `*` to ELB and security-group ARNs of this account and region
 * wherever the services support it. JWT verification (v2.15) is a listener-rule
 * action, written with the CreateRule/ModifyRule/ModifyListener already granted;
 * diff the v2.15.0 iam_policy.json against this when upgrading further.
 * https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import type { PolicyStatement } from "../security/service-role";
import { platformRelease, PodIdentityRole, SYSTEM_CLUSTER_CRITICAL, type ChartRef, type PlatformReleaseProps } from "./release";

export const AWS_LOAD_BALANCER_CONTROLLER_CHART: ChartRef = {
  repository: "https://aws.github.io/eks-charts",
  chart: "aws-load-balancer-controller",
  // v2.15.0: the first controller that programs ALB JWT verification (alb.ingress.kubernetes.io/jwt-validation).
  version: "1.15.0",
};

/** Values Groundwork sets on the aws-load-balancer-controller chart. */
export interface AwsLoadBalancerControllerValues {
  readonly clusterName: string;
  readonly region: string;
  readonly vpcId: string;
  readonly replicaCount: number;
  /** The chart's own default, pinned: its webhooks gate Pod and Ingress admission cluster-wide. */
  readonly priorityClassName: typeof SYSTEM_CLUSTER_CRITICAL;
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly podDisruptionBudget: { readonly maxUnavailable: number };
  /** WAF Classic is retired; WAFv2 stays on. */
  readonly enableWaf: boolean;
  readonly enableWafv2: boolean;
  readonly enableShield: boolean;
  /** Off: Services of type LoadBalancer must opt in with loadBalancerClass instead of being taken over. */
  readonly enableServiceMutatorWebhook: boolean;
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
}

export interface AwsLoadBalancerControllerProps extends PlatformReleaseProps {
  /** Name of the EKS cluster (tags the load balancers, scopes the Pod Identity association). */
  readonly clusterName: string;
  readonly vpcId: string;
  /**
   * Controller replicas (leader-elected).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Allow Shield Advanced protection through annotations (adds shield:* permissions on protections).
   * @default false
   */
  readonly enableShield?: boolean;
}

const SERVICE_ACCOUNT = "aws-load-balancer-controller";

/** The controller's IAM permissions, scoped to this account and region. */
export function loadBalancerControllerStatements(ctx: { partition: string; region: string; accountId: string }, enableShield: boolean): PolicyStatement[] {
  const { partition, region, accountId } = ctx;
  const elb = (resource: string) => `arn:${partition}:elasticloadbalancing:${region}:${accountId}:${resource}`;
  const securityGroups = `arn:${partition}:ec2:${region}:${accountId}:security-group/*`;
  const loadBalancers = [elb("loadbalancer/app/*/*"), elb("loadbalancer/net/*/*")];
  const targetGroups = elb("targetgroup/*/*");
  const listeners = [elb("listener/app/*/*/*"), elb("listener/net/*/*/*")];
  const rules = [elb("listener-rule/app/*/*/*/*"), elb("listener-rule/net/*/*/*/*")];
  const clusterTagged = { Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } };
  const statements: PolicyStatement[] = [
    {
      Sid: "CreateElbServiceLinkedRole",
      Action: "iam:CreateServiceLinkedRole",
      Resource: `arn:${partition}:iam::${accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
      Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
    },
    {
      // Describe/Get calls support no resource-level permissions; they are read-only.
      Sid: "ReadOnly",
      Action: [
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAddresses",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeTags",
        "ec2:DescribeRouteTables",
        "ec2:DescribeIpamPools",
        "ec2:DescribeCoipPools",
        "ec2:GetCoipPoolUsage",
        "ec2:GetSecurityGroupsForVpc",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeListenerCertificates",
        "elasticloadbalancing:DescribeSSLPolicies",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTrustStores",
        "elasticloadbalancing:DescribeCapacityReservation",
        "acm:ListCertificates",
        "iam:ListServerCertificates",
        "wafv2:GetWebACLForResource",
        "shield:GetSubscriptionState",
      ],
      Resource: "*",
    },
    {
      Sid: "ReadCertificatesAndAuth",
      Action: ["acm:DescribeCertificate", "iam:GetServerCertificate", "cognito-idp:DescribeUserPoolClient", "wafv2:GetWebACL"],
      Resource: [
        `arn:${partition}:acm:${region}:${accountId}:certificate/*`,
        `arn:${partition}:iam::${accountId}:server-certificate/*`,
        `arn:${partition}:cognito-idp:${region}:${accountId}:userpool/*`,
        `arn:${partition}:wafv2:${region}:${accountId}:regional/webacl/*/*`,
      ],
    },
    {
      Sid: "AttachWebAcls",
      Action: ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"],
      Resource: [`arn:${partition}:wafv2:${region}:${accountId}:regional/webacl/*/*`, elb("loadbalancer/app/*/*")],
    },
    {
      Sid: "CreateSecurityGroups",
      Action: "ec2:CreateSecurityGroup",
      Resource: [securityGroups, `arn:${partition}:ec2:${region}:${accountId}:vpc/*`],
    },
    {
      Sid: "TagNewSecurityGroups",
      Action: "ec2:CreateTags",
      Resource: securityGroups,
      Condition: {
        StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" },
        Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" },
      },
    },
    {
      Sid: "RetagOwnedSecurityGroups",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: securityGroups,
      Condition: { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "true", "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } },
    },
    {
      // Rules are added to the node security group too, which the controller does not tag.
      Sid: "ManageSecurityGroupRules",
      Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
      Resource: securityGroups,
    },
    {
      Sid: "DeleteOwnedSecurityGroups",
      Action: "ec2:DeleteSecurityGroup",
      Resource: securityGroups,
      Condition: clusterTagged,
    },
    {
      Sid: "CreateTaggedLoadBalancers",
      Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
      Resource: [...loadBalancers, targetGroups],
      Condition: { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } },
    },
    {
      Sid: "ManageListenersAndRules",
      Action: [
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:ModifyListenerAttributes",
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:RemoveListenerCertificates",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:SetRulePriorities",
        "elasticloadbalancing:SetWebAcl",
      ],
      Resource: [...loadBalancers, ...listeners, ...rules],
    },
    {
      Sid: "RetagOwnedLoadBalancers",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: [...loadBalancers, targetGroups],
      Condition: { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "true", "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } },
    },
    {
      Sid: "TagListenersAndRules",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: [...listeners, ...rules],
    },
    {
      Sid: "TagOnCreate",
      Action: "elasticloadbalancing:AddTags",
      Resource: [...loadBalancers, targetGroups],
      Condition: {
        StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
        Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" },
      },
    },
    {
      Sid: "ModifyOwnedLoadBalancers",
      Action: [
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetIpAddressType",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyCapacityReservation",
        "elasticloadbalancing:ModifyIpPools",
      ],
      Resource: [...loadBalancers, targetGroups],
      Condition: clusterTagged,
    },
    {
      Sid: "RegisterTargets",
      Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      Resource: targetGroups,
    },
  ];
  if (enableShield) {
    statements.push({
      Sid: "ShieldProtections",
      Action: ["shield:DescribeProtection", "shield:CreateProtection", "shield:DeleteProtection"],
      Resource: [`arn:${partition}:shield::${accountId}:protection/*`, ...loadBalancers],
    });
  }
  return statements;
}

/** The AWS Load Balancer Controller with its Pod Identity role. */
export class AwsLoadBalancerController extends Construct {
  readonly release: Release;
  readonly role: PodIdentityRole;
  readonly namespace: string;
  readonly values: AwsLoadBalancerControllerValues;

  constructor(scope: Construct, id: string, props: AwsLoadBalancerControllerProps) {
    super(scope, id);
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new Error(`AwsLoadBalancerController: replicas is ${replicas}; expected an integer from 1 to 5`);
    }
    this.namespace = props.namespace ?? "kube-system";
    const ctx = awsContext(this);
    this.role = new PodIdentityRole(this, "pod-identity", {
      clusterName: props.clusterName,
      roleName: `${props.clusterName}-aws-load-balancer-controller`,
      namespace: this.namespace,
      serviceAccount: SERVICE_ACCOUNT,
      statements: loadBalancerControllerStatements(ctx, props.enableShield ?? false),
      dependsOn: props.dependsOn,
    });
    this.values = {
      clusterName: props.clusterName,
      region: ctx.region,
      vpcId: props.vpcId,
      replicaCount: replicas,
      priorityClassName: SYSTEM_CLUSTER_CRITICAL,
      serviceAccount: { create: true, name: SERVICE_ACCOUNT },
      podDisruptionBudget: { maxUnavailable: 1 },
      enableWaf: false,
      enableWafv2: true,
      enableShield: props.enableShield ?? false,
      enableServiceMutatorWebhook: false,
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    };
    this.release = platformRelease(this, "release", {
      ...AWS_LOAD_BALANCER_CONTROLLER_CHART,
      name: "aws-load-balancer-controller",
      namespace: this.namespace,
      values: this.values,
      dependsOn: [...(props.dependsOn ?? []), this.role.association],
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
