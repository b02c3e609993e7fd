import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { awsContext } from "./aws-context";

/** One statement of an IAM policy. `Resource` is required: no implicit `*`. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect?: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

export interface ServiceRoleProps {
  /** Role name, unique in the account. */
  readonly name: string;
  /** Service principal allowed to assume the role, such as `eks.amazonaws.com`. */
  readonly servicePrincipal: string;
  /**
   * Extra actions the service needs in the trust policy.
   * @default - none beyond sts:AssumeRole
   */
  readonly extraTrustActions?: readonly string[];
  /**
   * Require `aws:SourceAccount` to be this account in the trust policy
   * (confused-deputy protection). Turn off only for services that do not send
   * the key when they assume a role (EC2 instance profiles, the EKS control plane).
   * @default true
   */
  readonly sourceAccountCondition?: boolean;
  /**
   * AWS managed policies by name (attached as `arn:<partition>:iam::aws:policy/<name>`).
   * @default - none
   */
  readonly managedPolicies?: readonly string[];
  /**
   * Inline policy statements, for permissions scoped to this stack's resources.
   * @default - none
   */
  readonly statements?: readonly PolicyStatement[];
}

/** An IAM role assumable only by one AWS service principal from this account. */
export class ServiceRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const { accountId, partition } = awsContext(this);
    this.role = new IamRole(this, "role", {
      name: props.name,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: props.servicePrincipal },
            Action: ["sts:AssumeRole", ...(props.extraTrustActions ?? [])],
            ...(props.sourceAccountCondition === false
              ? {}
              : { Condition: { StringEquals: { "aws:SourceAccount": accountId } } }),
          },
        ],
      }),
    });
    for (const policy of props.managedPolicies ?? []) {
      // Scope per policy name: the id stays stable when the list is reordered.
      new IamRolePolicyAttachment(new Construct(this, policy), "attachment", {
        role: this.role.name,
        policyArn: `arn:${partition}:iam::aws:policy/${policy}`,
      });
    }
    if (props.statements?.length) {
      new IamRolePolicy(this, "policy", {
        name: props.name,
        role: this.role.id,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: props.statements.map((s) => ({ Effect: "Allow", ...s })),
        }),
      });
    }
    this.arn = this.role.arn;
    this.name = this.role.name;
  }
}
