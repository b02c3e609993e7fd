import type { ResourceRule } from "../types";
import { block, fail, isTrue, pass } from "../lib/values";

/** ECR scans every pushed image for vulnerabilities. */
export const EcrScanOnPush: ResourceRule = {
  id: "CKV_AWS_163",
  title: "ECR repository scans images on push",
  scope: "resource",
  resourceTypes: ["aws_ecr_repository"],
  severity: "medium",
  fix: "Set imageScanningConfiguration: { scanOnPush: true } on the EcrRepository.",
  check(repo) {
    return isTrue(block(repo.values.image_scanning_configuration)?.scan_on_push) ? pass() : fail("image_scanning_configuration.scan_on_push is not true");
  },
};
