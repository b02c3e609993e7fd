import { describe, expect, it } from "vitest";
import { PIPELINE_ROLES } from "../../config/naming";
import { config, policyOf, synthEnvironment } from "../helpers/synth";

describe.each(["staging", "prod"] as const)("pipeline roles in %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);
  const role = (key: keyof typeof PIPELINE_ROLES) => stack.byPath("aws_iam_role", `/pipeline/${key}/`)[0];
  const inline = (key: keyof typeof PIPELINE_ROLES) => policyOf(stack.byPath("aws_iam_role_policy", `/pipeline/${key}/`)[0].policy).Statement as any[];

  it("trusts GitHub's OIDC provider for exactly one workflow context of the repository each", () => {
    expect(stack.byPath("aws_iam_openid_connect_provider", "/pipeline/")[0].url).toBe("https://token.actions.githubusercontent.com");
    const subs = Object.fromEntries(
      (Object.keys(PIPELINE_ROLES) as (keyof typeof PIPELINE_ROLES)[]).map((k) => [k, policyOf(role(k).assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]]),
    );
    const repo = `repo:${cfg.delivery.githubRepository}`;
    expect(subs).toEqual({
      plan: `${repo}:pull_request`,
      deploy: `${repo}:environment:${cfg.delivery.githubEnvironment}`,
      images: `${repo}:ref:refs/heads/main`,
      drill: `${repo}:environment:dr-drill-${env}`,
      scaleOut: `${repo}:environment:scale-out-revert-${env}`,
    });
    for (const k of Object.keys(PIPELINE_ROLES) as (keyof typeof PIPELINE_ROLES)[]) {
      const statement = policyOf(role(k).assume_role_policy).Statement[0];
      expect(statement.Action).toBe("sts:AssumeRoleWithWebIdentity");
      expect(statement.Condition.StringEquals["token.actions.githubusercontent.com:aud"]).toBe("sts.amazonaws.com");
      expect(role(k).name).toBe(PIPELINE_ROLES[k]);
    }
  });

  it("never allows a wildcard action, and allows * resources only for actions AWS cannot scope", () => {
    for (const k of Object.keys(PIPELINE_ROLES) as (keyof typeof PIPELINE_ROLES)[]) {
      for (const s of inline(k)) {
        expect([s.Action].flat().some((a: string) => a === "*" || a.endsWith(":*")), `${k} ${s.Sid}`).toBe(false);
        if (s.Resource === "*") expect(["RegistryLogin", "Describe"], `${k} ${s.Sid}`).toContain(s.Sid);
      }
    }
  });

  it("confines the deploy role's IAM rights to the environment's own roles and its state to the environment's prefix", () => {
    const statements = inline("deploy");
    expect(statements.find((s) => s.Sid === "OwnRoles").Resource).toMatch(/:role\/groundwork-\w+-\*$/);
    expect(statements.find((s) => s.Sid === "StateWrite").Resource).toMatch(new RegExp(`/${env}/\\*$`));
    const managed = stack.byPath("aws_iam_role_policy_attachment", "/pipeline/deploy/").map((a) => a.policy_arn);
    expect(managed).toEqual([expect.stringMatching(/:iam::aws:policy\/PowerUserAccess$/)]);
  });

  it("lets the images role push only to the catalog's repositories", () => {
    const push = inline("images").find((s) => s.Sid === "Push");
    expect(push.Resource).toHaveLength(4);
    expect(push.Action).not.toContain("ecr:DeleteRepository");
  });
});

describe("scale-out revert access", () => {
  const stack = synthEnvironment("prod");

  it("may only describe the cluster in AWS, and only read and patch HPAs and NodePools in Kubernetes", () => {
    const statements = policyOf(stack.byPath("aws_iam_role_policy", "/pipeline/scaleOut/")[0].policy).Statement;
    expect(statements).toEqual([expect.objectContaining({ Action: "eks:DescribeCluster", Resource: expect.stringMatching(/:cluster\/groundwork-prod$/) })]);
    const [entry] = stack.byPath("aws_eks_access_entry", "/scale-out-access/");
    expect(entry.kubernetes_groups).toEqual(["pipeline:scale-out"]);
    const role = stack.only("kubernetes_cluster_role_v1");
    expect(role.rule).toEqual([
      { api_groups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["get", "list", "patch"] },
      { api_groups: ["karpenter.sh"], resources: ["nodepools"], verbs: ["get", "list", "patch"] },
    ]);
    expect(stack.only("kubernetes_cluster_role_binding_v1").subject).toEqual([{ api_group: "rbac.authorization.k8s.io", kind: "Group", name: "pipeline:scale-out" }]);
  });
});
