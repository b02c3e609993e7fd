import { describe, expect, it } from "vitest";
import { config, subnetTiers, synthEnvironment } from "../helpers/synth";

describe.each(["dev", "staging", "prod"] as const)("cache of %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);
  const group = stack.only("aws_elasticache_replication_group");

  it("is a Redis 7 replication group with automatic failover across AZs and >= 1 replica", () => {
    expect(group).toMatchObject({
      replication_group_id: `groundwork-${env}`,
      engine: "redis",
      engine_version: cfg.cache.engineVersion,
      node_type: cfg.cache.nodeType,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      num_cache_clusters: 1 + cfg.cache.replicas,
    });
    expect(group.num_cache_clusters).toBeGreaterThanOrEqual(2);
  });

  it("sits in the database subnets, one per AZ", () => {
    const subnets = stack.only("aws_elasticache_subnet_group");
    expect(group.subnet_group_name).toBe(`\${aws_elasticache_subnet_group.${Object.keys(stack.resources("aws_elasticache_subnet_group"))[0]}.name}`);
    expect(subnetTiers(stack, subnets.subnet_ids)).toEqual(Array(cfg.network.azCount).fill("database"));
  });

  it("encrypts at rest with its own CMK and requires TLS in transit", () => {
    expect(group.at_rest_encryption_enabled).toBe("true");
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\.cache_key[\w-]*\.arn\}$/);
    expect(group.transit_encryption_enabled).toBe(true);
    expect(group.transit_encryption_mode).toBe("required");
  });

  it("authenticates clients as an IAM user, with no password or auth token anywhere", () => {
    expect(group.auth_token).toBeUndefined();
    expect(group.user_group_ids).toHaveLength(1);
    const users = Object.values(stack.resources("aws_elasticache_user"));
    expect(users.map((u) => u.passwords)).toEqual([undefined, undefined]);
    const app = users.find((u) => u.user_name !== "default")!;
    expect(app.authentication_mode).toEqual({ type: "iam" });
    expect(app.user_id).toBe(app.user_name);
    const defaultUser = users.find((u) => u.user_name === "default")!;
    expect(defaultUser.access_string.startsWith("off ")).toBe(true);
  });

  it("is reachable on 6379 only from the cluster nodes", () => {
    const rules = stack.byPath("aws_vpc_security_group_ingress_rule", "/cache/");
    expect(rules).toEqual([expect.objectContaining({ from_port: 6379, to_port: 6379, ip_protocol: "tcp" })]);
    expect(rules[0].referenced_security_group_id).toMatch(/cluster_security_group_id/);
  });

  it("keeps snapshots and ships the slow log to an encrypted group", () => {
    expect(group.snapshot_retention_limit).toBe(cfg.cache.snapshotRetentionDays);
    expect(group.log_delivery_configuration).toEqual([expect.objectContaining({ log_type: "slow-log", destination_type: "cloudwatch-logs" })]);
  });
});

describe("cache validation", () => {
  it("fails when there would be no replica to fail over to", () => {
    expect(() => synthEnvironment("dev", (c) => ({ ...c, cache: { ...c.cache, replicas: 0 } }))).toThrow(
      "Cache groundwork-dev: replicas is 0; expected 1 to 5 (automatic failover needs a replica)",
    );
  });
});
