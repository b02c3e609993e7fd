import type { ResourceRule } from "../types";
import { fail, isTrue, notApplicable, pass } from "../lib/values";

/**
 * Internet-facing application load balancers sit behind AWS WAF: an
 * `aws_wafv2_web_acl_association` references the load balancer. Network and
 * gateway load balancers cannot take a web ACL and are not judged.
 */
export const PublicLoadBalancerWaf: ResourceRule = {
  id: "CKV2_AWS_28",
  title: "Public application load balancer is protected by WAF",
  scope: "resource",
  resourceTypes: ["aws_lb", "aws_alb"],
  severity: "high",
  fix: "Add a Wafv2WebAclAssociation with resourceArn: <Lb>.arn and webAclArn: <Wafv2WebAcl>.arn, or make the load balancer internal.",
  check(lb, context) {
    if (isTrue(lb.values.internal)) return notApplicable("internal load balancer");
    const type = lb.values.load_balancer_type ?? "application";
    if (type !== "application") return notApplicable(`${String(type)} load balancers cannot use WAF`);
    return context.referrers(lb, "aws_wafv2_web_acl_association").length > 0
      ? pass()
      : fail("internet-facing and no aws_wafv2_web_acl_association references it");
  },
};
