/** `suppress()` at synth time, and that what it writes survives `cdktf synth` and reaches the gate. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { App, TerraformStack } from "cdktf";
import { afterEach, describe, expect, it } from "vitest";
import { evaluate } from "../../policies/gate";
import { suppress } from "../../policies/suppress";

const outdirs: string[] = [];
afterEach(() => outdirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function newStack() {
  const outdir = mkdtempSync(join(tmpdir(), "gw-suppress-"));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const synth = () => {
    app.synth();
    return JSON.parse(readFileSync(join(outdir, "stacks", "test", "cdk.tf.json"), "utf8"));
  };
  return { stack, synth };
}

describe("suppress", () => {
  it("records the suppressions in the resource's synthesized \"//\" metadata, where the gate lists them", () => {
    const { stack, synth } = newStack();
    const db = new DbInstance(stack, "db", { instanceClass: "db.t4g.micro", engine: "postgres", multiAz: false, deletionProtection: false });
    suppress(db, "CKV_AWS_157", "single-AZ test database");
    suppress(db, "CKV_AWS_293", "  throwaway test database  ");
    const json = synth();
    const meta = json.resource.aws_db_instance.db["//"];
    expect(meta.groundwork_suppressions).toEqual([
      { rule: "CKV_AWS_157", reason: "single-AZ test database" },
      { rule: "CKV_AWS_293", reason: "throwaway test database" },
    ]);
    expect(meta.metadata.path).toBe("test/db");

    const report = evaluate("test", json, { kind: "bootstrap" });
    expect(report.suppressions.map((s) => [s.ruleId, s.used])).toEqual([
      ["CKV_AWS_157", true],
      ["CKV_AWS_293", true],
    ]);
    expect(report.findings.filter((f) => f.status === "suppressed").map((f) => f.ruleId)).toEqual(["CKV_AWS_157", "CKV_AWS_293"]);
  });

  it("fails when the rule id is unknown", () => {
    const { stack } = newStack();
    const bucket = new S3Bucket(stack, "bucket", {});
    expect(() => suppress(bucket, "CKV_AWS_99999", "a perfectly good reason")).toThrow(
      new Error('suppress(test/bucket): suppression names unknown rule "CKV_AWS_99999"'),
    );
  });

  it("fails when the reason is shorter than 10 characters", () => {
    const { stack } = newStack();
    const bucket = new S3Bucket(stack, "bucket", {});
    expect(() => suppress(bucket, "CKV_AWS_21", " too short ")).toThrow(
      new Error('suppress(test/bucket): suppression of CKV_AWS_21 needs a reason of at least 10 characters (got " too short ")'),
    );
  });

  it("fails when the rule does not check that resource type", () => {
    const { stack } = newStack();
    const bucket = new S3Bucket(stack, "bucket", {});
    expect(() => suppress(bucket, "CKV_AWS_157", "buckets are not databases")).toThrow(
      new Error("suppress(test/bucket): CKV_AWS_157 does not apply to aws_s3_bucket (it checks aws_db_instance)"),
    );
  });

  it("fails when the rule is a stack-level rule", () => {
    const { stack } = newStack();
    const bucket = new S3Bucket(stack, "bucket", {});
    expect(() => suppress(bucket, "GW_BASELINE_GUARDDUTY", "not the place for this")).toThrow(
      new Error("suppress(test/bucket): GW_BASELINE_GUARDDUTY is a stack-level rule; scope it in config/policy.ts instead of suppressing it at a resource"),
    );
  });

  it("fails when the same rule is suppressed twice on one resource", () => {
    const { stack } = newStack();
    const bucket = new S3Bucket(stack, "bucket", {});
    suppress(bucket, "CKV_AWS_21", "logs bucket, objects are immutable");
    expect(() => suppress(bucket, "CKV_AWS_21", "second reason for the same rule")).toThrow(new Error("suppress(test/bucket): CKV_AWS_21 is already suppressed"));
  });
});
