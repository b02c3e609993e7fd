import { describe, expect, it } from "vitest";
import { services } from "../../config/services";
import { config, synthEnvironment } from "../helpers/synth";

describe.each(["dev", "prod"] as const)("team access in %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);

  it("maps each team's IAM principals to its Kubernetes group, with no AWS access policy", () => {
    for (const [team, access] of Object.entries(cfg.cluster.teamAccess)) {
      const entries = stack.byPath("aws_eks_access_entry", `/teams/${team}/`);
      expect(entries.map((e) => e.principal_arn)).toEqual(access.principalArns);
      expect(entries.every((e) => JSON.stringify(e.kubernetes_groups) === JSON.stringify([`team:${team}`]))).toBe(true);
    }
    const policyPrincipals = Object.values(stack.resources("aws_eks_access_policy_association")).map((a) => a.principal_arn);
    expect(policyPrincipals).toEqual([...cfg.cluster.adminPrincipalArns, expect.stringMatching(/aws_iam_role\.pipeline_deploy_role_/)]);
  });

  it("binds each team only in the namespaces of the services it owns, with its configured role", () => {
    for (const [team, access] of Object.entries(cfg.cluster.teamAccess)) {
      const bindings = stack.byPath("kubernetes_role_binding_v1", `/teams/${team}/`);
      expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(services.filter((s) => s.team === team).map((s) => s.name).sort());
      for (const b of bindings) {
        expect(b.role_ref).toEqual({ api_group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: access.role });
        expect(b.subject).toEqual([{ api_group: "rbac.authorization.k8s.io", kind: "Group", name: `team:${team}` }]);
      }
    }
  });
});

describe("team access across environments", () => {
  it("is read-only in prod (changes reach prod through the pipeline) and edit elsewhere", () => {
    expect(Object.values(config("prod").cluster.teamAccess).map((t) => t.role)).toEqual(["view", "view"]);
    expect(Object.values(config("dev").cluster.teamAccess).map((t) => t.role)).toEqual(["edit", "edit"]);
  });
});
