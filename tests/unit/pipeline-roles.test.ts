import { Testing, TerraformStack } from "cdktf";
import { describe, expect, it } from "vitest";
import { PIPELINE_ROLES } from "../../config/naming";
import { DEPLOY_SERVICES, PIPELINE_MAX_SESSION_SECONDS, PipelineRoles } from "../../modules/security/pipeline-roles";
import { Synth, config, policyOf, synthEnvironment, type Json } from "../helpers/synth";

type RoleKey = keyof typeof PIPELINE_ROLES;
const ROLE_KEYS = Object.keys(PIPELINE_ROLES) as RoleKey[];
const OIDC_SUB = "token.actions.githubusercontent.com:sub";

const list = (v: unknown): string[] => (v === undefined ? [] : [v].flat().map(String));
const inlineOf = (stack: Synth, key: RoleKey) => policyOf(stack.byPath("aws_iam_role_policy", `/pipeline/${key}/`)[0].policy).Statement as Json[];
const allows = (statements: Json[]) => statements.filter((s) => s.Effect === "Allow");
/** The statement with `Sid`; throws when the policy has none. */
function sid(statements: Json[], id: string): Json {
  const found = statements.find((s) => s.Sid === id);
  if (!found) throw new Error(`no statement ${id} in ${statements.map((s) => s.Sid).join(", ")}`);
  return found;
}

/** `*` in an IAM ARN pattern matches any run of characters (`?` is not used here). */
function globMatches(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(value);
}

/** The IAM ARN part after `arn:<partition>:iam::<account>:`, such as `role/groundwork-dev-node`; undefined for other ARNs. */
const iamPath = (arn: string) => /^arn:[^:]+:iam::[^:]*:(.+)$/.exec(arn)?.[1];

/**
 * The IAM resources (roles, instance profiles, customer managed policies) an
 * environment stack creates that the deploy role could not create, change and
 * delete: each needs an Allow statement with the `Create…` action whose
 * resource pattern matches the resource's ARN.
 */
function unmanageableIamResources(stack: Synth, deployStatements: Json[]): string[] {
  const kinds: [type: string, arnKind: string, action: string][] = [
    ["aws_iam_role", "role", "iam:CreateRole"],
    ["aws_iam_instance_profile", "instance-profile", "iam:CreateInstanceProfile"],
    ["aws_iam_policy", "policy", "iam:CreatePolicy"],
  ];
  const findings: string[] = [];
  for (const [type, arnKind, action] of kinds) {
    const patterns = allows(deployStatements)
      .filter((s) => list(s.Action).includes(action))
      .flatMap((s) => list(s.Resource))
      .flatMap((r) => iamPath(r) ?? []);
    for (const [id, resource] of Object.entries(stack.resources(type))) {
      if (typeof resource.name !== "string" || resource.name.includes("${")) {
        findings.push(`${type}.${id} has no literal name, so no resource pattern can be shown to cover it`);
        continue;
      }
      const path = `${arnKind}${resource.path ?? "/"}${resource.name}`;
      if (!patterns.some((p) => globMatches(p, path))) findings.push(`${type}.${id} (${path}) is not covered by ${action} on ${JSON.stringify(patterns)}`);
    }
  }
  return findings;
}

/**
 * The IAM service prefix whose API Terraform calls for a resource or data
 * source type; `null` for types that need no permission (caller identity,
 * partition, region) or that are not AWS. Unknown `aws_` types throw, so a
 * new resource type cannot slip past the deploy role's service list.
 */
function iamServiceOf(type: string): string | null {
  const table: [RegExp, string | null][] = [
    [/^aws_(caller_identity|partition|region)$/, null],
    [/^aws_acm_/, "acm"],
    [/^aws_cloudtrail/, "cloudtrail"],
    [/^aws_cloudwatch_event_/, "events"],
    [/^aws_cloudwatch_log_/, "logs"],
    [/^aws_cloudwatch_metric_alarm$/, "cloudwatch"],
    [/^aws_config_/, "config"],
    [/^aws_db_/, "rds"],
    [/^aws_route53_/, "route53"],
    [/^aws_(vpc|vpc_endpoint|vpc_security_group_(ingress|egress)_rule|subnet|route|route_table|route_table_association|internet_gateway|nat_gateway|eip|security_group|default_security_group|flow_log|launch_template|availability_zones)$/, "ec2"],
    [/^aws_ecr_/, "ecr"],
    [/^aws_eks_/, "eks"],
    [/^aws_elasticache_/, "elasticache"],
    [/^aws_opensearch_/, "es"],
    [/^aws_fis_/, "fis"],
    [/^aws_guardduty_/, "guardduty"],
    [/^aws_iam_/, "iam"],
    [/^aws_kms_/, "kms"],
    [/^aws_s3_/, "s3"],
    [/^aws_securityhub_/, "securityhub"],
    [/^aws_sqs_/, "sqs"],
    [/^aws_wafv2_/, "wafv2"],
  ];
  if (!type.startsWith("aws_")) return null;
  const hit = table.find(([re]) => re.test(type));
  if (!hit) throw new Error(`no IAM service known for ${type}; add it to iamServiceOf and, if the deploy role lacks it, to DEPLOY_SERVICES`);
  return hit[1];
}

/** Services of `types` the deploy role's Allow statements do not reach (by `<service>:*` or a listed action). */
function unreachableServices(types: readonly string[], deployStatements: Json[]): string[] {
  const prefixes = new Set(allows(deployStatements).flatMap((s) => list(s.Action).map((a) => a.split(":")[0])));
  return [...new Set(types.map(iamServiceOf).filter((s): s is string => s !== null))].filter((s) => !prefixes.has(s)).sort();
}

const typesOf = (stack: Synth) => [...Object.keys(stack.json.resource ?? {}), ...Object.keys(stack.json.data ?? {})];

describe.each(["dev", "staging", "prod"] as const)("pipeline roles in %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);
  const role = (key: RoleKey) => stack.byPath("aws_iam_role", `/pipeline/${key}/`)[0];
  const inline = (key: RoleKey) => inlineOf(stack, key);

  it("trusts GitHub's OIDC provider for one workflow context of the repository each (deploy: its environment and its rollback environment)", () => {
    expect(stack.byPath("aws_iam_openid_connect_provider", "/pipeline/")[0].url).toBe("https://token.actions.githubusercontent.com");
    const subs = Object.fromEntries(ROLE_KEYS.map((k) => [k, policyOf(role(k).assume_role_policy).Statement[0].Condition.StringEquals[OIDC_SUB]]));
    const repo = `repo:${cfg.delivery.githubRepository}`;
    expect(subs).toEqual({
      plan: `${repo}:pull_request`,
      deploy: [`${repo}:environment:${cfg.delivery.githubEnvironment}`, `${repo}:environment:${cfg.delivery.githubEnvironment}-rollback`],
      images: `${repo}:ref:refs/heads/main`,
      drill: `${repo}:environment:dr-drill-${env}`,
      scaleOut: `${repo}:environment:scale-out-revert-${env}`,
    });
    for (const k of ROLE_KEYS) {
      const statement = policyOf(role(k).assume_role_policy).Statement[0];
      expect(statement.Action).toBe("sts:AssumeRoleWithWebIdentity");
      expect(statement.Condition.StringEquals["token.actions.githubusercontent.com:aud"]).toBe("sts.amazonaws.com");
      expect(Object.keys(statement.Condition)).toEqual(["StringEquals"]);
      expect(role(k).name).toBe(PIPELINE_ROLES[k]);
    }
  });

  it("never allows a bare * action or NotAction, attaches no admin or power-user policy, and allows * resources only where AWS cannot scope", () => {
    for (const k of ROLE_KEYS) {
      for (const s of inline(k)) {
        expect(s.NotAction, `${k} ${s.Sid}`).toBeUndefined();
        if (s.Effect !== "Allow") continue;
        const actions = list(s.Action);
        expect(actions.includes("*"), `${k} ${s.Sid}`).toBe(false);
        // Service-wide actions only in the deploy role's region-bound service list.
        if (actions.some((a) => a.endsWith(":*"))) {
          expect(`${k} ${s.Sid}`).toBe("deploy Services");
          expect(s.Condition).toEqual({ StringEquals: { "aws:RequestedRegion": "${data.aws_region.Region.name}" } });
        }
        if (list(s.Resource).includes("*")) expect(["RegistryLogin", "Describe", "Services", "DnsRecords"], `${k} ${s.Sid}`).toContain(s.Sid);
      }
    }
    const managed = stack.byPath("aws_iam_role_policy_attachment", "/pipeline/").map((a) => String(a.policy_arn).replace(/^.*:policy\//, ""));
    expect(managed).toEqual(["ReadOnlyAccess"]);
    expect(stack.byPath("aws_iam_role_policy_attachment", "/pipeline/plan/")).toHaveLength(1);
  });

  it("lets the deploy role manage every IAM role the environment stack creates, the pipeline's own included", () => {
    expect(Object.values(stack.resources("aws_iam_role")).map((r) => r.name)).toEqual(expect.arrayContaining(Object.values(PIPELINE_ROLES)));
    expect(unmanageableIamResources(stack, inline("deploy"))).toEqual([]);
    const iam = sid(inline("deploy"), "StackRoles");
    for (const action of ["iam:GetRole", "iam:DeleteRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PassRole", "iam:UpdateAssumeRolePolicy"]) expect(iam.Action).toContain(action);
    // Nothing beyond the stack's own roles: no wildcard across the account's roles.
    expect(list(iam.Resource).map((r) => iamPath(r))).toEqual([`role/groundwork-${env}-*`, ...Object.values(PIPELINE_ROLES).map((n) => `role/${n}`)]);
  });

  it("gives the deploy role exactly the services the environment's stacks use", () => {
    const vaultStackTypes = ["aws_db_instance"]; // stacks/vault-config-stack.ts reads the DB instance (data source)
    const types = [...typesOf(stack), ...vaultStackTypes];
    expect(unreachableServices(types, inline("deploy"))).toEqual([]);
    // No service in the list that no synthesized type needs.
    const used = new Set(types.map(iamServiceOf));
    expect(DEPLOY_SERVICES.filter((s) => !used.has(s))).toEqual([]);
    expect(DEPLOY_SERVICES).not.toContain("iam");
    expect(DEPLOY_SERVICES).not.toContain("organizations");
    // RDS creates the master password secret with the deployer's rights (manage_master_user_password).
    expect(Object.values(stack.resources("aws_db_instance")).some((d) => d.manage_master_user_password === true)).toBe(true);
    expect(sid(inline("deploy"), "RdsManagedSecrets").Resource).toMatch(/:secret:rds!\*$/);
    expect(sid(inline("deploy"), "DeployRecord").Resource).toMatch(/:parameter\/groundwork\/deploy\/\*$/);
  });

  it("denies the deploy role the ways to share data out of the account", () => {
    const deny = sid(inline("deploy"), "NoDataSharing");
    expect(deny).toMatchObject({ Effect: "Deny", Resource: "*" });
    expect(deny.Action).toEqual(expect.arrayContaining(["ec2:ModifySnapshotAttribute", "rds:ModifyDBSnapshotAttribute", "cloudtrail:StopLogging"]));
  });

  it("denies the deploy role any change to the pipeline roles' permissions or trust, and any administrator policy", () => {
    const self = sid(inline("deploy"), "NoSelfEscalation");
    expect(self.Effect).toBe("Deny");
    expect(self.Action).toEqual(expect.arrayContaining(["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole"]));
    // Every pipeline role, the deploy role itself included, and nothing else.
    expect(list(self.Resource).map((r: string) => r.split(":role/")[1]).sort()).toEqual(Object.values(PIPELINE_ROLES).sort());
    const admin = sid(inline("deploy"), "NoAdminAttachments");
    expect(admin).toMatchObject({ Effect: "Deny", Resource: "*" });
    expect(admin.Condition.ArnLike["iam:PolicyARN"]).toEqual(expect.arrayContaining(["arn:*:iam::aws:policy/AdministratorAccess", "arn:*:iam::aws:policy/PowerUserAccess"]));
  });

  it("confines state access to the environment's prefix; only the deploy role writes it (and its .tflock lock file)", () => {
    const deploy = inline("deploy");
    expect(sid(deploy, "StateWrite").Resource).toMatch(new RegExp(`/${env}/\\*$`));
    const writes = ["s3:PutObject", "s3:DeleteObject", "kms:Encrypt", "kms:GenerateDataKey"];
    for (const k of ROLE_KEYS.filter((k) => k !== "deploy")) {
      expect(allows(inline(k)).flatMap((s) => list(s.Action)).filter((a) => writes.includes(a)), k).toEqual([]);
    }
  });

  it("keeps the plan role read-only: ReadOnlyAccess without data reads outside the state", () => {
    const plan = inline("plan");
    expect(sid(plan, "NoDataReadsS3")).toMatchObject({ Effect: "Deny", Action: ["s3:GetObject", "s3:GetObjectVersion"], NotResource: expect.stringMatching(new RegExp(`/${env}/\\*$`)) });
    expect(sid(plan, "NoDataReads").Action).toEqual(expect.arrayContaining(["secretsmanager:GetSecretValue", "logs:GetLogEvents", "es:ESHttpGet"]));
  });

  it("gives each role the maximum session its longest job needs", () => {
    for (const k of ROLE_KEYS) expect(role(k).max_session_duration, k).toBe(PIPELINE_MAX_SESSION_SECONDS[k]);
  });

  it("lets the images role push only to the catalog's repositories", () => {
    const push = sid(inline("images"), "Push");
    expect(push.Resource).toHaveLength(4);
    expect(push.Action).not.toContain("ecr:DeleteRepository");
  });

  it("keeps the inline policies under IAM's 10,240-character limit per role", () => {
    for (const k of ROLE_KEYS) {
      const text = String(stack.byPath("aws_iam_role_policy", `/pipeline/${k}/`)[0].policy).replace(/\s/g, "");
      expect(text.length, k).toBeLessThan(10240);
    }
  });
});

describe("the deploy role coverage checks", () => {
  const stack = synthEnvironment("dev");
  const deploy = inlineOf(stack, "deploy");

  it("fail when the stack creates a role outside the deploy role's patterns, or one without a literal name", () => {
    const broken = structuredClone(stack.json);
    broken.resource.aws_iam_role.extra = { name: "other-team-role" };
    broken.resource.aws_iam_role.unnamed = { name_prefix: "x" };
    broken.resource.aws_iam_instance_profile = { profile: { name: "groundwork-dev-nodes" } };
    const findings = unmanageableIamResources(new Synth(broken), deploy);
    expect(findings).toEqual([
      'aws_iam_role.extra (role/other-team-role) is not covered by iam:CreateRole on ["role/groundwork-dev-*","role/groundwork-github-plan","role/groundwork-github-deploy","role/groundwork-github-images","role/groundwork-github-drill","role/groundwork-github-scale-out"]',
      "aws_iam_role.unnamed has no literal name, so no resource pattern can be shown to cover it",
      "aws_iam_instance_profile.profile (instance-profile/groundwork-dev-nodes) is not covered by iam:CreateInstanceProfile on []",
    ]);
  });

  it("fail when the stack uses a service the deploy role lacks, or a type no table entry places", () => {
    expect(unreachableServices(["aws_sqs_queue", "aws_route53_record"], deploy)).toEqual([]);
    expect(unreachableServices(["aws_route53_record", "aws_vpc"], deploy.filter((s) => s.Sid !== "DnsRecords"))).toEqual(["route53"]);
    expect(() => unreachableServices(["aws_lambda_function"], deploy)).toThrow("no IAM service known for aws_lambda_function");
  });
});

describe("PipelineRoles props", () => {
  it("fails when the rollback environment is the deploy environment", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const props = {
      repository: "o/r",
      deployEnvironment: "production",
      rollbackEnvironment: "production",
      drillEnvironment: "d",
      scaleOutEnvironment: "s",
      clusterName: "c",
      prefix: "groundwork-prod",
      state: { bucketName: "b", accountId: "111111111111", region: "eu-west-1", prefix: "prod" },
      repositories: [],
    };
    expect(() => new PipelineRoles(stack, "p", props)).toThrow('PipelineRoles: rollbackEnvironment is "production"; expected a GitHub environment other than the deploy environment');
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
