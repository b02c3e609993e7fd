/** The gate: scoping, suppressions read from the synthesized JSON, errors and the reference index. */
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policies/gate";
import { StackContext } from "../../policies/stack";
import { RdsMultiAzEnabled } from "../../policies/rules/RdsMultiAzEnabled";
import type { Rule } from "../../policies/types";
import { compliantEnvironment, goodDb, stackJson, type Blocks } from "./fixtures";

const singleAzDb = (suppressions?: unknown): Blocks => ({
  "aws_db_instance.db": { ...goodDb, multi_az: false, ...(suppressions === undefined ? {} : { "//": { groundwork_suppressions: suppressions } }) },
});

describe("evaluate", () => {
  it("fails when a resource violates a rule, naming the rule, address, construct path and fix", () => {
    const report = evaluate("dev", stackJson(singleAzDb()), { kind: "environment", rules: [RdsMultiAzEnabled] });
    expect(report.passed).toBe(false);
    expect(report.findings).toEqual([
      {
        ruleId: "CKV_AWS_157",
        title: "RDS instance is Multi-AZ",
        severity: "medium",
        status: "violation",
        address: "aws_db_instance.db",
        path: "test/db",
        message: "multi_az is false",
        fix: RdsMultiAzEnabled.fix,
      },
    ]);
    expect(report.counts).toEqual({ resources: 1, checks: 1, violations: 1, suppressed: 0, notEnforced: 0 });
  });

  it("passes and lists the suppression when the resource suppresses the rule with a reason", () => {
    const report = evaluate("dev", stackJson(singleAzDb([{ rule: "CKV_AWS_157", reason: "single-AZ is fine for this test" }])), { kind: "environment", rules: [RdsMultiAzEnabled] });
    expect(report.passed).toBe(true);
    expect(report.findings).toMatchObject([{ status: "suppressed", reason: "single-AZ is fine for this test" }]);
    expect(report.suppressions).toEqual([{ address: "aws_db_instance.db", path: "test/db", ruleId: "CKV_AWS_157", reason: "single-AZ is fine for this test", used: true }]);
  });

  it("fails when a suppression names an unknown rule id", () => {
    const report = evaluate("dev", stackJson(singleAzDb([{ rule: "CKV_AWS_99999", reason: "a perfectly long reason" }])), { kind: "environment", rules: [] });
    expect(report.passed).toBe(false);
    expect(report.errors).toEqual(['aws_db_instance.db: suppression names unknown rule "CKV_AWS_99999"']);
  });

  it("fails when a suppression's reason is shorter than 10 characters", () => {
    const report = evaluate("dev", stackJson(singleAzDb([{ rule: "CKV_AWS_157", reason: "cost" }])), { kind: "environment", rules: [RdsMultiAzEnabled] });
    expect(report.passed).toBe(false);
    expect(report.errors).toEqual(['aws_db_instance.db: suppression of CKV_AWS_157 needs a reason of at least 10 characters (got "cost")']);
    // An invalid suppression suppresses nothing.
    expect(report.findings.map((f) => f.status)).toEqual(["violation"]);
  });

  it("fails when a suppression names a rule that does not check that resource type", () => {
    const report = evaluate("dev", stackJson({ "aws_s3_bucket.b": { "//": { groundwork_suppressions: [{ rule: "CKV_AWS_157", reason: "wrong resource entirely" }] } } }), { rules: [] });
    expect(report.errors).toEqual(["aws_s3_bucket.b: CKV_AWS_157 does not apply to aws_s3_bucket (it checks aws_db_instance)"]);
  });

  it("warns about a suppression that no finding needed", () => {
    const report = evaluate("dev", stackJson({ "aws_db_instance.db": { ...goodDb, "//": { groundwork_suppressions: [{ rule: "CKV_AWS_157", reason: "kept from an older design" }] } } }), { rules: [RdsMultiAzEnabled] });
    expect(report.passed).toBe(true);
    expect(report.warnings).toEqual(["aws_db_instance.db: suppression of CKV_AWS_157 is unused (the resource complies)"]);
  });

  it("reports but does not fail on a rule the stack's scope does not enforce", () => {
    const report = evaluate("dev", stackJson(singleAzDb()), { kind: "environment", notEnforced: { CKV_AWS_157: "dev runs single-AZ to save cost" }, rules: [RdsMultiAzEnabled] });
    expect(report.passed).toBe(true);
    expect(report.findings).toMatchObject([{ ruleId: "CKV_AWS_157", status: "not-enforced", reason: "dev runs single-AZ to save cost" }]);
    expect(report.counts.notEnforced).toBe(1);
  });

  it("fails when the scope names an unknown rule id", () => {
    const report = evaluate("dev", stackJson({}), { kind: "environment", notEnforced: { CKV_AWS_0: "no such rule exists" }, rules: [RdsMultiAzEnabled] });
    expect(report.errors).toEqual(['config/policy.ts: stacks.dev.notEnforced names unknown rule "CKV_AWS_0"']);
    expect(report.passed).toBe(false);
  });

  it("applies stack-level rules to environment stacks only", () => {
    const empty = stackJson({});
    const env = evaluate("dev", empty, { kind: "environment" });
    expect(env.findings.map((f) => f.ruleId).sort()).toEqual(["GW_BASELINE_CLOUDTRAIL", "GW_BASELINE_CONFIG_RECORDER", "GW_BASELINE_GUARDDUTY", "GW_BASELINE_SECURITY_HUB"]);
    expect(env.findings[0]).toMatchObject({ address: "stack:dev", path: "dev" });
    expect(evaluate("bootstrap", empty, { kind: "bootstrap" }).findings).toEqual([]);
    expect(evaluate("dev-vault", empty, { kind: "vault-config" }).findings).toEqual([]);
  });

  it("fails with the rule id and address when a rule throws", () => {
    const broken: Rule = { ...RdsMultiAzEnabled, check: () => { throw new Error("boom"); } };
    const report = evaluate("dev", stackJson(singleAzDb()), { rules: [broken] });
    expect(report.errors).toEqual(["CKV_AWS_157 threw on aws_db_instance.db: boom"]);
    expect(report.passed).toBe(false);
  });

  it("evaluates a stack of about a thousand resources in well under a second", () => {
    const blocks: Blocks = {};
    for (let i = 0; i < 40; i++) for (const [address, values] of Object.entries(compliantEnvironment())) blocks[`${address}${i}`] = values;
    const started = performance.now();
    const report = evaluate("big", stackJson(blocks), { kind: "environment" });
    expect(report.counts.resources).toBeGreaterThan(1000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("StackContext", () => {
  const context = new StackContext(
    "test",
    stackJson({
      "aws_vpc.main": {},
      "aws_subnet.a": { vpc_id: "${aws_vpc.main.id}" },
      "aws_flow_log.f": { vpc_id: "${aws_vpc.main.id}", tags: { note: "aws_vpc.main in plain text is not a reference" } },
      "aws_route_table.rt": { subnet_ids: ["${element(aws_subnet.a.*.id, 0)}"], vpc_id: "${aws_vpc.missing.id}" },
      "data.aws_iam_policy_document.doc": { statement: [] },
      "aws_iam_policy.p": { policy: "${data.aws_iam_policy_document.doc.json}" },
    }),
  );

  it("indexes which resources reference which, through any expression", () => {
    const vpc = context.get("aws_vpc.main")!;
    expect(context.referrers(vpc).map((r) => r.address)).toEqual(["aws_subnet.a", "aws_flow_log.f"]);
    expect(context.referrers(vpc, "aws_flow_log").map((r) => r.address)).toEqual(["aws_flow_log.f"]);
    expect(context.references(context.get("aws_route_table.rt")!).map((r) => r.address)).toEqual(["aws_subnet.a"]);
  });

  it("resolves a reference to a data source", () => {
    expect(context.resolve("${data.aws_iam_policy_document.doc.json}")?.address).toBe("data.aws_iam_policy_document.doc");
    expect(context.resolve("${aws_vpc.missing.id}")).toBeUndefined();
    expect(context.resolve("vpc-123")).toBeUndefined();
  });

  it("reads the construct path from the metadata", () => {
    expect(context.get("aws_vpc.main")!.path).toBe("test/main");
    expect(context.get("aws_vpc.main")!.values).not.toHaveProperty("//");
  });
});
