import type { ResourceRule } from "../types";
import { fail, isTrue, pass, show } from "../lib/values";

/** CloudTrail writes digest files, so tampering with log files is detectable. */
export const CloudTrailLogValidation: ResourceRule = {
  id: "CKV_AWS_36",
  title: "CloudTrail log file validation is enabled",
  scope: "resource",
  resourceTypes: ["aws_cloudtrail"],
  severity: "medium",
  fix: "Set enableLogFileValidation: true on the Cloudtrail.",
  check(trail) {
    const value = trail.values.enable_log_file_validation;
    return isTrue(value) ? pass() : fail(`enable_log_file_validation is ${show(value)}`);
  },
};
