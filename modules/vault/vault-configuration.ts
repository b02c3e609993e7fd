import { Audit } from "@cdktf/provider-vault/lib/audit";
import { AuthBackend } from "@cdktf/provider-vault/lib/auth-backend";
import { DatabaseSecretBackendConnection } from "@cdktf/provider-vault/lib/database-secret-backend-connection";
import { DatabaseSecretBackendRole } from "@cdktf/provider-vault/lib/database-secret-backend-role";
import { GenericEndpoint } from "@cdktf/provider-vault/lib/generic-endpoint";
import { KubernetesAuthBackendConfig } from "@cdktf/provider-vault/lib/kubernetes-auth-backend-config";
import { KubernetesAuthBackendRole } from "@cdktf/provider-vault/lib/kubernetes-auth-backend-role";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { Policy } from "@cdktf/provider-vault/lib/policy";
import { Construct } from "constructs";
import type { Service } from "../../config/services";
import {
  DATABASE_CA_MOUNT,
  DATABASE_CONNECTION,
  DATABASE_MOUNT,
  KUBERNETES_AUTH_PATH,
  KV_MOUNT,
  SNAPSHOT_ROLE,
  SNAPSHOT_SERVICE_ACCOUNT,
  SNAPSHOT_TOKEN_AUDIENCE,
  VAULT_NAMESPACE,
} from "./constants";
import { creationStatements, policyHcl, revocationStatements, servicePolicyRules, SNAPSHOT_POLICY_RULES } from "./policies";

/** Where a service runs: its Kubernetes namespace and service account. */
export interface ServiceIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface VaultConfigurationProps {
  /** The service catalog: one policy and one Kubernetes-auth role per service. */
  readonly services: readonly Pick<Service, "name" | "uses">[];
  /** Host name of the PostgreSQL server Vault issues credentials on (the RDS primary, not the IAM-only proxy). */
  readonly databaseHost: string;
  /** @default 5432 */
  readonly databasePort?: number | string;
  /** @default "groundwork" */
  readonly databaseName?: string;
  /**
   * Database user Vault administers roles with (CREATEROLE, and grant rights on the service schemas).
   * @default "vault_admin"
   */
  readonly databaseAdminUsername?: string;
  /**
   * Initial password of the admin user, as a reference to an ephemeral, sensitive
   * variable. Written to Vault through a write-only argument (never in plan or state)
   * when the connection is created or `databaseAdminPasswordVersion` changes.
   * @default - none: the connection keeps the credentials Vault already has
   */
  readonly databaseAdminPassword?: string;
  /**
   * Bump to send `databaseAdminPassword` again (after resetting the admin user's password).
   * @default 1
   */
  readonly databaseAdminPasswordVersion?: number;
  /**
   * Rotate the admin user's password right after the connection is (re)configured,
   * so only Vault knows it.
   * @default true
   */
  readonly rotateRootCredentials?: boolean;
  /**
   * Where a service runs.
   * @default - namespace and service account both named after the service
   */
  readonly serviceIdentity?: (service: string) => ServiceIdentity;
  /**
   * Namespace of Vault and its snapshot job.
   * @default "vault"
   */
  readonly vaultNamespace?: string;
  /**
   * Lifetime of issued database credentials, seconds.
   * @default 3600
   */
  readonly credentialTtlSeconds?: number;
  /**
   * Longest a database credential can be renewed to, seconds.
   * @default 86400
   */
  readonly credentialMaxTtlSeconds?: number;
  /**
   * Kubernetes API address Vault validates service-account tokens against (Vault runs in the cluster).
   * @default "https://kubernetes.default.svc"
   */
  readonly kubernetesHost?: string;
}

const DEFAULT_IDENTITY = (service: string): ServiceIdentity => ({ namespace: service, serviceAccount: service });

/**
 * Vault's configuration for one environment: the Kubernetes auth method; per
 * service a least-privilege policy and a role bound to its service account;
 * a KV v2 engine; the database engine with a PostgreSQL connection and one
 * short-lived-credential role per PostgreSQL service; the snapshot job's role;
 * and an audit device.
 */
export class VaultConfiguration extends Construct {
  readonly kubernetesAuth: AuthBackend;
  readonly kv: Mount;
  readonly database: Mount;
  readonly connection: DatabaseSecretBackendConnection;
  /** Policies by service name (plus `snapshot`). */
  readonly policies: Record<string, Policy> = {};
  /** Kubernetes-auth roles by service name (plus `snapshot`). */
  readonly roles: Record<string, KubernetesAuthBackendRole> = {};
  /** Database roles by service name. */
  readonly databaseRoles: Record<string, DatabaseSecretBackendRole> = {};

  constructor(scope: Construct, id: string, props: VaultConfigurationProps) {
    super(scope, id);
    const ttl = props.credentialTtlSeconds ?? 3600;
    const maxTtl = props.credentialMaxTtlSeconds ?? 86400;
    const identity = props.serviceIdentity ?? DEFAULT_IDENTITY;
    const vaultNamespace = props.vaultNamespace ?? VAULT_NAMESPACE;
    const adminUser = props.databaseAdminUsername ?? "vault_admin";
    const passwordVersion = props.databaseAdminPasswordVersion ?? 1;
    if (!Number.isInteger(ttl) || ttl < 60) throw new Error(`VaultConfiguration ${id}: credentialTtlSeconds is ${ttl}; expected an integer >= 60`);
    if (!Number.isInteger(maxTtl) || maxTtl < ttl || maxTtl > 7 * 86400) {
      throw new Error(`VaultConfiguration ${id}: credentialMaxTtlSeconds is ${maxTtl}; expected an integer from credentialTtlSeconds (${ttl}) to 604800`);
    }
    if (!Number.isInteger(passwordVersion) || passwordVersion < 1) {
      throw new Error(`VaultConfiguration ${id}: databaseAdminPasswordVersion is ${passwordVersion}; expected an integer >= 1`);
    }
    if (!/^[a-z_][a-z0-9_]*$/.test(adminUser)) {
      throw new Error(`VaultConfiguration ${id}: databaseAdminUsername is "${adminUser}"; expected a lower-case PostgreSQL identifier`);
    }
    const names = new Set(props.services.map((s) => s.name));
    if (names.has(SNAPSHOT_ROLE)) throw new Error(`VaultConfiguration ${id}: a service is named "${SNAPSHOT_ROLE}"; that role name is reserved for the snapshot job`);
    const postgresServices = props.services.filter((s) => s.uses.includes("postgres"));

    // Audit first: every later request is on the record.
    const audit = new Audit(this, "audit-stdout", {
      type: "file",
      path: "stdout",
      description: "All requests and responses (secrets HMAC-ed) to stdout, shipped by the cluster's log pipeline",
      options: { file_path: "stdout", format: "json", log_raw: "false", hmac_accessor: "true" },
    });

    this.kubernetesAuth = new AuthBackend(this, "kubernetes-auth", {
      type: "kubernetes",
      path: KUBERNETES_AUTH_PATH,
      description: "Service accounts of this cluster",
      tune: [{ defaultLeaseTtl: "1h", maxLeaseTtl: "24h", tokenType: "default-service" }],
      dependsOn: [audit],
    });
    // No reviewer JWT or CA: Vault runs in the cluster and uses its own service account (auth-delegator).
    new KubernetesAuthBackendConfig(this, "kubernetes-auth-config", {
      backend: this.kubernetesAuth.path,
      kubernetesHost: props.kubernetesHost ?? "https://kubernetes.default.svc",
    });

    this.kv = new Mount(this, "kv", {
      path: KV_MOUNT,
      type: "kv",
      options: { version: "2" },
      description: "Static service secrets, under services/<service>/",
      dependsOn: [audit],
    });

    this.database = new Mount(this, "database", {
      path: DATABASE_MOUNT,
      type: "database",
      description: "Short-lived PostgreSQL credentials per service",
      defaultLeaseTtlSeconds: ttl,
      maxLeaseTtlSeconds: maxTtl,
      dependsOn: [audit],
    });
    const port = props.databasePort ?? 5432;
    const dbName = props.databaseName ?? "groundwork";
    this.connection = new DatabaseSecretBackendConnection(this, "postgres", {
      backend: this.database.path,
      name: DATABASE_CONNECTION,
      pluginName: "postgresql-database-plugin",
      allowedRoles: [...postgresServices.map((s) => s.name), DRILL_PROBE.role],
      verifyConnection: true,
      postgresql: {
        // Key/value DSN with the server certificate verified against the mounted CA bundle (RDS forces TLS).
        connectionUrl: `host=${props.databaseHost} port=${port} dbname=${dbName} sslmode=verify-full sslrootcert=${DATABASE_CA_MOUNT}/ca.pem user={{username}} password={{password}}`,
        // Values go into a key/value DSN, not a URL: URL-escaping them would corrupt them.
        disableEscaping: true,
        username: adminUser,
        passwordWo: props.databaseAdminPassword,
        passwordWoVersion: props.databaseAdminPassword === undefined ? undefined : passwordVersion,
        maxOpenConnections: 4,
        maxIdleConnections: 0,
        maxConnectionLifetime: 300,
      },
    });
    if (props.rotateRootCredentials ?? true) {
      // POST database/rotate-root/<connection> once per (re)configuration: afterwards only Vault knows the password.
      const rotate = new GenericEndpoint(this, "rotate-root", {
        path: `${this.database.path}/rotate-root/${DATABASE_CONNECTION}`,
        dataJson: "{}",
        disableRead: true,
        disableDelete: true,
        ignoreAbsentFields: true,
        dependsOn: [this.connection],
      });
      // Rotate again whenever the connection changes. cdktf would write "${...}" here, which Terraform
      // rejects in replace_triggered_by ("Expected the start of an expression"): give it the bare address.
      rotate.addOverride("lifecycle.replace_triggered_by", [`${this.connection.terraformResourceType}.${this.connection.friendlyUniqueId}`]);
    }

    const policies = new Construct(this, "policies");
    const roles = new Construct(this, "roles");
    const dbRoles = new Construct(this, "database-roles");
    for (const service of props.services) {
      const usesPostgres = service.uses.includes("postgres");
      const policy = new Policy(policies, service.name, {
        name: service.name,
        policy: policyHcl(`${service.name}: its own KV secrets${usesPostgres ? " and database credentials" : ""}`, servicePolicyRules(service.name, usesPostgres)),
      });
      this.policies[service.name] = policy;
      const who = identity(service.name);
      this.roles[service.name] = new KubernetesAuthBackendRole(roles, service.name, {
        backend: this.kubernetesAuth.path,
        roleName: service.name,
        boundServiceAccountNames: [who.serviceAccount],
        boundServiceAccountNamespaces: [who.namespace],
        aliasNameSource: "serviceaccount_name",
        tokenPolicies: [policy.name],
        tokenTtl: 3600,
        tokenMaxTtl: 86400,
      });
      if (usesPostgres) {
        this.databaseRoles[service.name] = new DatabaseSecretBackendRole(dbRoles, service.name, {
          backend: this.database.path,
          name: service.name,
          dbName: this.connection.name,
          defaultTtl: ttl,
          maxTtl,
          creationStatements: creationStatements(service.name),
          revocationStatements: revocationStatements(service.name),
        });
      }
    }

    const snapshotPolicy = new Policy(policies, SNAPSHOT_ROLE, {
      name: SNAPSHOT_ROLE,
      policy: policyHcl("snapshot job: take Raft snapshots, nothing else", SNAPSHOT_POLICY_RULES),
    });
    this.policies[SNAPSHOT_ROLE] = snapshotPolicy;
    this.roles[SNAPSHOT_ROLE] = new KubernetesAuthBackendRole(roles, SNAPSHOT_ROLE, {
      backend: this.kubernetesAuth.path,
      roleName: SNAPSHOT_ROLE,
      boundServiceAccountNames: [SNAPSHOT_SERVICE_ACCOUNT],
      boundServiceAccountNamespaces: [vaultNamespace],
      audience: SNAPSHOT_TOKEN_AUDIENCE,
      aliasNameSource: "serviceaccount_name",
      tokenPolicies: [snapshotPolicy.name],
      tokenNoDefaultPolicy: true,
      tokenTtl: 600,
      tokenMaxTtl: 900,
    });

    // The failover drills' in-cluster write probe (runbooks/lib/targets/kube-probe.mjs): its own
    // short-lived login that may only write and read back groundwork_drills.write_probe.
    const probePolicy = new Policy(policies, DRILL_PROBE.role, {
      name: DRILL_PROBE.role,
      policy: policyHcl("drill-probe: issue the failover probe's database credentials, nothing else", [
        { path: `${DATABASE_MOUNT}/creds/${DRILL_PROBE.role}`, capabilities: ["read"] },
      ]),
    });
    this.policies[DRILL_PROBE.role] = probePolicy;
    this.roles[DRILL_PROBE.role] = new KubernetesAuthBackendRole(roles, DRILL_PROBE.role, {
      backend: this.kubernetesAuth.path,
      roleName: DRILL_PROBE.role,
      boundServiceAccountNames: [DRILL_PROBE.serviceAccount],
      boundServiceAccountNamespaces: [DRILL_PROBE.namespace],
      aliasNameSource: "serviceaccount_name",
      tokenPolicies: [probePolicy.name],
      tokenNoDefaultPolicy: true,
      tokenTtl: 600,
      tokenMaxTtl: 3600,
    });
    this.databaseRoles[DRILL_PROBE.role] = new DatabaseSecretBackendRole(dbRoles, DRILL_PROBE.role, {
      backend: this.database.path,
      name: DRILL_PROBE.role,
      dbName: this.connection.name,
      defaultTtl: 3600,
      maxTtl: 3600,
      creationStatements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;`,
        `GRANT USAGE ON SCHEMA ${DRILL_PROBE.schema} TO "{{name}}";`,
        `GRANT SELECT, INSERT, DELETE ON ${DRILL_PROBE.schema}.write_probe TO "{{name}}";`,
      ],
      revocationStatements: [
        `REVOKE ALL PRIVILEGES ON ${DRILL_PROBE.schema}.write_probe FROM "{{name}}";`,
        `REVOKE USAGE ON SCHEMA ${DRILL_PROBE.schema} FROM "{{name}}";`,
        `DROP ROLE IF EXISTS "{{name}}";`,
      ],
    });
  }
}

/** The failover drills' write probe: its Vault role, Kubernetes identity and database schema. */
export const DRILL_PROBE = { role: "drill-probe", serviceAccount: "drill-probe", namespace: "groundwork-drills", schema: "groundwork_drills" } as const;
