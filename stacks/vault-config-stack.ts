import { DataAwsDbInstance } from "@cdktf/provider-aws/lib/data-aws-db-instance";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { resourceNames } from "../config/naming";
import type { EnvironmentConfig, StateStoreConfig } from "../config/schema";
import type { Service } from "../config/services";
import { environmentBase } from "./environment-base";
import { DATABASE_MOUNT, KUBERNETES_AUTH_PATH, KV_MOUNT, VAULT_OPERATOR_ADDRESS } from "../modules/vault/constants";
import { VaultConfiguration } from "../modules/vault/vault-configuration";

/** Terraform variable carrying the database admin user's initial password (first apply only). */
export const DB_ADMIN_PASSWORD_VARIABLE = "vault_db_admin_password";

export interface VaultConfigStackProps {
  readonly config: EnvironmentConfig;
  readonly services: readonly Service[];
  readonly state: StateStoreConfig;
}

/**
 * `<env>-vault`: Vault's own configuration (auth, policies, secret engines,
 * audit). Deployed after the environment stack is up and the `vault-init`
 * runbook has initialised Vault, with the operator's token in `VAULT_TOKEN`
 * and the port-forward of `vault-active` open (see VAULT_OPERATOR_ADDRESS);
 * the server's CA in `VAULT_CACERT`. No token or password is in code or state.
 *
 * First apply: `TF_VAR_vault_db_admin_password=<initial password of vault_admin>`.
 * Vault rotates it at once (rotate-root), so later applies need no password.
 */
export class VaultConfigStack extends TerraformStack {
  readonly vault: VaultConfiguration;

  constructor(scope: Construct, id: string, props: VaultConfigStackProps) {
    super(scope, id);
    const { config } = props;
    const names = resourceNames(config.name);

    environmentBase(this, config, props.state, `${config.name}/vault.tfstate`);
    // Token from VAULT_TOKEN and CA from VAULT_CACERT at deploy time; never in code.
    new VaultProvider(this, "vault", { address: VAULT_OPERATOR_ADDRESS, skipTlsVerify: false });

    const password = new TerraformVariable(this, DB_ADMIN_PASSWORD_VARIABLE, {
      type: "string",
      sensitive: true,
      nullable: true,
      description: "Initial password of the database user vault_admin; needed on the first apply only (Vault rotates it at once)",
    });
    // Ephemeral: kept out of plan files as well as state (Terraform >= 1.10); only write-only arguments may use it.
    password.addOverride("ephemeral", true);
    // Optional after the first apply; cdktf's `default` property cannot be null.
    password.addOverride("default", null);

    const db = new DataAwsDbInstance(this, "database", { dbInstanceIdentifier: names.dbInstance });

    this.vault = new VaultConfiguration(this, "config", {
      services: props.services,
      databaseHost: db.address,
      databasePort: db.port,
      databaseAdminPassword: password.stringValue,
    });

    new TerraformOutput(this, "kubernetes_auth_path", { value: KUBERNETES_AUTH_PATH, description: "Vault auth path services log in at" });
    new TerraformOutput(this, "kv_mount", { value: KV_MOUNT, description: "KV v2 mount; a service's secrets are under services/<service>/" });
    new TerraformOutput(this, "database_mount", { value: DATABASE_MOUNT, description: "Database engine; credentials at database/creds/<service>" });
  }
}
