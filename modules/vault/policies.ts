/**
 * Vault policies (HCL) and PostgreSQL statements for the services in the
 * catalog. Pure functions: the `<env>-vault` stack and the tests read the same text.
 */
import { DATABASE_MOUNT, KV_MOUNT } from "./constants";

/** One `path` rule of a Vault policy. */
export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly string[];
}

/** Render rules as Vault policy HCL, with a comment line on top. */
export function policyHcl(comment: string, rules: readonly PolicyRule[]): string {
  const body = rules.map((r) => `path "${r.path}" {\n  capabilities = [${r.capabilities.map((c) => `"${c}"`).join(", ")}]\n}`);
  return [`# ${comment}`, ...body, ""].join("\n");
}

/** KV v2 prefix (below the mount) of a service's secrets. */
export function serviceKvPrefix(service: string): string {
  return `services/${service}`;
}

/**
 * What a service may do: read its own KV secrets and, if it uses PostgreSQL,
 * issue its own database credentials. Token renewal and lookup come from
 * Vault's `default` policy.
 */
export function servicePolicyRules(service: string, usesPostgres: boolean): PolicyRule[] {
  const prefix = serviceKvPrefix(service);
  const rules: PolicyRule[] = [
    { path: `${KV_MOUNT}/data/${prefix}`, capabilities: ["read"] },
    { path: `${KV_MOUNT}/data/${prefix}/*`, capabilities: ["read"] },
  ];
  if (usesPostgres) rules.push({ path: `${DATABASE_MOUNT}/creds/${service}`, capabilities: ["read"] });
  return rules;
}

/** The snapshot job may take a Raft snapshot and nothing else. */
export const SNAPSHOT_POLICY_RULES: readonly PolicyRule[] = [{ path: "sys/storage/raft/snapshot", capabilities: ["read"] }];

/** PostgreSQL schema of a service: its name with underscores (`content-processing` -> `content_processing`). */
export function serviceSchema(service: string): string {
  return service.replace(/-/g, "_");
}

/**
 * A login role valid until the lease expires, with data access (no DDL) to its
 * service's schema only. Tables the migrations create later are covered by the
 * schema owner's `ALTER DEFAULT PRIVILEGES` (see the report).
 */
export function creationStatements(service: string): string[] {
  const schema = `"${serviceSchema(service)}"`;
  return [
    `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;`,
    `GRANT USAGE ON SCHEMA ${schema} TO "{{name}}";`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO "{{name}}";`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO "{{name}}";`,
    `ALTER ROLE "{{name}}" SET search_path = ${schema};`,
  ];
}

/** Undo `creationStatements` and drop the role when the lease ends. */
export function revocationStatements(service: string): string[] {
  const schema = `"${serviceSchema(service)}"`;
  return [
    `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${schema} FROM "{{name}}";`,
    `REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA ${schema} FROM "{{name}}";`,
    `REVOKE USAGE ON SCHEMA ${schema} FROM "{{name}}";`,
    `DROP ROLE IF EXISTS "{{name}}";`,
  ];
}
