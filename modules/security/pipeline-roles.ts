import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { PIPELINE_ROLES } from "../../config/naming";
import { awsContext } from "./aws-context";
import type { PolicyStatement } from "./service-role";

const GITHUB_OIDC = "token.actions.githubusercontent.com";

export interface PipelineRolesProps {
  /** GitHub repository (`owner/name`) whose workflows may assume the roles. */
  readonly repository: string;
  /** GitHub environment whose jobs deploy this environment. */
  readonly deployEnvironment: string;
  /** GitHub environment of the approved DR drill job. */
  readonly drillEnvironment: string;
  /** GitHub environment of the scheduled scale-out revert job. */
  readonly scaleOutEnvironment: string;
  /** The environment's EKS cluster (the scale-out role only describes it; its Kubernetes rights come from RBAC). */
  readonly clusterName: string;
  /** Prefix of this environment's resource names (`groundwork-<env>`). */
  readonly prefix: string;
  /** The state bucket (in the state account) and this environment's key prefix in it. */
  readonly state: { readonly bucketName: string; readonly accountId: string; readonly region: string; readonly prefix: string };
  /** ECR repository names the images role may push to. */
  readonly repositories: readonly string[];
}

/**
 * The GitHub Actions OIDC provider and the four roles the delivery pipeline
 * assumes (no long-lived keys). Each role trusts one workflow context (`sub`)
 * of one repository, and may do only its job: plan reads, deploy changes the
 * environment's infrastructure (PowerUserAccess plus IAM limited to the
 * environment's own roles), images pushes to the environment's repositories,
 * drill runs the recovery runbooks against the environment's data stores.
 */
export class PipelineRoles extends Construct {
  readonly roleArns: Record<keyof typeof PIPELINE_ROLES, string>;

  constructor(scope: Construct, id: string, props: PipelineRolesProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(props.repository)) {
      throw new Error(`PipelineRoles: repository is "${props.repository}"; expected owner/name`);
    }
    const { accountId, region, partition } = awsContext(this);
    const provider = new IamOpenidConnectProvider(this, "github", { url: `https://${GITHUB_OIDC}`, clientIdList: ["sts.amazonaws.com"] });
    const repo = `repo:${props.repository}`;
    const arn = (service: string, resource: string, acct: string = accountId, reg: string = region) =>
      `arn:${partition}:${service}:${reg}:${acct}:${resource}`;
    const stateRead: PolicyStatement[] = [
      {
        Sid: "StateList",
        Action: "s3:ListBucket",
        Resource: `arn:${partition}:s3:::${props.state.bucketName}`,
        Condition: { StringLike: { "s3:prefix": [`${props.state.prefix}/*`] } },
      },
      { Sid: "StateRead", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `arn:${partition}:s3:::${props.state.bucketName}/${props.state.prefix}/*` },
      {
        Sid: "StateKey",
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: arn("kms", "key/*", props.state.accountId, props.state.region),
        Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
      },
    ];
    const ownRoles = arn("iam", `role/${props.prefix}-*`, accountId, "");

    const roles: Record<keyof typeof PIPELINE_ROLES, { sub: string; managed: string[]; statements: PolicyStatement[] }> = {
      plan: { sub: `${repo}:pull_request`, managed: ["ReadOnlyAccess"], statements: stateRead },
      deploy: {
        sub: `${repo}:environment:${props.deployEnvironment}`,
        // PowerUserAccess excludes IAM, Organizations and account settings; IAM is granted below for the environment's own roles only.
        managed: ["PowerUserAccess"],
        statements: [
          ...stateRead,
          {
            Sid: "StateWrite",
            Action: ["s3:PutObject", "s3:DeleteObject"],
            Resource: `arn:${partition}:s3:::${props.state.bucketName}/${props.state.prefix}/*`,
          },
          {
            Sid: "StateKeyWrite",
            Action: ["kms:Encrypt", "kms:GenerateDataKey"],
            Resource: arn("kms", "key/*", props.state.accountId, props.state.region),
            Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
          },
          {
            Sid: "OwnRoles",
            Action: [
              "iam:CreateRole",
              "iam:DeleteRole",
              "iam:GetRole",
              "iam:UpdateRole",
              "iam:TagRole",
              "iam:UntagRole",
              "iam:UpdateAssumeRolePolicy",
              "iam:PutRolePolicy",
              "iam:GetRolePolicy",
              "iam:DeleteRolePolicy",
              "iam:ListRolePolicies",
              "iam:AttachRolePolicy",
              "iam:DetachRolePolicy",
              "iam:ListAttachedRolePolicies",
              "iam:ListInstanceProfilesForRole",
              "iam:PassRole",
            ],
            Resource: ownRoles,
          },
          {
            Sid: "ServiceLinkedRoles",
            Action: "iam:CreateServiceLinkedRole",
            Resource: arn("iam", "role/aws-service-role/*", accountId, ""),
          },
          {
            Sid: "OidcProviders",
            Action: ["iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:GetOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint"],
            Resource: arn("iam", "oidc-provider/*", accountId, ""),
          },
        ],
      },
      images: {
        sub: `${repo}:ref:refs/heads/main`,
        managed: [],
        statements: [
          // GetAuthorizationToken has no resource-level permissions.
          { Sid: "RegistryLogin", Action: "ecr:GetAuthorizationToken", Resource: "*" },
          {
            Sid: "Push",
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages"],
            Resource: props.repositories.map((r) => arn("ecr", `repository/${r}`)),
          },
        ],
      },
      drill: {
        sub: `${repo}:environment:${props.drillEnvironment}`,
        managed: [],
        statements: [
          ...stateRead,
          { Sid: "Describe", Action: ["rds:DescribeDBInstances", "rds:DescribeEvents", "rds:DescribeDBSnapshots", "elasticache:DescribeReplicationGroups", "elasticache:DescribeEvents"], Resource: "*" },
          {
            Sid: "Recover",
            Action: ["rds:RebootDBInstance", "rds:RestoreDBInstanceToPointInTime", "rds:RestoreDBInstanceFromDBSnapshot", "rds:DeleteDBInstance", "rds:AddTagsToResource"],
            Resource: [arn("rds", `db:${props.prefix}*`), arn("rds", "snapshot:*"), arn("rds", "subgrp:*"), arn("rds", "pg:*"), arn("rds", "og:*"), arn("rds", "secgrp:*")],
          },
          { Sid: "CacheFailover", Action: "elasticache:TestFailover", Resource: arn("elasticache", `replicationgroup:${props.prefix}`) },
        ],
      },
      scaleOut: {
        sub: `${repo}:environment:${props.scaleOutEnvironment}`,
        managed: [],
        statements: [{ Sid: "Cluster", Action: "eks:DescribeCluster", Resource: arn("eks", `cluster/${props.clusterName}`) }],
      },
    };

    const arns = {} as Record<keyof typeof PIPELINE_ROLES, string>;
    for (const [key, spec] of Object.entries(roles) as [keyof typeof PIPELINE_ROLES, (typeof roles)[keyof typeof PIPELINE_ROLES]][]) {
      const scope = new Construct(this, key);
      const role = new IamRole(scope, "role", {
        name: PIPELINE_ROLES[key],
        maxSessionDuration: 3600,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: provider.arn },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: { StringEquals: { [`${GITHUB_OIDC}:aud`]: "sts.amazonaws.com", [`${GITHUB_OIDC}:sub`]: spec.sub } },
            },
          ],
        }),
      });
      for (const policy of spec.managed) {
        new IamRolePolicyAttachment(scope, policy, { role: role.name, policyArn: `arn:${partition}:iam::aws:policy/${policy}` });
      }
      new IamRolePolicy(scope, "policy", {
        name: PIPELINE_ROLES[key],
        role: role.id,
        policy: JSON.stringify({ Version: "2012-10-17", Statement: spec.statements.map((s) => ({ Effect: "Allow", ...s })) }),
      });
      arns[key] = role.arn;
    }
    this.roleArns = arns;
  }
}
