import type { ResourceRule } from "../types";
import { block, fail, isFalse, OPEN_CIDRS, pass, strings } from "../lib/values";

/**
 * A public EKS API endpoint, where one is enabled, accepts only listed CIDRs.
 * The endpoint is public by default and `public_access_cidrs` defaults to
 * 0.0.0.0/0, so an absent list is open to the internet.
 */
export const EksPublicEndpointRestricted: ResourceRule = {
  id: "CKV_AWS_38",
  title: "EKS public endpoint is not accessible from 0.0.0.0/0",
  scope: "resource",
  resourceTypes: ["aws_eks_cluster"],
  severity: "high",
  fix: "Set vpcConfig.endpointPublicAccess: false, or set vpcConfig.publicAccessCidrs to the admin CIDRs (config/<env>.ts adminCidrs).",
  check(cluster) {
    const vpc = block(cluster.values.vpc_config) ?? {};
    if (isFalse(vpc.endpoint_public_access)) return pass("public endpoint disabled");
    const cidrs = strings(vpc.public_access_cidrs);
    if (cidrs.length === 0) return fail("the public endpoint is enabled and public_access_cidrs is absent (defaults to 0.0.0.0/0)");
    const open = cidrs.filter((c) => OPEN_CIDRS.includes(c));
    return open.length === 0 ? pass() : fail(`the public endpoint is enabled for ${open.join(", ")}`);
  },
};
