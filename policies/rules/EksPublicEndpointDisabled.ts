import type { ResourceRule } from "../types";
import { block, fail, isFalse, pass, show } from "../lib/values";

/**
 * The EKS API endpoint is private only. Stricter than CKV_AWS_38: environments
 * that keep a CIDR-restricted public endpoint for operators scope this rule
 * off in `config/policy.ts` and stay bound by CKV_AWS_38.
 */
export const EksPublicEndpointDisabled: ResourceRule = {
  id: "CKV_AWS_39",
  title: "EKS public endpoint is disabled",
  scope: "resource",
  resourceTypes: ["aws_eks_cluster"],
  severity: "medium",
  fix: "Set vpcConfig.endpointPublicAccess: false and endpointPrivateAccess: true (config/<env>.ts cluster.publicEndpoint: false).",
  check(cluster) {
    const vpc = block(cluster.values.vpc_config) ?? {};
    return isFalse(vpc.endpoint_public_access) ? pass() : fail(`vpc_config.endpoint_public_access is ${show(vpc.endpoint_public_access)} (the default is true)`);
  },
};
