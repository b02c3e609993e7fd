/**
 * Names shared by the Vault module (`Vault`, in each environment stack), the
 * Vault configuration (`VaultConfiguration`, in `<env>-vault`) and the
 * runbooks that operate them (`vault-init`, `vault-snapshot`). They are a
 * contract: renaming one breaks the other side, so change them together.
 */

/** vault-helm chart version; `upstream/vault-<version>.yaml` lists its value keys. */
export const VAULT_CHART_VERSION = "0.31.0";
/** Vault server and agent image tag shipped with chart 0.31.0. */
export const VAULT_IMAGE = { repository: "hashicorp/vault", tag: "1.20.4" } as const;
/** Agent injector (vault-k8s) image tag shipped with chart 0.31.0. */
export const VAULT_K8S_IMAGE = { repository: "hashicorp/vault-k8s", tag: "1.7.0" } as const;
/** Image that uploads snapshots to S3 (AWS CLI v2 with EKS Pod Identity support). */
export const AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.27.0";

/** Helm release name; the chart names its StatefulSet, services and pods after it. */
export const VAULT_RELEASE = "vault";
/** Default namespace Vault runs in. */
export const VAULT_NAMESPACE = "vault";
/** Service account of the Vault server pods (KMS auto-unseal through Pod Identity). */
export const VAULT_SERVER_SERVICE_ACCOUNT = "vault";
/** Service account of the Raft snapshot CronJob. */
export const SNAPSHOT_SERVICE_ACCOUNT = "vault-snapshot";
/** Name of the snapshot CronJob (`kubectl create job --from=cronjob/vault-snapshot`). */
export const SNAPSHOT_CRONJOB = "vault-snapshot";
/** Vault Kubernetes-auth role and policy of the snapshot CronJob. */
export const SNAPSHOT_ROLE = "snapshot";
/** Audience of the projected token the snapshot job logs in with. */
export const SNAPSHOT_TOKEN_AUDIENCE = "vault";
/** Key prefix of the snapshots in the snapshot bucket. */
export const SNAPSHOT_PREFIX = "raft";

/** Secret (written by cert-manager) holding the Vault server certificate, key and CA. */
export const TLS_SECRET = "vault-tls";
/**
 * cert-manager ClusterIssuer signed by Vault's private CA (created by `Vault`
 * unless it is given `tlsIssuer`). Certificates it issues carry the CA as
 * `ca.crt`: the microservice chart requests one per service namespace so the
 * Vault Agent can verify the server.
 */
export const VAULT_CA_ISSUER = "vault-ca";
/** Secret (in cert-manager's cluster resource namespace) holding the private CA's key pair. */
export const VAULT_CA_SECRET = "vault-ca";
/** Default namespace cert-manager runs in: its cluster resource namespace, where ClusterIssuers read Secrets. */
export const CERT_MANAGER_NAMESPACE = "cert-manager";
/** Where the server pods mount `TLS_SECRET`. */
export const TLS_MOUNT = "/vault/userconfig/vault-tls";
/** ConfigMap with the CA bundle Vault uses to verify the database's certificate. */
export const DATABASE_CA_CONFIGMAP = "vault-database-ca";
/** Where the server pods mount `DATABASE_CA_CONFIGMAP` (key `ca.pem`). */
export const DATABASE_CA_MOUNT = "/vault/userconfig/database-ca";

/** Mount path of the Kubernetes auth method. */
export const KUBERNETES_AUTH_PATH = "kubernetes";
/** Mount path of the KV v2 engine; a service's secrets live under `services/<name>/`. */
export const KV_MOUNT = "kv";
/** Mount path of the database secrets engine. */
export const DATABASE_MOUNT = "database";
/** Name of the PostgreSQL connection in the database secrets engine. */
export const DATABASE_CONNECTION = "postgres";

/** In-cluster address of the active Vault node. */
export function vaultInClusterAddress(namespace: string = VAULT_NAMESPACE): string {
  return `https://${VAULT_RELEASE}-active.${namespace}.svc:8200`;
}

/**
 * Address the `<env>-vault` stack and operators use, through
 * `kubectl -n vault port-forward svc/vault-active 8200:8200` (Vault has no
 * ingress). The server certificate carries 127.0.0.1 and localhost for this.
 */
export const VAULT_OPERATOR_ADDRESS = "https://127.0.0.1:8200";

export { vaultSnapshotBucketName } from "../../config/naming";
