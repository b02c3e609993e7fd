import { describe, expect, it } from "vitest";
import { stateStore } from "../../config";
import { config, synthEnvironment } from "../helpers/synth";

describe.each(["dev", "staging", "prod"] as const)("%s stack", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);

  it("keeps state in the shared bucket under its own key, encrypted, with S3-native locking", () => {
    expect(stack.json.terraform.backend.s3).toEqual({
      bucket: stateStore.bucketName,
      key: `${env}/terraform.tfstate`,
      region: stateStore.account.region,
      encrypt: true,
      kms_key_id: `arn:aws:kms:${stateStore.account.region}:${stateStore.account.id}:${stateStore.kmsAlias}`,
      use_lockfile: true,
    });
  });

  it("configures the AWS provider for its own account only, with default tags", () => {
    const [provider] = stack.json.provider.aws;
    expect(provider.region).toBe(cfg.account.region);
    expect(provider.allowed_account_ids).toEqual([cfg.account.id]);
    expect(provider.default_tags).toEqual([{ tags: { ...cfg.tags, stack: env } }]);
  });

  it("outputs what operators and runbooks need", () => {
    expect(Object.keys(stack.json.output).sort()).toEqual(
      [
        "cluster_endpoint",
        "cluster_name",
        "db_endpoint",
        "db_instance_id",
        "db_master_secret_arn",
        "db_proxy_endpoint",
        "redis_primary_endpoint",
        "redis_replication_group_id",
        "region",
        "state_bucket",
        "state_key",
        "vpc_id",
        "web_acl_arn",
        "audit_bucket",
        "fis_experiment_templates",
        "vault_address",
        "vault_snapshot_bucket",
        "opensearch_endpoint",
        "fluent_bit_role_arn",
        "jaeger_role_arn",
      ].sort(),
    );
    expect(stack.json.output.state_bucket.value).toBe(stateStore.bucketName);
  });
});
