import type { ResourceRule } from "../types";
import { fail, pass, show } from "../lib/values";

/** An image tag, once pushed, always names the same image. */
export const EcrImmutableTags: ResourceRule = {
  id: "CKV_AWS_51",
  title: "ECR repository has immutable image tags",
  scope: "resource",
  resourceTypes: ["aws_ecr_repository"],
  severity: "medium",
  fix: 'Set imageTagMutability: "IMMUTABLE" on the EcrRepository.',
  check(repo) {
    const value = repo.values.image_tag_mutability;
    return value === "IMMUTABLE" ? pass() : fail(`image_tag_mutability is ${show(value)} (the default is "MUTABLE")`);
  },
};
