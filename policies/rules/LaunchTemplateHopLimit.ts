import type { ResourceRule } from "../types";
import { asNumber, block, fail, pass, show } from "../lib/values";

/**
 * Metadata responses do not leave the instance (hop limit 1), so pods on EKS
 * nodes cannot borrow the node role. Unlike checkov, an absent hop limit fails:
 * the AMI then decides, and EKS-optimized AL2023 AMIs default to 2.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html
 */
export const LaunchTemplateHopLimit: ResourceRule = {
  id: "CKV_AWS_341",
  title: "Launch template metadata response hop limit is 1",
  scope: "resource",
  resourceTypes: ["aws_launch_template", "aws_launch_configuration"],
  severity: "medium",
  fix: "Set metadataOptions.httpPutResponseHopLimit: 1 explicitly; give pods AWS access through IRSA or EKS Pod Identity.",
  check(resource) {
    const options = block(resource.values.metadata_options);
    if (options?.http_endpoint === "disabled") return pass("metadata endpoint disabled");
    const limit = asNumber(options?.http_put_response_hop_limit);
    return limit === 1 ? pass() : fail(`metadata_options.http_put_response_hop_limit is ${show(options?.http_put_response_hop_limit)}; expected 1`);
  },
};
