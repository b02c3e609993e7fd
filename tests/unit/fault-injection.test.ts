import { describe, expect, it } from "vitest";
import { EXPERIMENTS } from "../../modules/resilience/fault-injection";
import { config, policyOf, synthEnvironment } from "../helpers/synth";

describe("fault injection experiments", () => {
  const stack = synthEnvironment("staging");
  const templates = Object.values(stack.resources("aws_fis_experiment_template"));
  const byAction = (actionId: string) => templates.find((t) => t.action[0].action_id === actionId)!;

  it("offers one template per experiment", () => {
    expect(templates.map((t) => t.tags.Name).sort()).toEqual(EXPERIMENTS.map((e) => `groundwork-staging-${e}`).sort());
  });

  it("stops every experiment on the 5xx alarm and the database alarm", () => {
    for (const t of templates) {
      expect(t.stop_condition).toHaveLength(2);
      expect(t.stop_condition.every((c: any) => c.source === "aws:cloudwatch:alarm" && /aws_cloudwatch_metric_alarm/.test(c.value))).toBe(true);
    }
    const alarms = Object.values(stack.resources("aws_cloudwatch_metric_alarm"));
    expect(alarms.find((a) => a.alarm_name === "groundwork-staging-fis-stop-5xx")!.metric_query[0].expression).toContain("HTTPCode_Target_5XX_Count");
    expect(alarms.find((a) => a.alarm_name === "groundwork-staging-fis-stop-database")!.dimensions).toEqual({ DBInstanceIdentifier: "groundwork-staging" });
  });

  it("terminates a third of each configured node group's instances", () => {
    const t = byAction("aws:eks:terminate-nodegroup-instances");
    expect(t.action[0].parameter).toEqual([{ key: "instanceTerminationPercentage", value: "33" }]);
    expect(t.target[0].resource_arns).toHaveLength(config("staging").cluster.nodeGroups.length);
  });

  it("disrupts only the environment's subnets in one AZ", () => {
    const t = byAction("aws:network:disrupt-connectivity");
    expect(t.target[0].resource_tag).toEqual([{ key: "environment", value: "staging" }]);
    expect(t.target[0].filter[0].path).toBe("AvailabilityZone");
    expect(t.target[0].filter[0].values[0]).toMatch(/element\(data\.aws_availability_zones\.network_zones_\w+\.names, 0\)/);
  });

  it("forces an RDS Multi-AZ failover of the environment's database", () => {
    const t = byAction("aws:rds:reboot-db-instances");
    expect(t.action[0].parameter).toEqual([{ key: "forceFailover", value: "true" }]);
    expect(t.target[0].resource_arns[0]).toMatch(/:db:groundwork-staging$/);
  });

  it("stresses CPU on half of a service's pods", () => {
    const t = byAction("aws:eks:pod-cpu-stress");
    expect(t.target[0]).toMatchObject({ resource_type: "aws:eks:pod", selection_mode: "PERCENT(50)" });
    expect(t.target[0].parameters).toMatchObject({ clusterIdentifier: "groundwork-staging", selectorType: "labelSelector" });
  });

  it("scopes the role's destructive actions to the environment's tagged resources", () => {
    const [policy] = stack.byPath("aws_iam_role_policy", "/fault-injection/role/");
    const statements = policyOf(policy.policy).Statement as any[];
    const destructive = statements.filter((s) => [s.Action].flat().some((a: string) => /^(ec2:TerminateInstances|ec2:CreateNetworkAcl|ec2:CreateNetworkAclEntry|ec2:DeleteNetworkAcl|ec2:ReplaceNetworkAclAssociation|rds:RebootDBInstance)$/.test(a)));
    expect(destructive.length).toBeGreaterThan(0);
    for (const s of destructive) {
      expect(s.Resource).not.toBe("*");
      expect(s.Condition, s.Sid).toBeDefined();
    }
    expect(statements.every((s) => s.Action !== "*" && !(Array.isArray(s.Action) && s.Action.includes("*")))).toBe(true);
  });

});
