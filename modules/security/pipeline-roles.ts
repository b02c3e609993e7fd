import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { PIPELINE_ROLES } from "../../config/naming";
import { awsContext } from "./aws-context";
import type { PolicyStatement } from "./service-role";

const GITHUB_OIDC = "token.actions.githubusercontent.com";

/**
 * IAM service prefixes whose resources the environment stacks create (derived
 * from the synthesized resource types; tests/unit/pipeline-roles.test.ts maps
 * every `aws_*` type of an environment stack to one of these and fails on a
 * type it cannot place). The deploy role may use these services, in the
 * environment's region only; IAM, Route 53, Secrets Manager and SSM are
 * granted separately and narrower.
 */
export const DEPLOY_SERVICES = [
  "acm",
  "cloudtrail",
  "cloudwatch",
  "config",
  "ec2",
  "ecr",
  "eks",
  "elasticache",
  "es",
  "events",
  "fis",
  "guardduty",
  "kms",
  "logs",
  "rds",
  "s3",
  "securityhub",
  "sqs",
  "wafv2",
] as const;

/** Seconds a pipeline session may last; `role-duration-seconds` in the workflows must not ask for more. */
export const PIPELINE_MAX_SESSION_SECONDS: Record<keyof typeof PIPELINE_ROLES, number> = {
  plan: 3600,
  // The prod deploy and rollback jobs run up to 90 minutes (an EKS or RDS change can take that long).
  deploy: 5400,
  images: 3600,
  // The staging drill job runs up to 90 minutes (failover, point-in-time restore, verification).
  drill: 5400,
  scaleOut: 3600,
};

/** An IAM policy statement; `NotResource` only in Deny statements. */
interface Statement extends Omit<PolicyStatement, "Resource"> {
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
}

export interface PipelineRolesProps {
  /** GitHub repository (`owner/name`) whose workflows may assume the roles. */
  readonly repository: string;
  /** GitHub environment whose jobs deploy this environment. */
  readonly deployEnvironment: string;
  /**
   * GitHub environment of the automated rollback job (deployment branches
   * limited to main, no reviewers, so a failed smoke check is rolled back
   * without waiting for a human). The deploy role trusts it too.
   * @default - `<deployEnvironment>-rollback`
   */
  readonly rollbackEnvironment?: string;
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
 * The GitHub Actions OIDC provider and the roles the delivery pipeline
 * assumes (no long-lived keys). Each role trusts one workflow context (`sub`)
 * of one repository (the deploy role also the rollback environment), and may
 * do only its job: plan reads (`ReadOnlyAccess` minus data reads), deploy
 * changes the environment's infrastructure (the services in
 * `DEPLOY_SERVICES` in the environment's region, IAM limited to the roles the
 * environment stack creates), images pushes to the environment's
 * repositories, drill runs the recovery runbooks against the environment's
 * data stores, scale-out describes the cluster.
 */
export class PipelineRoles extends Construct {
  readonly roleArns: Record<keyof typeof PIPELINE_ROLES, string>;

  constructor(scope: Construct, id: string, props: PipelineRolesProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(props.repository)) {
      throw new Error(`PipelineRoles: repository is "${props.repository}"; expected owner/name`);
    }
    const rollbackEnvironment = props.rollbackEnvironment ?? `${props.deployEnvironment}-rollback`;
    if (rollbackEnvironment === props.deployEnvironment) {
      throw new Error(`PipelineRoles: rollbackEnvironment is "${rollbackEnvironment}"; expected a GitHub environment other than the deploy environment`);
    }
    const { accountId, region, partition } = awsContext(this);
    const provider = new IamOpenidConnectProvider(this, "github", { url: `https://${GITHUB_OIDC}`, clientIdList: ["sts.amazonaws.com"] });
    const repo = `repo:${props.repository}`;
    const arn = (service: string, resource: string, acct: string = accountId, reg: string = region) =>
      `arn:${partition}:${service}:${reg}:${acct}:${resource}`;
    const stateObjects = `arn:${partition}:s3:::${props.state.bucketName}/${props.state.prefix}/*`;
    const stateRead: Statement[] = [
      {
        Sid: "StateList",
        Action: "s3:ListBucket",
        Resource: `arn:${partition}:s3:::${props.state.bucketName}`,
        Condition: { StringLike: { "s3:prefix": [`${props.state.prefix}/*`] } },
      },
      { Sid: "StateRead", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: stateObjects },
      {
        Sid: "StateKey",
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: arn("kms", "key/*", props.state.accountId, props.state.region),
        Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
      },
    ];
    // Every IAM role the environment stack creates: its own (`<prefix>-*`) and the pipeline's.
    const pipelineRoles = Object.values(PIPELINE_ROLES).map((name) => arn("iam", `role/${name}`, accountId, ""));
    const stackRoles = [arn("iam", `role/${props.prefix}-*`, accountId, ""), ...pipelineRoles];

    const roles: Record<keyof typeof PIPELINE_ROLES, { subs: string[]; managed: string[]; statements: Statement[] }> = {
      plan: {
        subs: [`${repo}:pull_request`],
        // ReadOnlyAccess is what `terraform plan` refreshes with (every resource type's Describe/Get/List, kept
        // current by AWS). It also reads data; the plan needs none, so those reads are denied below. No write at
        // all: ci.yml plans with -lock=false, so the role needs no right on the state lock file.
        managed: ["ReadOnlyAccess"],
        statements: [
          ...stateRead,
          { Sid: "NoDataReadsS3", Effect: "Deny", Action: ["s3:GetObject", "s3:GetObjectVersion"], NotResource: stateObjects },
          {
            Sid: "NoDataReads",
            Effect: "Deny",
            Action: [
              "dynamodb:BatchGetItem",
              "dynamodb:GetItem",
              "dynamodb:Query",
              "dynamodb:Scan",
              "ecr:BatchGetImage",
              "ecr:GetDownloadUrlForLayer",
              "es:ESHttpGet",
              "es:ESHttpHead",
              "es:ESHttpPost",
              "kinesis:GetRecords",
              "logs:FilterLogEvents",
              "logs:GetLogEvents",
              "logs:GetQueryResults",
              "logs:StartQuery",
              "secretsmanager:GetSecretValue",
              "sqs:ReceiveMessage",
            ],
            Resource: "*",
          },
        ],
      },
      deploy: {
        subs: [`${repo}:environment:${props.deployEnvironment}`, `${repo}:environment:${rollbackEnvironment}`],
        managed: [],
        statements: [
          ...stateRead,
          // The state and its lock file (`<key>.tflock`, S3-native locking).
          { Sid: "StateWrite", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: stateObjects },
          {
            Sid: "StateKeyWrite",
            Action: ["kms:Encrypt", "kms:GenerateDataKey"],
            Resource: arn("kms", "key/*", props.state.accountId, props.state.region),
            Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
          },
          // Terraform creates, reads, updates and deletes every resource of these services, and many of their
          // actions (Describe*, kms:CreateKey, config:PutConfigurationRecorder, ...) take no resource ARN, so the
          // scope is the service list and the environment's region, not resource ARNs.
          {
            Sid: "Services",
            Action: DEPLOY_SERVICES.map((s) => `${s}:*`),
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": region } },
          },
          {
            // RDS creates the master password secret (manage_master_user_password) with the caller's rights; only those `rds!` secrets.
            Sid: "RdsManagedSecrets",
            Action: ["secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret", "secretsmanager:RotateSecret", "secretsmanager:TagResource", "secretsmanager:UpdateSecret"],
            Resource: arn("secretsmanager", "secret:rds!*"),
          },
          {
            Sid: "DnsRecords",
            Action: ["route53:ChangeResourceRecordSets", "route53:GetChange", "route53:GetHostedZone", "route53:ListHostedZones", "route53:ListResourceRecordSets", "route53:ListTagsForResource"],
            Resource: "*",
          },
          {
            // The deployed and last good commit (.github/scripts/env-facts.ts DEPLOY_RECORD).
            Sid: "DeployRecord",
            Action: ["ssm:GetParameter", "ssm:PutParameter"],
            Resource: arn("ssm", "parameter/groundwork/deploy/*"),
          },
          {
            Sid: "StackRoles",
            Action: [
              "iam:CreateRole",
              "iam:DeleteRole",
              "iam:GetRole",
              "iam:UpdateRole",
              "iam:UpdateRoleDescription",
              "iam:TagRole",
              "iam:UntagRole",
              "iam:ListRoleTags",
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
            Resource: stackRoles,
          },
          {
            Sid: "ServiceLinkedRoles",
            Action: "iam:CreateServiceLinkedRole",
            Resource: arn("iam", "role/aws-service-role/*", accountId, ""),
          },
          {
            Sid: "OidcProviders",
            Action: [
              "iam:CreateOpenIDConnectProvider",
              "iam:DeleteOpenIDConnectProvider",
              "iam:GetOpenIDConnectProvider",
              "iam:TagOpenIDConnectProvider",
              "iam:UntagOpenIDConnectProvider",
              "iam:AddClientIDToOpenIDConnectProvider",
              "iam:RemoveClientIDFromOpenIDConnectProvider",
              "iam:UpdateOpenIDConnectProviderThumbprint",
            ],
            Resource: arn("iam", "oidc-provider/*", accountId, ""),
          },
          {
            // Never needed by the stacks, and the classic ways out: sharing snapshots and images with other
            // accounts, and switching the audit trail off.
            Sid: "NoDataSharing",
            Effect: "Deny",
            Action: ["ec2:ModifySnapshotAttribute", "ec2:ModifyImageAttribute", "rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute", "cloudtrail:StopLogging"],
            Resource: "*",
          },
          {
            // The pipeline cannot widen its own access: the pipeline roles' permissions and trust change only
            // when an operator applies the stack (PIPELINE.md), never from a workflow run.
            Sid: "NoSelfEscalation",
            Effect: "Deny",
            Action: [
              "iam:PutRolePolicy",
              "iam:DeleteRolePolicy",
              "iam:AttachRolePolicy",
              "iam:DetachRolePolicy",
              "iam:UpdateAssumeRolePolicy",
              "iam:PutRolePermissionsBoundary",
              "iam:DeleteRolePermissionsBoundary",
              "iam:DeleteRole",
            ],
            Resource: pipelineRoles,
          },
          {
            // No stack role ever needs an administrator policy.
            Sid: "NoAdminAttachments",
            Effect: "Deny",
            Action: ["iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
            Resource: "*",
            Condition: { ArnLike: { "iam:PolicyARN": ["arn:*:iam::aws:policy/AdministratorAccess", "arn:*:iam::aws:policy/PowerUserAccess", "arn:*:iam::aws:policy/IAMFullAccess"] } },
          },
        ],
      },
      images: {
        subs: [`${repo}:ref:refs/heads/main`],
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
        subs: [`${repo}:environment:${props.drillEnvironment}`],
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
        subs: [`${repo}:environment:${props.scaleOutEnvironment}`],
        managed: [],
        statements: [{ Sid: "Cluster", Action: "eks:DescribeCluster", Resource: arn("eks", `cluster/${props.clusterName}`) }],
      },
    };

    const arns = {} as Record<keyof typeof PIPELINE_ROLES, string>;
    for (const [key, spec] of Object.entries(roles) as [keyof typeof PIPELINE_ROLES, (typeof roles)[keyof typeof PIPELINE_ROLES]][]) {
      const scope = new Construct(this, key);
      const role = new IamRole(scope, "role", {
        name: PIPELINE_ROLES[key],
        maxSessionDuration: PIPELINE_MAX_SESSION_SECONDS[key],
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: provider.arn },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: { StringEquals: { [`${GITHUB_OIDC}:aud`]: "sts.amazonaws.com", [`${GITHUB_OIDC}:sub`]: spec.subs.length === 1 ? spec.subs[0] : spec.subs } },
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
