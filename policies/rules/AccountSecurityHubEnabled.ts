import type { StackRule } from "../types";
import { fail, pass } from "../lib/values";

/** Security Hub aggregates findings for the environment's account. */
export const AccountSecurityHubEnabled: StackRule = {
  id: "GW_BASELINE_SECURITY_HUB",
  title: "Environment stack enables Security Hub",
  scope: "stack",
  stackKinds: ["environment"],
  severity: "medium",
  fix: "Add a SecurityhubAccount (security module account baseline), with the standards subscriptions the organisation requires.",
  check(context) {
    return context.ofType("aws_securityhub_account").length > 0 ? pass() : fail("no aws_securityhub_account in the stack");
  },
};
