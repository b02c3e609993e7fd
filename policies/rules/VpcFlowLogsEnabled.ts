import type { ResourceRule } from "../types";
import { fail, pass } from "../lib/values";

/** Every VPC records its traffic with an `aws_flow_log` that references it. */
export const VpcFlowLogsEnabled: ResourceRule = {
  id: "CKV2_AWS_11",
  title: "VPC has flow logging enabled",
  scope: "resource",
  resourceTypes: ["aws_vpc"],
  severity: "medium",
  fix: "Add an aws_flow_log (FlowLog) with vpcId set to this VPC's id, delivering to an encrypted log group.",
  check(vpc, context) {
    return context.referrers(vpc, "aws_flow_log").length > 0 ? pass() : fail("no aws_flow_log references this VPC");
  },
};
