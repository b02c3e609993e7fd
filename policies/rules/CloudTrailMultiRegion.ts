import type { ResourceRule } from "../types";
import { fail, isTrue, pass, show } from "../lib/values";

/** The trail records API activity in every region. */
export const CloudTrailMultiRegion: ResourceRule = {
  id: "CKV_AWS_67",
  title: "CloudTrail trail is enabled in all regions",
  scope: "resource",
  resourceTypes: ["aws_cloudtrail"],
  severity: "medium",
  fix: "Set isMultiRegionTrail: true on the Cloudtrail.",
  check(trail) {
    return isTrue(trail.values.is_multi_region_trail) ? pass() : fail(`is_multi_region_trail is ${show(trail.values.is_multi_region_trail)}`);
  },
};
