import { describe, expect, it } from "vitest";
import { GUARDDUTY_FEATURES, SECURITY_HUB_STANDARDS } from "../../modules/security/account-baseline";
import { MANAGED_RULE_GROUPS } from "../../modules/security/web-acl";
import { config, policyOf, synthEnvironment } from "../helpers/synth";

describe.each(["dev", "prod"] as const)("account baseline of %s", (env) => {
  const stack = synthEnvironment(env);

  it("records a multi-region CloudTrail with log file validation, KMS and CloudWatch delivery", () => {
    expect(stack.only("aws_cloudtrail")).toMatchObject({
      name: `groundwork-${env}-trail`,
      is_multi_region_trail: true,
      include_global_service_events: true,
      enable_log_file_validation: true,
      enable_logging: true,
      kms_key_id: expect.stringMatching(/aws_kms_key\.baseline_key/),
      cloud_watch_logs_group_arn: expect.stringMatching(/aws_cloudwatch_log_group\.baseline_trail-logs/),
    });
  });

  it("locks the audit bucket down: versioned, KMS, public access blocked, TLS only, deletes denied", () => {
    const [bucket] = stack.byPath("aws_s3_bucket", "/baseline/");
    expect(bucket.bucket).toBe(`groundwork-${env}-audit-${config(env).account.id}`);
    expect(stack.byPath("aws_s3_bucket_versioning", "/baseline/")[0].versioning_configuration.status).toBe("Enabled");
    expect(stack.byPath("aws_s3_bucket_public_access_block", "/baseline/")[0]).toMatchObject({ block_public_policy: true, restrict_public_buckets: true });
    const doc = policyOf(stack.byPath("aws_s3_bucket_policy", "/baseline/")[0].policy);
    expect(doc.Statement.map((s: any) => s.Sid)).toEqual([
      "DenyInsecureTransport",
      "CloudTrailAclCheck",
      "CloudTrailWrite",
      "ConfigAclCheck",
      "ConfigWrite",
      "DenyDeleteOfAuditLogs",
    ]);
    const write = doc.Statement.find((s: any) => s.Sid === "CloudTrailWrite");
    expect(write.Condition.StringEquals["aws:SourceArn"]).toMatch(/:trail\/groundwork-\w+-trail$/);
  });

  it("runs GuardDuty with EKS, runtime, RDS, S3 and malware protection", () => {
    expect(stack.only("aws_guardduty_detector").enable).toBe(true);
    const features = Object.values(stack.resources("aws_guardduty_detector_feature"));
    expect(features.map((f) => f.name).sort()).toEqual([...GUARDDUTY_FEATURES].sort());
    expect(features.every((f) => f.status === "ENABLED")).toBe(true);
  });

  it("enables Security Hub with the AWS Foundational and CIS standards", () => {
    expect(stack.only("aws_securityhub_account")).toBeTruthy();
    const arns = Object.values(stack.resources("aws_securityhub_standards_subscription")).map((s) => s.standards_arn);
    expect(arns).toHaveLength(2);
    for (const path of Object.values(SECURITY_HUB_STANDARDS)) expect(arns.some((a) => a.endsWith(path))).toBe(true);
  });

  it("records every resource type with AWS Config, delivered to the audit bucket", () => {
    expect(stack.only("aws_config_configuration_recorder").recording_group).toEqual({ all_supported: true, include_global_resource_types: true });
    expect(stack.only("aws_config_delivery_channel").s3_bucket_name).toMatch(/aws_s3_bucket\.baseline_audit-bucket/);
    expect(stack.only("aws_config_configuration_recorder_status").is_enabled).toBe(true);
  });
});

describe("web ACL", () => {
  const stack = synthEnvironment("prod");
  const acl = stack.only("aws_wafv2_web_acl");
  const rules = acl.rule as any[];

  it("applies the AWS managed rule groups", () => {
    const groups = rules.filter((r) => r.statement.managed_rule_group_statement).map((r) => r.statement.managed_rule_group_statement.name);
    expect(groups).toEqual([...MANAGED_RULE_GROUPS]);
    expect(acl.scope).toBe("REGIONAL");
  });

  it("blocks a client above 100 requests per minute and all clients above 1000 per minute (from config)", () => {
    const limits = config("prod").edge.rateLimits;
    const perClient = rules.find((r) => r.name === "per-client-rate-limit");
    expect(perClient.action).toEqual({ block: {} });
    expect(perClient.statement.rate_based_statement).toEqual({ limit: limits.perClientPerMinute, aggregate_key_type: "IP", evaluation_window_sec: 60 });
    const global = rules.find((r) => r.name === "global-rate-limit");
    expect(global.statement.rate_based_statement).toMatchObject({ limit: limits.globalPerMinute, aggregate_key_type: "CONSTANT", evaluation_window_sec: 60 });
    expect([limits.perClientPerMinute, limits.globalPerMinute, limits.burst]).toEqual([100, 1000, 50]);
  });

  it("logs to an encrypted aws-waf-logs- group without the Authorization header", () => {
    const logging = stack.only("aws_wafv2_web_acl_logging_configuration");
    expect(logging.redacted_fields).toContainEqual({ single_header: { name: "authorization" } });
    expect(stack.byPath("aws_cloudwatch_log_group", "/web-acl/")[0].name).toBe("aws-waf-logs-groundwork-prod-public");
  });

  it("fails when the per-client limit exceeds the global one", () => {
    expect(() =>
      synthEnvironment("dev", (c) => ({ ...c, edge: { ...c.edge, rateLimits: { ...c.edge.rateLimits, perClientPerMinute: 5000 } } })),
    ).toThrow("WebAcl groundwork-dev-public: perClientRequestsPerMinute is 5000; expected at most globalRequestsPerMinute (1000)");
  });
});
