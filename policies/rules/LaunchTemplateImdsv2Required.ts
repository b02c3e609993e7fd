import type { ResourceRule } from "../types";
import { block, fail, pass, show } from "../lib/values";

/** Instances answer metadata requests only with an IMDSv2 session token. */
export const LaunchTemplateImdsv2Required: ResourceRule = {
  id: "CKV_AWS_79",
  title: "Instance metadata service requires IMDSv2 tokens",
  scope: "resource",
  resourceTypes: ["aws_launch_template", "aws_launch_configuration", "aws_instance"],
  severity: "high",
  fix: 'Set metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 }.',
  check(resource) {
    const options = block(resource.values.metadata_options);
    if (options?.http_endpoint === "disabled") return pass("metadata endpoint disabled");
    return options?.http_tokens === "required" ? pass() : fail(`metadata_options.http_tokens is ${show(options?.http_tokens)}; expected "required"`);
  },
};
