import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { OPENSEARCH_LOG_TYPES, OpenSearchLogsDomain, type OpenSearchDomainProps } from "../../modules/logging/opensearch";
import { policyOf, Synth, type Json } from "../helpers/synth";
import { scratchStack } from "./fixture";

const BASE: OpenSearchDomainProps = {
  domainName: "groundwork-test",
  vpcId: "vpc-0123",
  subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
  clientSecurityGroupId: "sg-nodes",
  masterRoleArn: "arn:aws:iam::111111111111:role/platform-admin",
  instanceCount: 3,
};

function synthDomain(props: OpenSearchDomainProps): Synth {
  const stack = scratchStack();
  new OpenSearchLogsDomain(stack, "logs", props);
  Testing.synth(stack);
  return new Synth(stack.toTerraform() as Json);
}

describe("OpenSearch logs domain", () => {
  const synth = synthDomain(BASE);
  const domain = synth.only("aws_opensearch_domain");

  it("runs OpenSearch 2.x with zone awareness over the private subnets", () => {
    expect(domain.engine_version).toMatch(/^OpenSearch_2\./);
    expect(domain.cluster_config).toMatchObject({ instance_count: 3, zone_awareness_enabled: true, zone_awareness_config: { availability_zone_count: 3 } });
    expect(domain.vpc_options.subnet_ids).toEqual(BASE.subnetIds);
  });

  it("encrypts at rest with its own CMK and between nodes, and serves HTTPS only with TLS 1.2+", () => {
    expect(domain.encrypt_at_rest).toEqual({ enabled: true, kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.logs_key[\w-]*\.arn\}$/) });
    expect(domain.node_to_node_encryption).toEqual({ enabled: true });
    expect(domain.domain_endpoint_options.enforce_https).toBe(true);
    expect(domain.domain_endpoint_options.tls_security_policy).toMatch(/^Policy-Min-TLS-1-2/);
  });

  it("uses fine-grained access control with an IAM master and no internal users or password", () => {
    expect(domain.advanced_security_options).toEqual({
      enabled: true,
      anonymous_auth_enabled: false,
      internal_user_database_enabled: false,
      master_user_options: { master_user_arn: BASE.masterRoleArn },
    });
    expect(JSON.stringify(synth.json)).not.toMatch(/master_user_password|master_user_name/);
  });

  it("admits only the nodes' security group, on 443", () => {
    const rules = Object.values(synth.resources("aws_vpc_security_group_ingress_rule"));
    expect(rules).toEqual([expect.objectContaining({ referenced_security_group_id: "sg-nodes", from_port: 443, to_port: 443, ip_protocol: "tcp" })]);
    expect(synth.only("aws_security_group").ingress).toBeUndefined();
  });

  it("publishes audit, slow and application logs to encrypted groups kept a year, with a resource policy for the service", () => {
    expect(domain.log_publishing_options.map((o: Json) => o.log_type).sort()).toEqual(OPENSEARCH_LOG_TYPES.map(([t]) => t).sort());
    const groups = Object.values(synth.resources("aws_cloudwatch_log_group"));
    expect(groups).toHaveLength(4);
    for (const g of groups) {
      expect(g.retention_in_days).toBeGreaterThanOrEqual(365);
      expect(g.kms_key_id).toMatch(/aws_kms_key\.logs_log-key/);
    }
    const policy = policyOf(synth.only("aws_cloudwatch_log_resource_policy").policy_document);
    expect(policy.Statement[0].Principal).toEqual({ Service: "es.amazonaws.com" });
    expect(policy.Statement[0].Resource).toHaveLength(4);
    expect(domain.depends_on).toContainEqual(expect.stringMatching(/^aws_cloudwatch_log_resource_policy\./));
  });

  it("uses one subnet and no zone awareness for a single node", () => {
    const single = synthDomain({ ...BASE, instanceCount: 1 }).only("aws_opensearch_domain");
    expect(single.cluster_config.zone_awareness_enabled).toBe(false);
    expect(single.vpc_options.subnet_ids).toEqual(["subnet-a"]);
  });

  it("fails when the engine is not OpenSearch 2.x", () => {
    expect(() => synthDomain({ ...BASE, engineVersion: "Elasticsearch_7.10" })).toThrow(
      'OpenSearchLogsDomain groundwork-test: engineVersion is "Elasticsearch_7.10"; expected OpenSearch_2.x',
    );
  });

  it("fails when several nodes get a single subnet", () => {
    expect(() => synthDomain({ ...BASE, instanceCount: 2, subnetIds: ["subnet-a"] })).toThrow(
      "OpenSearchLogsDomain groundwork-test: instanceCount is 2 but subnetIds has 1; expected at least 2 subnets in different AZs",
    );
  });

  it("fails when logs would be kept less than a year", () => {
    expect(() => synthDomain({ ...BASE, logRetentionDays: 30 })).toThrow(/retentionDays is 30; expected one of 365/);
  });
});

describe("terraform validate of the domain (offline, AWS provider 5.100.0)", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("is valid Terraform", () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-opensearch-"));
    dirs.push(dir);
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify(synthDomain(BASE).json));
    const env = { ...process.env, TF_CLI_CONFIG_FILE: resolve("terraform/offline.tfrc"), CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
    execFileSync("terraform", ["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, env, stdio: "pipe" });
    let out: string;
    try {
      out = execFileSync("terraform", ["validate", "-json", "-no-color"], { cwd: dir, env, stdio: "pipe" }).toString();
    } catch (e) {
      out = (e as { stdout: Buffer }).stdout.toString();
    }
    const result = JSON.parse(out);
    expect(result.diagnostics.filter((d: Json) => d.severity === "error")).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
