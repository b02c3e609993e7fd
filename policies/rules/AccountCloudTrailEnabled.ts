import type { StackRule } from "../types";
import { CloudTrailKmsEncrypted } from "./CloudTrailKmsEncrypted";
import { CloudTrailLogValidation } from "./CloudTrailLogValidation";
import { CloudTrailMultiRegion } from "./CloudTrailMultiRegion";
import { outcomeOf } from "../lib/outcome";
import { fail, pass } from "../lib/values";

/** The environment's account has a multi-region, validated, KMS-encrypted CloudTrail trail. */
export const AccountCloudTrailEnabled: StackRule = {
  id: "GW_BASELINE_CLOUDTRAIL",
  title: "Environment stack has a multi-region CloudTrail trail with log file validation and KMS",
  scope: "stack",
  stackKinds: ["environment"],
  severity: "high",
  fix: "Add a Cloudtrail with isMultiRegionTrail: true, enableLogFileValidation: true and kmsKeyId (security module account baseline).",
  check(context) {
    const trails = context.ofType("aws_cloudtrail");
    if (trails.length === 0) return fail("no aws_cloudtrail in the stack");
    const rules = [CloudTrailMultiRegion, CloudTrailLogValidation, CloudTrailKmsEncrypted];
    const good = trails.find((t) => rules.every((r) => outcomeOf(r.check(t, context)).status === "compliant"));
    return good ? pass(good.address) : fail(`no aws_cloudtrail is multi-region with log file validation and KMS (${trails.map((t) => t.address).join(", ")})`);
  },
};
