import { describe, expect, it } from "vitest";
import { INTERRUPTION_EVENTS } from "../../modules/platform";
import { policyOf, type Json } from "../helpers/synth";
import { platform } from "./fixture";

/**
 * Actions AWS documents without resource-level permissions (the IAM Service
 * Authorization Reference lists no resource type for them), so `*` is the
 * only possible resource.
 */
const UNSCOPABLE = /^(ec2:Describe\w+|ec2:GetCoipPoolUsage|ec2:GetSecurityGroupsForVpc|elasticloadbalancing:Describe\w+|acm:ListCertificates|iam:ListServerCertificates|wafv2:GetWebACLForResource|shield:GetSubscriptionState|route53:ListHostedZones|route53:ListHostedZonesByName|pricing:GetProducts)$/;

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

function statementsOf(synth: ReturnType<typeof platform>["synth"]): [string, Json][] {
  return Object.values(synth.resources("aws_iam_role_policy")).flatMap((p) =>
    (policyOf(p.policy).Statement as Json[]).map((s) => [`${p.name}/${s.Sid}`, s] as [string, Json]),
  );
}

/** Violations of least privilege in one statement. */
function violations(s: Json): string[] {
  const out: string[] = [];
  const actions = asList(s.Action);
  const resources = asList(s.Resource);
  if (actions.some((a) => a === "*" || a.endsWith(":*"))) out.push(`wildcard action ${actions.join(",")}`);
  if (resources.includes("*")) {
    const scopable = actions.filter((a) => !UNSCOPABLE.test(a));
    if (scopable.length) out.push(`Resource * for scopable actions ${scopable.join(",")}`);
  }
  return out;
}

describe("platform IAM", () => {
  const { synth } = platform();
  const statements = statementsOf(synth);

  it("has policies for every Pod Identity role", () => {
    expect(new Set(statements.map(([k]) => k.split("/")[0]))).toEqual(
      new Set([
        "groundwork-test-aws-load-balancer-controller",
        "groundwork-test-cert-manager",
        "groundwork-test-external-dns",
        "groundwork-test-karpenter",
        "groundwork-test-fluent-bit",
        "groundwork-test-jaeger-opensearch",
      ]),
    );
  });

  it("grants no wildcard action and no * resource where the service can scope", () => {
    const bad = statements.flatMap(([k, s]) => violations(s).map((v) => `${k}: ${v}`));
    expect(bad).toEqual([]);
  });

  it("fails when a statement would grant everything (the checker catches it)", () => {
    expect(violations({ Action: "*", Resource: "*" })).toEqual(["wildcard action *", "Resource * for scopable actions *"]);
    expect(violations({ Action: "route53:ChangeResourceRecordSets", Resource: "*" })).toEqual(["Resource * for scopable actions route53:ChangeResourceRecordSets"]);
  });

  it("lets only EKS Pod Identity assume the platform roles", () => {
    for (const role of Object.values(synth.resources("aws_iam_role")).filter((r) => r.name.startsWith("groundwork-test-"))) {
      const [stmt] = policyOf(role.assume_role_policy).Statement;
      expect(stmt.Principal).toEqual({ Service: "pods.eks.amazonaws.com" });
      expect(stmt.Action).toEqual(["sts:AssumeRole", "sts:TagSession"]);
    }
  });

  it("limits Fluent Bit to HTTP writes on the logs domain", () => {
    const fb = statements.filter(([k]) => k.startsWith("groundwork-test-fluent-bit/")).map(([, s]) => s);
    expect(fb).toHaveLength(1);
    expect(fb[0].Action).toEqual(["es:ESHttpPost", "es:ESHttpPut", "es:ESHttpGet"]);
    for (const r of fb[0].Resource) expect(r).toMatch(/^\$\{aws_opensearch_domain\.logs-domain[\w-]*\.arn\}(\/\*)?$/);
  });

  it("limits DNS writers to the given hosted zone, cert-manager to TXT challenge records", () => {
    const zone = "arn:${data.aws_partition.Partition.partition}:route53:::hostedzone/Z0123456789ABCDEFGHIJ";
    const dns = Object.fromEntries(statements.filter(([k]) => k.includes("external-dns/") || k.includes("cert-manager/")));
    expect(dns["groundwork-test-external-dns/WriteRecords"].Resource).toEqual([zone]);
    const challenge = dns["groundwork-test-cert-manager/WriteChallengeRecords"];
    expect(challenge.Resource).toEqual([zone]);
    expect(challenge.Condition["ForAllValues:StringEquals"]).toEqual({ "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] });
  });

  it("lets Karpenter pass only the cluster's node role and read only its own queue", () => {
    const k = Object.fromEntries(statements.filter(([key]) => key.startsWith("groundwork-test-karpenter/")).map(([key, s]) => [key.split("/")[1], s]));
    expect(k.AllowPassingInstanceRole.Resource).toBe("arn:aws:iam::111111111111:role/groundwork-test-node");
    expect(k.AllowInterruptionQueueActions.Resource).toMatch(/^\$\{aws_sqs_queue\.karpenter_interruption-queue[\w-]*\.arn\}$/);
    expect(k.AllowScopedDeletion.Condition.StringEquals).toEqual({ "aws:ResourceTag/kubernetes.io/cluster/groundwork-test": "owned" });
  });

  it("encrypts Karpenter's interruption queue and routes all four event kinds to it", () => {
    const queue = synth.only("aws_sqs_queue");
    expect(queue).toMatchObject({ name: "groundwork-test", sqs_managed_sse_enabled: true, message_retention_seconds: 300 });
    const patterns = Object.values(synth.resources("aws_cloudwatch_event_rule")).map((r) => JSON.parse(r.event_pattern)["detail-type"][0]);
    expect(patterns.sort()).toEqual(INTERRUPTION_EVENTS.map(([, , d]) => d).sort());
    expect(Object.values(synth.resources("aws_cloudwatch_event_target")).every((t) => String(t.arn).includes("aws_sqs_queue"))).toBe(true);
    const policy = policyOf(synth.only("aws_sqs_queue_policy").policy);
    expect(policy.Statement).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
  });
});
