import { describe, expect, it } from "vitest";
import { config, policyOf, subnetTiers, synthEnvironment } from "../helpers/synth";

describe.each(["dev", "staging", "prod"] as const)("database of %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);
  const primary = stack.byPath("aws_db_instance", "/database/primary")[0];

  it("runs PostgreSQL 16 sized from config", () => {
    expect(primary).toMatchObject({
      identifier: `groundwork-${env}`,
      engine: "postgres",
      engine_version: cfg.database.engineVersion,
      instance_class: cfg.database.instanceClass,
      allocated_storage: cfg.database.allocatedStorageGiB,
      max_allocated_storage: cfg.database.maxAllocatedStorageGiB,
      storage_type: "gp3",
    });
  });

  it("is encrypted with its own CMK and never public", () => {
    expect(primary.storage_encrypted).toBe(true);
    expect(primary.kms_key_id).toMatch(/^\$\{aws_kms_key\.database_key[\w-]*\.arn\}$/);
    expect(primary.publicly_accessible).toBe(false);
    expect(primary.db_subnet_group_name).toMatch(/aws_db_subnet_group/);
  });

  it("sits in the database subnets, one per AZ", () => {
    const group = stack.only("aws_db_subnet_group");
    expect(subnetTiers(stack, group.subnet_ids)).toEqual(Array(cfg.network.azCount).fill("database"));
  });

  it("follows config for Multi-AZ, backups and deletion protection, and always takes a final snapshot", () => {
    expect(primary.multi_az).toBe(cfg.database.multiAz);
    expect(primary.backup_retention_period).toBe(cfg.database.backupRetentionDays);
    expect(primary.deletion_protection).toBe(cfg.database.deletionProtection);
    expect(primary.skip_final_snapshot).toBe(false);
    expect(primary.final_snapshot_identifier).toBe(`groundwork-${env}-final`);
    expect(primary.delete_automated_backups).toBe(false);
  });

  it("lets RDS manage the master password in Secrets Manager (no password in the synth output)", () => {
    expect(primary.manage_master_user_password).toBe(true);
    expect(primary.password).toBeUndefined();
    expect(primary.master_user_secret_kms_key_id).toBe(primary.kms_key_id);
  });

  it("has IAM auth, Performance Insights under the CMK, enhanced monitoring and log exports", () => {
    expect(primary).toMatchObject({
      iam_database_authentication_enabled: true,
      performance_insights_enabled: true,
      performance_insights_retention_period: cfg.database.performanceInsightsRetentionDays,
      monitoring_interval: cfg.database.monitoringIntervalSeconds,
      enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
    });
    expect(primary.performance_insights_kms_key_id).toBe(primary.kms_key_id);
    expect(primary.monitoring_role_arn).toMatch(/aws_iam_role\.database_monitoring-role/);
    const groups = stack.byPath("aws_cloudwatch_log_group", "/database/logs/primary/").map((g) => g.name);
    expect(groups).toEqual([`/aws/rds/instance/groundwork-${env}/postgresql`, `/aws/rds/instance/groundwork-${env}/upgrade`]);
  });

  it("forces TLS and logs slow statements", () => {
    const params = Object.fromEntries(stack.only("aws_db_parameter_group").parameter.map((p: any) => [p.name, p.value]));
    expect(params["rds.force_ssl"]).toBe("1");
    expect(params.log_min_duration_statement).toBe(String(cfg.database.slowQueryMs));
    expect(stack.only("aws_db_parameter_group").family).toBe("postgres16");
  });

  it("accepts 5432 only from the cluster nodes and the proxy", () => {
    const rules = stack.byPath("aws_vpc_security_group_ingress_rule", "/database/");
    expect(rules).toHaveLength(3);
    for (const r of rules) {
      expect(r).toMatchObject({ ip_protocol: "tcp", from_port: 5432, to_port: 5432 });
      expect(r.cidr_ipv4).toBeUndefined();
      expect(r.referenced_security_group_id).toMatch(/cluster_security_group_id|aws_security_group\.database_proxy-security-group/);
    }
  });

  it("puts an RDS Proxy in front that requires TLS and IAM auth", () => {
    const proxy = stack.only("aws_db_proxy");
    expect(proxy).toMatchObject({ engine_family: "POSTGRESQL", require_tls: true, debug_logging: false });
    expect(proxy.auth).toEqual([expect.objectContaining({ auth_scheme: "SECRETS", iam_auth: "REQUIRED" })]);
    expect(stack.only("aws_db_proxy_target").db_instance_identifier).toMatch(/aws_db_instance\.database_primary/);
  });

  it("lets the proxy read only the master secret", () => {
    const [policy] = stack.byPath("aws_iam_role_policy", "/database/proxy-role/");
    const doc = policyOf(policy.policy);
    expect(doc.Statement[0].Resource).toMatch(/master_user_secret/);
    expect(doc.Statement[1]).toMatchObject({ Action: "kms:Decrypt" });
  });

  it("creates read replicas only where config asks", () => {
    const replicas = stack.byPath("aws_db_instance", "/database/replicas/");
    expect(replicas).toHaveLength(cfg.database.readReplicas);
    for (const [i, r] of replicas.entries()) {
      expect(r.identifier).toBe(`groundwork-${env}-replica-${i + 1}`);
      expect(r.replicate_source_db).toMatch(/aws_db_instance\.database_primary/);
      expect(r).toMatchObject({ storage_encrypted: true, publicly_accessible: false, iam_database_authentication_enabled: true });
    }
  });
});

describe("database across environments", () => {
  it("is Multi-AZ with deletion protection and >= 14 days of backups in prod, with a read replica", () => {
    const primary = synthEnvironment("prod").byPath("aws_db_instance", "/database/primary")[0];
    expect(primary).toMatchObject({ multi_az: true, deletion_protection: true });
    expect(primary.backup_retention_period).toBeGreaterThanOrEqual(14);
    expect(synthEnvironment("prod").byPath("aws_db_instance", "/database/replicas/")).toHaveLength(1);
  });

  it("is Multi-AZ in staging but not in dev", () => {
    expect(synthEnvironment("staging").byPath("aws_db_instance", "/database/primary")[0].multi_az).toBe(true);
    expect(synthEnvironment("dev").byPath("aws_db_instance", "/database/primary")[0].multi_az).toBe(false);
  });

  it("fails when backups would be switched off", () => {
    expect(() =>
      synthEnvironment("dev", (c) => ({ ...c, database: { ...c.database, backupRetentionDays: 0 } })),
    ).toThrow("Database groundwork-dev: backupRetentionDays is 0; expected 1 to 35 (0 would disable backups and PITR)");
  });
});
