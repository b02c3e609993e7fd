import type { ResourceRule } from "../types";
import { includesWildcard, policyDocuments } from "../lib/iam";
import { fail, notApplicable, pass } from "../lib/values";

/**
 * No IAM policy allows every action on every resource. Checkov's id for this
 * exact shape is CKV_AWS_62; the broader CKV_AWS_290/355 (write or
 * restrictable actions on "*") are not implemented.
 */
export const IamNoAdminPolicy: ResourceRule = {
  id: "CKV_AWS_62",
  title: 'IAM policy does not allow "*" actions on "*" resources',
  scope: "resource",
  resourceTypes: ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role"],
  severity: "critical",
  fix: "List the actions and resources the principal needs; use an AWS managed job-function policy for human administrators.",
  check(resource, context) {
    const docs = policyDocuments(resource, context);
    const admin = docs.statements.find(
      ({ statement }) => statement.Effect === "Allow" && includesWildcard(statement.Action) && includesWildcard(statement.Resource),
    );
    if (admin) return fail(`${admin.source} allows "*" on "*"`);
    if (docs.statements.length === 0 && docs.unreadable.length > 0) {
      return notApplicable(`${docs.unreadable.join(", ")} is not literal JSON, so it cannot be read at synth time`);
    }
    return pass();
  },
};
