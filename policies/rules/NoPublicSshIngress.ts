import type { ResourceRule } from "../types";
import { INGRESS_TYPES, openToInternet } from "../lib/ingress";
import { fail, pass } from "../lib/values";

/** No security group lets the whole internet reach port 22 (SSH). */
export const NoPublicSshIngress: ResourceRule = {
  id: "CKV_AWS_24",
  title: "No security group allows ingress from 0.0.0.0/0 or ::/0 to port 22",
  scope: "resource",
  resourceTypes: INGRESS_TYPES,
  severity: "high",
  fix: "Remove the rule or restrict its source to admin CIDRs or a security group; prefer SSM Session Manager over SSH.",
  check(resource) {
    const open = openToInternet(resource, 22);
    return open === undefined ? pass() : fail(open);
  },
};
