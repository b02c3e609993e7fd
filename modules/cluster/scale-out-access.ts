import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

/** Kubernetes group of the scheduled scale-out revert. */
export const SCALE_OUT_GROUP = "pipeline:scale-out";

export interface ScaleOutAccessProps {
  readonly clusterName: string;
  /** IAM role the scheduled revert job assumes. */
  readonly principalArn: string;
  /** @default - no explicit dependencies */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * What `runbooks/scale-out.mjs --revert due` needs in the cluster and no more:
 * read and patch HorizontalPodAutoscalers and Karpenter NodePools.
 */
export class ScaleOutAccess extends Construct {
  constructor(scope: Construct, id: string, props: ScaleOutAccessProps) {
    super(scope, id);
    const entry = new EksAccessEntry(this, "entry", {
      clusterName: props.clusterName,
      principalArn: props.principalArn,
      type: "STANDARD",
      kubernetesGroups: [SCALE_OUT_GROUP],
    });
    const role = new ClusterRoleV1(this, "role", {
      metadata: { name: "groundwork-scale-out", labels: { "app.kubernetes.io/part-of": "groundwork" } },
      rule: [
        { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["get", "list", "patch"] },
        { apiGroups: ["karpenter.sh"], resources: ["nodepools"], verbs: ["get", "list", "patch"] },
      ],
      dependsOn: props.dependsOn,
    });
    new ClusterRoleBindingV1(this, "binding", {
      metadata: { name: "groundwork-scale-out" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
      subject: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: SCALE_OUT_GROUP }],
      dependsOn: [entry],
    });
  }
}
