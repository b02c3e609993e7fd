import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, stateStore } from "../../config";
import { services } from "../../config/services";
import { evaluate } from "../../policies/gate";
import { Testing, TerraformStack } from "cdktf";
import { VaultConfiguration } from "../../modules/vault/vault-configuration";
import { foreignPaths, policyRules, synthVaultConfig, type Json } from "./helpers";

const postgresServices = services.filter((s) => s.uses.includes("postgres")).map((s) => s.name);

/** Shapes of credentials that must never appear in synthesized Terraform (tests/unit/no-secrets.test.ts, plus Vault's). */
const SECRET_PATTERNS: [string, RegExp][] = [
  ["AWS access key id", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ["AWS secret access key", /aws_secret_access_key|"secret_key"\s*:/i],
  ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["password attribute", /"(password|master_password|auth_token|passwords)"\s*:/],
  ["password in a URL", /[a-z]+:\/\/[^/\s:"]+:[^@\s"]+@/i],
  ["Vault token", /\bhv[sbr]\.[A-Za-z0-9_-]{20,}|"token"\s*:|\bs\.[A-Za-z0-9]{24}\b/],
];
const findSecrets = (text: string) => SECRET_PATTERNS.filter(([, re]) => re.test(text)).map(([name]) => name);

describe.each(ENVIRONMENT_NAMES)("%s-vault stack", (env) => {
  const s = synthVaultConfig(env);
  const policies = Object.values(s.resources("vault_policy"));
  const roles = Object.values(s.resources("vault_kubernetes_auth_backend_role"));
  const dbRoles = Object.values(s.resources("vault_database_secret_backend_role"));

  it("keeps its state in <env>/vault.tfstate of the state bucket, with S3-native locking", () => {
    expect(s.json.terraform.backend.s3).toMatchObject({
      bucket: stateStore.bucketName,
      key: `${env}/vault.tfstate`,
      encrypt: true,
      use_lockfile: true,
    });
  });

  it("talks to Vault with a token from the environment only", () => {
    const [provider] = s.json.provider.vault;
    expect(provider.address).toBe("https://127.0.0.1:8200");
    expect(provider.token).toBeUndefined();
    expect(provider.skip_tls_verify).toBe(false);
  });

  it("holds no secret literal anywhere in the synthesized JSON", () => {
    expect(findSecrets(JSON.stringify(s.json))).toEqual([]);
    const [connection] = Object.values(s.resources("vault_database_secret_backend_connection"));
    expect(connection.postgresql.password_wo).toBe("${var.vault_db_admin_password}");
    expect(connection.postgresql.password).toBeUndefined();
    expect(s.json.variable.vault_db_admin_password).toMatchObject({ sensitive: true, ephemeral: true, default: null });
  });

  it("the detector catches each kind of secret it looks for", () => {
    expect(findSecrets('{"password": "hunter2"}')).toEqual(["password attribute"]);
    expect(findSecrets('{"token": "x"}')).toEqual(["Vault token"]);
    expect(findSecrets("hvs.CAESIJlWh8Tk2uKQ4dHkL0nXcKd")).toEqual(["Vault token"]);
    expect(findSecrets(["postgresql://admin", "s3cret@db:5432/app"].join(":"))).toEqual(["password in a URL"]);
  });

  it("writes an audit device before any other configuration", () => {
    const [audit] = Object.values(s.resources("vault_audit"));
    expect(audit).toMatchObject({ type: "file", path: "stdout", options: { file_path: "stdout", format: "json", log_raw: "false" } });
    const [auth] = Object.values(s.resources("vault_auth_backend"));
    expect(auth.depends_on).toContainEqual(expect.stringMatching(/^vault_audit\./));
  });

  it("enables Kubernetes auth against the in-cluster API and a KV v2 engine", () => {
    const [auth] = Object.values(s.resources("vault_auth_backend"));
    expect(auth).toMatchObject({ type: "kubernetes", path: "kubernetes" });
    expect(Object.values(s.resources("vault_kubernetes_auth_backend_config"))[0].kubernetes_host).toBe("https://kubernetes.default.svc");
    const kv = Object.values(s.resources("vault_mount")).find((m) => m.type === "kv")!;
    expect(kv).toMatchObject({ path: "kv", options: { version: "2" } });
  });

  it("has one policy and one Kubernetes-auth role per service, plus the snapshot job's and the drill probe's", () => {
    const expected = [...services.map((x) => x.name), "snapshot", "drill-probe"].sort();
    expect(policies.map((p) => p.name).sort()).toEqual(expected);
    expect(roles.map((r) => r.role_name).sort()).toEqual(expected);
  });

  it.each(services.map((x) => x.name))("binds role %s to its own namespace and service account and policy", (name) => {
    const role = roles.find((r) => r.role_name === name)!;
    expect(role.bound_service_account_names).toEqual([name]);
    expect(role.bound_service_account_namespaces).toEqual([name]);
    expect(role.token_policies).toEqual([expect.stringMatching(new RegExp(`^\\$\\{vault_policy\\.[\\w-]*${name}[\\w-]*\\.name\\}$`))]);
    expect(role.token_ttl).toBe(3600);
  });

  it.each(services.map((x) => [x.name, x.uses.includes("postgres")] as const))("lets %s read only its own paths", (name, usesPostgres) => {
    const policy = policies.find((p) => p.name === name)!;
    expect(foreignPaths(name, policy.policy)).toEqual([]);
    const paths = policyRules(policy.policy).map((r) => r.path);
    expect(paths).toContain(`kv/data/services/${name}/*`);
    expect(paths.includes(`database/creds/${name}`)).toBe(usesPostgres);
  });

  it("fails when a policy reaches beyond its service (the checker)", () => {
    const hcl = 'path "kv/data/services/a/*" {\n  capabilities = ["read"]\n}\npath "database/creds/b" {\n  capabilities = ["read"]\n}\npath "kv/data/services/a" {\n  capabilities = ["read", "update"]\n}\n';
    expect(foreignPaths("a", hcl)).toEqual(["database/creds/b [read]", "kv/data/services/a [read, update]"]);
    expect(() => policyRules('path "sys/*" { capabilities = ["sudo"] }\npath "x" {}')).toThrow("policy has 2 path blocks but 1 parsed");
  });

  it("issues short-lived database credentials only to services that use PostgreSQL, on their own schema", () => {
    const serviceDbRoles = dbRoles.filter((r) => r.name !== "drill-probe");
    expect(serviceDbRoles.map((r) => r.name).sort()).toEqual([...postgresServices].sort());
    for (const role of serviceDbRoles) {
      expect(role).toMatchObject({ default_ttl: 3600, max_ttl: 86400, db_name: expect.stringMatching(/^\$\{vault_database_secret_backend_connection\./) });
      const schemas = new Set((role.creation_statements as string[]).join("\n").match(/SCHEMA "([a-z_]+)"/g));
      expect([...schemas]).toEqual([`SCHEMA "${role.name.replace(/-/g, "_")}"`]);
      expect(role.creation_statements[0]).toMatch(/VALID UNTIL '\{\{expiration\}\}'/);
      expect(role.revocation_statements.at(-1)).toBe('DROP ROLE IF EXISTS "{{name}}";');
    }
    const mount = Object.values(s.resources("vault_mount")).find((m) => m.type === "database")!;
    expect(mount).toMatchObject({ path: "database", default_lease_ttl_seconds: 3600, max_lease_ttl_seconds: 86400 });
  });

  it("gives the failover drills' write probe its own login on the probe table only, for an hour at most", () => {
    const role = roles.find((r) => r.role_name === "drill-probe");
    expect(role).toMatchObject({ bound_service_account_names: ["drill-probe"], bound_service_account_namespaces: ["groundwork-drills"], token_no_default_policy: true, token_max_ttl: 3600 });
    const db = dbRoles.find((r) => r.name === "drill-probe")!;
    expect(db).toMatchObject({ default_ttl: 3600, max_ttl: 3600 });
    expect((db.creation_statements as string[]).filter((st) => st.startsWith("GRANT"))).toEqual([
      'GRANT USAGE ON SCHEMA groundwork_drills TO "{{name}}";',
      'GRANT SELECT, INSERT, DELETE ON groundwork_drills.write_probe TO "{{name}}";',
    ]);
    const policy = policies.find((p) => p.name === "drill-probe")!;
    expect(policyRules(policy.policy)).toEqual([{ path: "database/creds/drill-probe", capabilities: ["read"] }]);
  });

  it("connects to the RDS primary over verified TLS as vault_admin and rotates that password at once", () => {
    const [connection] = Object.values(s.resources("vault_database_secret_backend_connection"));
    expect(connection.allowed_roles.sort()).toEqual([...postgresServices, "drill-probe"].sort());
    expect(connection.postgresql.username).toBe("vault_admin");
    expect(connection.postgresql.connection_url).toMatch(/^host=\$\{data\.aws_db_instance\.database\.address\} port=\$\{data\.aws_db_instance\.database\.port\} dbname=groundwork sslmode=verify-full /);
    expect(s.json.data.aws_db_instance.database.db_instance_identifier).toBe(`groundwork-${env}`);
    const [rotate] = Object.values(s.resources("vault_generic_endpoint"));
    expect(rotate.path).toMatch(/^\$\{vault_mount\.[\w-]+\.path\}\/rotate-root\/postgres$/);
    expect(rotate).toMatchObject({ data_json: "{}", disable_read: true, disable_delete: true });
    // A bare address: Terraform rejects "${...}" in replace_triggered_by.
    expect(rotate.lifecycle.replace_triggered_by).toEqual([expect.stringMatching(/^vault_database_secret_backend_connection\.[\w-]+$/)]);
  });

  it("lets the snapshot job, and only it, take Raft snapshots with a short-lived token", () => {
    const role = roles.find((r) => r.role_name === "snapshot")!;
    expect(role).toMatchObject({
      bound_service_account_names: ["vault-snapshot"],
      bound_service_account_namespaces: ["vault"],
      audience: "vault",
      token_no_default_policy: true,
      token_ttl: 600,
    });
    const policy = policies.find((p) => p.name === "snapshot")!;
    expect(policyRules(policy.policy)).toEqual([{ path: "sys/storage/raft/snapshot", capabilities: ["read"] }]);
    for (const p of policies.filter((x) => x.name !== "snapshot")) expect(p.policy).not.toContain("sys/");
  });

  it("passes the policy gate as a vault-config stack", () => {
    const report = evaluate(`${env}-vault`, s.json, { kind: "vault-config" });
    expect(report.findings.filter((f) => f.status === "violation")).toEqual([]);
    expect(report.errors).toEqual([]);
  });
});

describe("VaultConfiguration props", () => {
  const build = (props: Partial<ConstructorParameters<typeof VaultConfiguration>[2]>) =>
    new VaultConfiguration(new TerraformStack(Testing.app(), "t"), "vault", { services, databaseHost: "db", ...props });

  it("fails when a service would take the snapshot role's name", () => {
    expect(() => build({ services: [{ name: "snapshot", uses: [] }] })).toThrow(
      'VaultConfiguration vault: a service is named "snapshot"; that role name is reserved for the snapshot job',
    );
  });

  it("fails when the maximum credential lifetime is below the default", () => {
    expect(() => build({ credentialTtlSeconds: 7200, credentialMaxTtlSeconds: 3600 })).toThrow(
      "VaultConfiguration vault: credentialMaxTtlSeconds is 3600; expected an integer from credentialTtlSeconds (7200) to 604800",
    );
  });

  it("binds services to the identities it is given", () => {
    const v = build({ serviceIdentity: (name) => ({ namespace: "apps", serviceAccount: `${name}-sa` }) });
    const stack = TerraformStack.of(v);
    Testing.synth(stack);
    const roles = Object.values((stack.toTerraform() as Json).resource.vault_kubernetes_auth_backend_role) as Json[];
    const gw = roles.find((r) => r.role_name === "api-gateway")!;
    expect(gw).toMatchObject({ bound_service_account_names: ["api-gateway-sa"], bound_service_account_namespaces: ["apps"] });
  });
});
