import type { ResourceRule } from "../types";
import { fail, pass, strings } from "../lib/values";

/** The five EKS control-plane log types. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** EKS ships every control-plane log type to CloudWatch. */
export const EksControlPlaneLogging: ResourceRule = {
  id: "CKV_AWS_37",
  title: "EKS cluster enables all control-plane log types",
  scope: "resource",
  resourceTypes: ["aws_eks_cluster"],
  severity: "medium",
  fix: `Set enabledClusterLogTypes: ${JSON.stringify(CONTROL_PLANE_LOG_TYPES)} on the EksCluster.`,
  check(cluster) {
    const enabled = strings(cluster.values.enabled_cluster_log_types);
    const missing = CONTROL_PLANE_LOG_TYPES.filter((t) => !enabled.includes(t));
    return missing.length === 0 ? pass() : fail(`enabled_cluster_log_types is missing ${missing.join(", ")}`);
  },
};
