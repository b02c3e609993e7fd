import type { ResourceRule } from "../types";
import { LaunchTemplateHopLimit } from "./LaunchTemplateHopLimit";
import { LaunchTemplateImdsv2Required } from "./LaunchTemplateImdsv2Required";
import { block, fail, pass } from "../lib/values";
import { outcomeOf } from "../lib/outcome";

/**
 * Managed node groups launch from a launch template of this stack that
 * requires IMDSv2 with hop limit 1. Without one, EKS generates a template
 * with hop limit 2, which lets every pod reach the node role's credentials.
 */
export const EksNodeGroupLaunchTemplate: ResourceRule = {
  id: "GW_EKS_NODE_GROUP_IMDSV2",
  title: "EKS node group uses a launch template that requires IMDSv2 with hop limit 1",
  scope: "resource",
  resourceTypes: ["aws_eks_node_group"],
  severity: "high",
  fix: "Give the EksNodeGroup launchTemplate: { id: <LaunchTemplate>.id, version: <LaunchTemplate>.latestVersion } with metadataOptions httpTokens \"required\" and httpPutResponseHopLimit 1.",
  check(group, context) {
    const ref = block(group.values.launch_template);
    if (!ref) return fail("launch_template is absent, so EKS uses its default template (hop limit 2)");
    const template = context.resolve(ref.id ?? ref.name);
    if (template?.type !== "aws_launch_template") return fail("launch_template does not reference an aws_launch_template of this stack");
    for (const rule of [LaunchTemplateImdsv2Required, LaunchTemplateHopLimit]) {
      const outcome = outcomeOf(rule.check(template, context));
      if (outcome.status === "non-compliant") return fail(`${template.address}: ${outcome.message ?? rule.title}`);
    }
    return pass();
  },
};
