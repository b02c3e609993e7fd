import type { ResourceRule } from "../types";
import { INGRESS_TYPES, openToInternet } from "../lib/ingress";
import { fail, pass } from "../lib/values";

/** No security group lets the whole internet reach port 3389 (RDP). */
export const NoPublicRdpIngress: ResourceRule = {
  id: "CKV_AWS_25",
  title: "No security group allows ingress from 0.0.0.0/0 or ::/0 to port 3389",
  scope: "resource",
  resourceTypes: INGRESS_TYPES,
  severity: "high",
  fix: "Remove the rule or restrict its source to admin CIDRs or a security group; prefer SSM Session Manager over RDP.",
  check(resource) {
    const open = openToInternet(resource, 3389);
    return open === undefined ? pass() : fail(open);
  },
};
