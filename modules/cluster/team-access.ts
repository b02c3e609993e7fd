import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

export interface TeamAccessProps {
  readonly clusterName: string;
  /** Team name; its Kubernetes group is `team:<team>`. */
  readonly team: string;
  /** IAM principals of the team (roles its engineers assume). */
  readonly principalArns: readonly string[];
  /** Built-in ClusterRole the team gets in its namespaces: `view` (read) or `edit` (change workloads, no RBAC). */
  readonly role: "view" | "edit";
  /** Namespaces of the services the team owns; it gets nothing elsewhere. */
  readonly namespaces: readonly string[];
  /** Resources the bindings wait for (the namespaces). */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * A team's access to the cluster: its IAM principals map, through EKS access
 * entries, to the Kubernetes group `team:<team>` (no AWS access policy, so no
 * cluster-wide rights), and RoleBindings grant that group the built-in `view`
 * or `edit` ClusterRole in the team's own namespaces only.
 */
export class TeamAccess extends Construct {
  readonly group: string;

  constructor(scope: Construct, id: string, props: TeamAccessProps) {
    super(scope, id);
    if (props.principalArns.length === 0) throw new Error(`TeamAccess ${props.team}: principalArns is empty; expected at least one IAM role ARN`);
    this.group = `team:${props.team}`;
    const entries = new Construct(this, "entries");
    const created = props.principalArns.map(
      (principalArn, i) =>
        new EksAccessEntry(entries, String(i + 1), {
          clusterName: props.clusterName,
          principalArn,
          type: "STANDARD",
          kubernetesGroups: [this.group],
        }),
    );
    const bindings = new Construct(this, "bindings");
    for (const namespace of props.namespaces) {
      new RoleBindingV1(bindings, namespace, {
        metadata: { name: `team-${props.team}-${props.role}`, namespace, labels: { "app.kubernetes.io/part-of": "groundwork" } },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: props.role },
        subject: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: this.group }],
        dependsOn: [...(props.dependsOn ?? []), ...created],
      });
    }
  }
}
