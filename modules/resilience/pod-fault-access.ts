import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { FIS_KUBERNETES_USER, FIS_SERVICE_ACCOUNT } from "./fault-injection";

/**
 * What the FIS `aws:eks:pod-*` actions need in a namespace, as the AWS FIS
 * user guide lists it ("Configure the Kubernetes service account",
 * https://docs.aws.amazon.com/fis/latest/userguide/eks-pod-actions.html):
 * FIS starts its own pod (configmaps, pods), which adds an ephemeral container
 * to the target pods (pods/ephemeralcontainers) and watches it (pods/exec).
 */
export const FIS_POD_RULES = [
  { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "patch", "delete"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["create", "list", "get", "delete", "deletecollection"] },
  { apiGroups: [""], resources: ["pods/ephemeralcontainers"], verbs: ["update"] },
  { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
  { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] },
] as const;

export interface PodFaultAccessProps {
  readonly clusterName: string;
  /** The FIS experiment role (`FaultInjection.roleArn`). */
  readonly principalArn: string;
  /** Namespaces the pod experiments target (`FaultInjection.podNamespaces`). */
  readonly namespaces: readonly string[];
  /** @default - no explicit dependencies (pass the namespaces' resources) */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Lets FIS reach the pods its `aws:eks:pod-*` experiments target, in those
 * namespaces only: an EKS access entry maps the FIS role to the Kubernetes
 * user `FIS_KUBERNETES_USER` (no AWS access policy, so no cluster-wide
 * rights), and each namespace gets the ServiceAccount the FIS pod runs as
 * (`FIS_SERVICE_ACCOUNT`, the templates' `kubernetesServiceAccount`), a Role
 * with `FIS_POD_RULES`, and a RoleBinding of both to it.
 */
export class PodFaultAccess extends Construct {
  constructor(scope: Construct, id: string, props: PodFaultAccessProps) {
    super(scope, id);
    if (props.namespaces.length === 0) throw new Error("PodFaultAccess: namespaces is empty; expected the namespaces the pod experiments target");
    const entry = new EksAccessEntry(this, "entry", {
      clusterName: props.clusterName,
      principalArn: props.principalArn,
      type: "STANDARD",
      userName: FIS_KUBERNETES_USER,
    });
    const labels = { "app.kubernetes.io/part-of": "groundwork", "app.kubernetes.io/component": "fault-injection" };
    for (const namespace of props.namespaces) {
      const scope = new Construct(this, namespace);
      const account = new ServiceAccountV1(scope, "service-account", {
        metadata: { name: FIS_SERVICE_ACCOUNT, namespace, labels },
        dependsOn: props.dependsOn,
      });
      const role = new RoleV1(scope, "role", {
        metadata: { name: FIS_SERVICE_ACCOUNT, namespace, labels },
        rule: FIS_POD_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
        dependsOn: props.dependsOn,
      });
      new RoleBindingV1(scope, "binding", {
        metadata: { name: FIS_SERVICE_ACCOUNT, namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subject: [
          { kind: "ServiceAccount", name: account.metadata.name, namespace },
          { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: FIS_KUBERNETES_USER },
        ],
        dependsOn: [entry],
      });
    }
  }
}
