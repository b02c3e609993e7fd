/**
 * What the Vault module hands to Helm: the vault-helm chart's values (with the
 * server's HCL configuration) and the Kubernetes objects rendered through the
 * generic `charts/manifests` chart (cert-manager TLS, snapshot CronJob, the
 * metrics ServiceMonitor). Pure
 * functions of their inputs, so tests can read them without synthesizing.
 *
 * Values strings may hold Terraform tokens (the KMS key id, the region): keep
 * `${` and `%{` out of literal text here, Terraform would interpolate them.
 */
import { Fn, Token } from "cdktf";
import {
  AWS_CLI_IMAGE,
  CERT_MANAGER_NAMESPACE,
  DATABASE_CA_CONFIGMAP,
  DATABASE_CA_MOUNT,
  KUBERNETES_AUTH_PATH,
  SNAPSHOT_CRONJOB,
  SNAPSHOT_ROLE,
  SNAPSHOT_SERVICE_ACCOUNT,
  SNAPSHOT_TOKEN_AUDIENCE,
  TLS_MOUNT,
  TLS_SECRET,
  VAULT_CA_ISSUER,
  VAULT_CA_SECRET,
  VAULT_IMAGE,
  VAULT_K8S_IMAGE,
  VAULT_RELEASE,
  VAULT_SERVER_SERVICE_ACCOUNT,
  vaultInClusterAddress,
} from "./constants";
import { PRIORITY_CLASSES } from "../service/priority-classes";

/** Topology key Vault replicas are spread over. */
export const ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone";

/** Labels the chart puts on server pods (release name `vault`). */
export const SERVER_POD_LABELS = {
  "app.kubernetes.io/name": "vault",
  "app.kubernetes.io/instance": VAULT_RELEASE,
  component: "server",
} as const;

const INJECTOR_POD_LABELS = {
  "app.kubernetes.io/name": "vault-agent-injector",
  "app.kubernetes.io/instance": VAULT_RELEASE,
  component: "webhook",
} as const;

/** Pod and container security contexts that pass the `restricted` Pod Security Standard. */
function restricted(uid: number, gid: number) {
  return {
    pod: { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: "RuntimeDefault" } },
    container: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

export interface ServerConfigInput {
  readonly namespace: string;
  readonly replicas: number;
  readonly region: string;
  readonly kmsKeyId: string;
}

/**
 * The Vault server's HCL: TLS listener, Raft with TLS retry_join to every peer,
 * AWS KMS auto-unseal, and Prometheus telemetry.
 *
 * `/v1/sys/metrics` is served without a token on the listener. A sealed node
 * cannot check a token, so with authenticated access it answers 503 and
 * VaultSealed could never see `vault_core_unsealed` = 0; the unauthenticated
 * handler serves the metrics in any seal state. The metrics are operational
 * counters and gauges (no secret, token or key material); the port is the same
 * in-cluster 8200 every workload already reaches for secrets, so a token would
 * only move a secret into Prometheus without narrowing who can connect.
 * https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#unauthenticated_metrics_access
 */
export function serverConfigHcl(input: ServerConfigInput): string {
  const peers = Array.from({ length: input.replicas }, (_, i) =>
    [
      `  retry_join {`,
      `    leader_api_addr         = "https://${VAULT_RELEASE}-${i}.${VAULT_RELEASE}-internal:8200"`,
      `    leader_ca_cert_file     = "${TLS_MOUNT}/ca.crt"`,
      `    leader_client_cert_file = "${TLS_MOUNT}/tls.crt"`,
      `    leader_client_key_file  = "${TLS_MOUNT}/tls.key"`,
      `  }`,
    ].join("\n"),
  );
  return [
    `ui            = false`,
    `disable_mlock = true`,
    ``,
    `listener "tcp" {`,
    `  address         = "[::]:8200"`,
    `  cluster_address = "[::]:8201"`,
    `  tls_disable     = false`,
    `  tls_cert_file   = "${TLS_MOUNT}/tls.crt"`,
    `  tls_key_file    = "${TLS_MOUNT}/tls.key"`,
    `  tls_min_version = "tls12"`,
    `  telemetry {`,
    `    unauthenticated_metrics_access = true`,
    `  }`,
    `}`,
    ``,
    // Prometheus format needs a retention time; no hostname prefix keeps metric names the same on every pod.
    `telemetry {`,
    // Vault sets vault_core_unsealed only at start and on seal; a shorter retention drops the 0 of a
    // node that stays sealed, and VaultSealed could never fire (24h is Vault's default).
    `  prometheus_retention_time = "24h"`,
    `  disable_hostname          = true`,
    `}`,
    ``,
    `storage "raft" {`,
    `  path = "/vault/data"`,
    ...peers,
    `}`,
    ``,
    `seal "awskms" {`,
    `  region     = "${input.region}"`,
    `  kms_key_id = "${input.kmsKeyId}"`,
    `}`,
    ``,
    `service_registration "kubernetes" {}`,
    ``,
  ].join("\n");
}

export interface HelmValuesInput extends ServerConfigInput {
  readonly storageSizeGiB: number;
  readonly storageClass?: string;
  readonly injectorReplicas: number;
}

/** Values for the vault-helm chart. Every key path must exist in `upstream/vault-<version>.yaml`. */
export function vaultHelmValues(input: HelmValuesInput): Record<string, unknown> {
  const server = restricted(100, 1000);
  const injector = restricted(100, 1000);
  return {
    global: { enabled: true, tlsDisable: false },
    injector: {
      enabled: true,
      replicas: input.injectorReplicas,
      priorityClassName: PRIORITY_CLASSES.platform,
      image: { ...VAULT_K8S_IMAGE },
      agentImage: { ...VAULT_IMAGE },
      logFormat: "json",
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
      securityContext: injector,
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: INJECTOR_POD_LABELS } } },
          ],
        },
      },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: ZONE_TOPOLOGY_KEY, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: INJECTOR_POD_LABELS } },
      ],
      podDisruptionBudget: { maxUnavailable: 1 },
    },
    server: {
      image: { ...VAULT_IMAGE },
      priorityClassName: PRIORITY_CLASSES.platform,
      logFormat: "json",
      logLevel: "info",
      resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
      // In-pod CLI (readiness probe, runbooks' kubectl exec) verifies the server certificate.
      extraEnvironmentVars: { VAULT_CACERT: `${TLS_MOUNT}/ca.crt` },
      volumes: [
        { name: "vault-tls", secret: { secretName: TLS_SECRET, defaultMode: 0o440 } },
        // Optional: present when the database CA bundle is configured (see VaultProps.databaseCaBundle).
        { name: "database-ca", configMap: { name: DATABASE_CA_CONFIGMAP, optional: true } },
      ],
      volumeMounts: [
        { name: "vault-tls", mountPath: TLS_MOUNT, readOnly: true },
        { name: "database-ca", mountPath: DATABASE_CA_MOUNT, readOnly: true },
      ],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: SERVER_POD_LABELS } }],
        },
      },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: ZONE_TOPOLOGY_KEY, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: SERVER_POD_LABELS } },
      ],
      dataStorage: {
        enabled: true,
        size: `${input.storageSizeGiB}Gi`,
        ...(input.storageClass ? { storageClass: input.storageClass } : {}),
      },
      // Audit goes to stdout (vault_audit in the <env>-vault stack) and on through the cluster's log pipeline.
      auditStorage: { enabled: false },
      serviceAccount: { create: true, name: VAULT_SERVER_SERVICE_ACCOUNT },
      statefulSet: { securityContext: server },
      ingress: { enabled: false },
      standalone: { enabled: false },
      ha: {
        enabled: true,
        replicas: input.replicas,
        raft: { enabled: true, setNodeId: true, config: serverConfigHcl(input) },
        disruptionBudget: { enabled: true, maxUnavailable: 1 },
      },
    },
    ui: { enabled: false },
    csi: { enabled: false },
  };
}

/** Where the server certificate comes from. */
export interface TlsIssuerRef {
  readonly kind: "Issuer" | "ClusterIssuer";
  readonly name: string;
}

/** DNS names the server certificate covers: services, every pod through the headless service, and the port-forward. */
export function serverDnsNames(namespace: string): string[] {
  const services = [VAULT_RELEASE, `${VAULT_RELEASE}-active`, `${VAULT_RELEASE}-standby`, `${VAULT_RELEASE}-internal`];
  const names = services.flatMap((s) => [s, `${s}.${namespace}`, `${s}.${namespace}.svc`, `${s}.${namespace}.svc.cluster.local`]);
  const pods = [
    `*.${VAULT_RELEASE}-internal`,
    `*.${VAULT_RELEASE}-internal.${namespace}`,
    `*.${VAULT_RELEASE}-internal.${namespace}.svc`,
    `*.${VAULT_RELEASE}-internal.${namespace}.svc.cluster.local`,
  ];
  return [...names, ...pods, "localhost"];
}

/**
 * cert-manager objects for the server certificate. Without `issuer`, a
 * private CA for Vault: a self-signed Issuer signs a CA certificate whose key
 * pair is the Secret of the ClusterIssuer `vault-ca`, which signs the server
 * certificate. A ClusterIssuer reads its Secret from cert-manager's cluster
 * resource namespace (https://cert-manager.io/docs/configuration/#cluster-resource-namespace),
 * so the CA lives in `certManagerNamespace`, not in Vault's namespace. Being
 * cluster-wide, the issuer also lets each service namespace obtain a
 * certificate whose `ca.crt` is Vault's CA (charts/microservice), for the
 * Vault Agent to verify the server with.
 */
export function tlsManifests(namespace: string, issuer?: TlsIssuerRef, certManagerNamespace: string = CERT_MANAGER_NAMESPACE): object[] {
  const objects: object[] = [];
  let issuerRef: TlsIssuerRef & { group: string };
  if (issuer) {
    issuerRef = { ...issuer, group: "cert-manager.io" };
  } else {
    objects.push(
      { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "vault-selfsigned", namespace: certManagerNamespace }, spec: { selfSigned: {} } },
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: VAULT_CA_SECRET, namespace: certManagerNamespace },
        spec: {
          isCA: true,
          commonName: `vault-ca.${namespace}`,
          secretName: VAULT_CA_SECRET,
          duration: "87600h",
          renewBefore: "720h",
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
          issuerRef: { kind: "Issuer", name: "vault-selfsigned", group: "cert-manager.io" },
        },
      },
      // Cluster-scoped: no namespace.
      { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: VAULT_CA_ISSUER }, spec: { ca: { secretName: VAULT_CA_SECRET } } },
    );
    issuerRef = { kind: "ClusterIssuer", name: VAULT_CA_ISSUER, group: "cert-manager.io" };
  }
  objects.push({
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: "vault-server", namespace },
    spec: {
      secretName: TLS_SECRET,
      commonName: `${VAULT_RELEASE}.${namespace}.svc`,
      dnsNames: serverDnsNames(namespace),
      ipAddresses: ["127.0.0.1"],
      // Vault reads its certificate at start and on SIGHUP: renew well before expiry (see the report on reloads).
      duration: "8760h",
      renewBefore: "720h",
      usages: ["server auth", "client auth", "digital signature", "key encipherment"],
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      issuerRef,
    },
  });
  return objects;
}

export interface SnapshotJobInput {
  readonly namespace: string;
  readonly schedule: string;
  readonly bucketName: string;
  readonly keyPrefix: string;
  readonly kmsKeyArn: string;
  readonly region: string;
}

/** Script of the init container: log in with the projected token, save a Raft snapshot, revoke the token. */
const SAVE_SNAPSHOT = [
  "set -eu",
  `VAULT_TOKEN="$(vault write -field=token auth/${KUBERNETES_AUTH_PATH}/login role=${SNAPSHOT_ROLE} jwt=@/var/run/secrets/vault/token)"`,
  "export VAULT_TOKEN",
  "vault operator raft snapshot save /snapshot/vault.snap",
  "vault token revoke -self",
  'date -u +%Y/%m/%d/%Y%m%dT%H%M%SZ > /snapshot/name',
].join("\n");

/** Script of the upload container: one PutObject (no multipart, so kms:Decrypt is not needed). */
function uploadScript(input: SnapshotJobInput): string {
  return [
    "set -eu",
    `aws s3api put-object --bucket ${input.bucketName} --key "${input.keyPrefix}/$(cat /snapshot/name).snap" --body /snapshot/vault.snap --server-side-encryption aws:kms --ssekms-key-id ${input.kmsKeyArn} --checksum-algorithm SHA256`,
  ].join("\n");
}

/** The snapshot CronJob and its service account (Pod Identity maps it to the upload role). */
export function snapshotManifests(input: SnapshotJobInput): object[] {
  const labels = { "app.kubernetes.io/name": SNAPSHOT_CRONJOB, "app.kubernetes.io/part-of": "vault" };
  const containerSecurity = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: SNAPSHOT_SERVICE_ACCOUNT, namespace: input.namespace, labels },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: SNAPSHOT_CRONJOB, namespace: input.namespace, labels },
      spec: {
        schedule: input.schedule,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 900,
            ttlSecondsAfterFinished: 86400,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: SNAPSHOT_SERVICE_ACCOUNT,
                automountServiceAccountToken: false,
                restartPolicy: "Never",
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 65534,
                  runAsGroup: 65534,
                  fsGroup: 65534,
                  seccompProfile: { type: "RuntimeDefault" },
                },
                initContainers: [
                  {
                    name: "save",
                    image: `${VAULT_IMAGE.repository}:${VAULT_IMAGE.tag}`,
                    command: ["/bin/sh", "-c", SAVE_SNAPSHOT],
                    env: [
                      { name: "VAULT_ADDR", value: vaultInClusterAddress(input.namespace) },
                      { name: "VAULT_CACERT", value: "/vault/tls/ca.crt" },
                      { name: "HOME", value: "/tmp" },
                    ],
                    securityContext: containerSecurity,
                    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                    volumeMounts: [
                      { name: "vault-token", mountPath: "/var/run/secrets/vault", readOnly: true },
                      { name: "vault-ca", mountPath: "/vault/tls", readOnly: true },
                      { name: "snapshot", mountPath: "/snapshot" },
                      { name: "tmp", mountPath: "/tmp" },
                    ],
                  },
                ],
                containers: [
                  {
                    name: "upload",
                    image: AWS_CLI_IMAGE,
                    command: ["/bin/sh", "-c", uploadScript(input)],
                    env: [
                      { name: "AWS_REGION", value: input.region },
                      { name: "HOME", value: "/tmp" },
                    ],
                    securityContext: containerSecurity,
                    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                    volumeMounts: [
                      { name: "snapshot", mountPath: "/snapshot", readOnly: true },
                      { name: "tmp", mountPath: "/tmp" },
                    ],
                  },
                ],
                volumes: [
                  {
                    // A short-lived token for Vault only (audience "vault"); no Kubernetes API token is mounted.
                    name: "vault-token",
                    projected: {
                      sources: [{ serviceAccountToken: { audience: SNAPSHOT_TOKEN_AUDIENCE, expirationSeconds: 600, path: "token" } }],
                    },
                  },
                  // Only the CA certificate of the server secret, not its key.
                  { name: "vault-ca", secret: { secretName: TLS_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] } },
                  { name: "snapshot", emptyDir: { sizeLimit: "2Gi" } },
                  { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                ],
              },
            },
          },
        },
      },
    },
  ];
}

/**
 * The ServiceMonitor that scrapes every Vault server pod's `/v1/sys/metrics`.
 * The chart's own (`serverTelemetry.serviceMonitor`) selects only the
 * `vault-active` Service in HA mode, so sealed and standby pods would never be
 * scraped; this one selects `vault-internal`, the headless Service that
 * publishes not-ready (sealed) pods too. The job label comes from the
 * Service's `app.kubernetes.io/name` ("vault"), which the Vault alerts select
 * on, and TLS is verified against Vault's CA (`ca.crt` of the server Secret).
 */
export function metricsManifests(namespace: string): object[] {
  return [
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: VAULT_RELEASE, namespace, labels: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/part-of": "vault" } },
      spec: {
        jobLabel: "app.kubernetes.io/name",
        namespaceSelector: { matchNames: [namespace] },
        selector: { matchLabels: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": VAULT_RELEASE, "vault-internal": "true" } },
        endpoints: [
          {
            port: "https",
            scheme: "https",
            path: "/v1/sys/metrics",
            params: { format: ["prometheus"] },
            interval: "30s",
            tlsConfig: { ca: { secret: { name: TLS_SECRET, key: "ca.crt" } }, serverName: `${VAULT_RELEASE}.${namespace}.svc` },
          },
        ],
      },
    },
  ];
}

/** The ConfigMap with the CA bundle Vault verifies the database with. */
export function databaseCaManifest(namespace: string, pem: string): object {
  // A Terraform expression is multi-line once resolved: JSON-encode it so the values YAML stays valid.
  const value = Token.isUnresolved(pem) ? Fn.jsonencode(pem) : pem;
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: DATABASE_CA_CONFIGMAP, namespace }, data: { "ca.pem": value } };
}
