import type { StackRule } from "../types";
import { fail, isTrue, pass } from "../lib/values";

/** AWS Config records resource changes in the environment's account, and the recorder is running. */
export const AccountConfigRecorderEnabled: StackRule = {
  id: "GW_BASELINE_CONFIG_RECORDER",
  title: "Environment stack has a running AWS Config recorder",
  scope: "stack",
  stackKinds: ["environment"],
  severity: "medium",
  fix: "Add a ConfigConfigurationRecorder, a ConfigDeliveryChannel and a ConfigConfigurationRecorderStatus with isEnabled: true that references the recorder's name.",
  check(context) {
    const recorders = context.ofType("aws_config_configuration_recorder");
    if (recorders.length === 0) return fail("no aws_config_configuration_recorder in the stack");
    const running = recorders.some((r) =>
      context.referrers(r, "aws_config_configuration_recorder_status").some((s) => isTrue(s.values.is_enabled)),
    );
    return running ? pass() : fail("no aws_config_configuration_recorder_status with is_enabled = true references the recorder");
  },
};
