import type { ResourceRule } from "../types";
import { blocks, fail, pass } from "../lib/values";

/**
 * The default security group of every VPC allows no traffic. AWS creates it
 * with "allow all from itself"; Terraform removes those rules only when the
 * stack manages it with an `aws_default_security_group` that has no rules.
 */
export const DefaultSecurityGroupRestricted: ResourceRule = {
  id: "CKV2_AWS_12",
  title: "Default security group of every VPC restricts all traffic",
  scope: "resource",
  resourceTypes: ["aws_vpc", "aws_default_security_group"],
  severity: "medium",
  fix: "Add a DefaultSecurityGroup with vpcId set to the VPC's id and no ingress or egress blocks.",
  check(resource, context) {
    if (resource.type === "aws_vpc") {
      const managed = context.referrers(resource, "aws_default_security_group");
      return managed.length > 0 ? pass() : fail("no aws_default_security_group manages this VPC's default security group");
    }
    const rules = blocks(resource.values.ingress).length + blocks(resource.values.egress).length;
    return rules === 0 ? pass() : fail(`the default security group has ${rules} ingress/egress rule(s)`);
  },
};
