import { describe, expect, it } from "vitest";
import { TerraformStack, Testing } from "cdktf";
import { EXPERIMENTS, FIS_KUBERNETES_USER, FIS_SERVICE_ACCOUNT } from "../../modules/resilience/fault-injection";
import { PodFaultAccess } from "../../modules/resilience/pod-fault-access";
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

  describe("pod experiments' access to the cluster", () => {
    const t = byAction("aws:eks:pod-cpu-stress");
    const namespace = t.target[0].parameters.namespace;
    const [role] = stack.byPath("aws_iam_role", "/fault-injection/role/");

    it("runs the FIS pod as the ServiceAccount created in the target namespace", () => {
      expect(namespace).toBe("api-gateway");
      expect(t.action[0].parameter).toContainEqual({ key: "kubernetesServiceAccount", value: "fis-experiment" });
      // The namespace enforces Pod Security "restricted", and FIS lists tag:GetResources among the action's permissions.
      expect(t.action[0].parameter).toContainEqual({ key: "fisPodSecurityPolicy", value: "restricted" });
      const [policy] = stack.byPath("aws_iam_role_policy", "/fault-injection/role/");
      expect((policyOf(policy.policy).Statement as any[]).find((s) => s.Sid === "Describe").Action).toContain("tag:GetResources");
      const accounts = stack.byPath("kubernetes_service_account_v1", "/fault-injection-access/");
      expect(accounts.map((a) => a.metadata)).toEqual([expect.objectContaining({ name: "fis-experiment", namespace: "api-gateway" })]);
      expect(accounts[0].depends_on).toEqual([expect.stringMatching(/^kubernetes_namespace_v1\.namespaces_api-gateway_namespace_\w+$/)]);
    });

    it("maps the FIS role to a Kubernetes user through a STANDARD access entry with no AWS access policy", () => {
      const entries = stack.byPath("aws_eks_access_entry", "/fault-injection-access/");
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ type: "STANDARD", user_name: "groundwork:fis", cluster_name: expect.stringContaining("aws_eks_cluster.") });
      expect(entries[0].principal_arn).toMatch(/^\$\{aws_iam_role\.fault-injection_role_\w+\.arn\}$/);
      expect(role.name).toBe("groundwork-staging-fis");
      expect(entries[0].kubernetes_groups).toBeUndefined();
      const associated = Object.values(stack.resources("aws_eks_access_policy_association")).map((a) => a.principal_arn);
      expect(associated).not.toContain(entries[0].principal_arn);
    });

    it("grants, in the target namespace only, exactly what the AWS FIS guide lists for the pod actions", () => {
      const [r] = stack.byPath("kubernetes_role_v1", "/fault-injection-access/");
      expect(r.metadata).toMatchObject({ name: "fis-experiment", namespace: "api-gateway" });
      expect(r.rule).toEqual([
        { api_groups: [""], resources: ["configmaps"], verbs: ["get", "create", "patch", "delete"] },
        { api_groups: [""], resources: ["pods"], verbs: ["create", "list", "get", "delete", "deletecollection"] },
        { api_groups: [""], resources: ["pods/ephemeralcontainers"], verbs: ["update"] },
        { api_groups: [""], resources: ["pods/exec"], verbs: ["create"] },
        { api_groups: ["apps"], resources: ["deployments"], verbs: ["get"] },
      ]);
      expect(stack.byPath("kubernetes_cluster_role_v1", "/fault-injection-access/")).toEqual([]);
      expect(stack.byPath("kubernetes_cluster_role_binding_v1", "/fault-injection-access/")).toEqual([]);
    });

    it("binds the Role to the ServiceAccount and the access entry's user, after the entry exists", () => {
      const [b] = stack.byPath("kubernetes_role_binding_v1", "/fault-injection-access/");
      expect(b.metadata).toMatchObject({ name: "fis-experiment", namespace: "api-gateway" });
      expect(b.role_ref).toEqual({ api_group: "rbac.authorization.k8s.io", kind: "Role", name: expect.stringMatching(/^\$\{kubernetes_role_v1\.fault-injection-access_api-gateway_role_\w+\.metadata\[0\]\.name\}$/) });
      expect(b.subject).toEqual([
        { kind: "ServiceAccount", name: expect.stringMatching(/^\$\{kubernetes_service_account_v1\.fault-injection-access_api-gateway_service-account_\w+\.metadata\[0\]\.name\}$/), namespace: "api-gateway" },
        { api_group: "rbac.authorization.k8s.io", kind: "User", name: "groundwork:fis" },
      ]);
      expect(b.depends_on).toEqual([expect.stringMatching(/^aws_eks_access_entry\.fault-injection-access_entry_\w+$/)]);
      expect([FIS_SERVICE_ACCOUNT, FIS_KUBERNETES_USER]).toEqual(["fis-experiment", "groundwork:fis"]);
    });

    it("says in the template that the stress needs writable root filesystems, which the services do not have", () => {
      expect(t.description).toContain("Fails unless the target containers have readOnlyRootFilesystem: false");
      expect(t.description.length).toBeLessThanOrEqual(512);
    });

    it("fails when no namespace is given", () => {
      const scope = new TerraformStack(Testing.app(), "s");
      expect(() => new PodFaultAccess(scope, "x", { clusterName: "c", principalArn: "arn:aws:iam::1:role/r", namespaces: [] })).toThrow(
        "PodFaultAccess: namespaces is empty; expected the namespaces the pod experiments target",
      );
    });
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
