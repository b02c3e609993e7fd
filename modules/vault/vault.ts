import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { Release } from "@cdktf/provider-helm/lib/release";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { Token, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";
import { ServiceRole } from "../security/service-role";
import { databaseCaManifest, metricsManifests, snapshotManifests, tlsManifests, vaultHelmValues, type TlsIssuerRef } from "./chart";
import {
  CERT_MANAGER_NAMESPACE,
  SNAPSHOT_PREFIX,
  SNAPSHOT_SERVICE_ACCOUNT,
  VAULT_CHART_VERSION,
  VAULT_NAMESPACE,
  VAULT_RELEASE,
  VAULT_CA_ISSUER,
  VAULT_SERVER_SERVICE_ACCOUNT,
  vaultInClusterAddress,
  vaultSnapshotBucketName,
} from "./constants";
import { SnapshotBucket } from "./snapshot-bucket";

/** HashiCorp's Helm repository. */
export const VAULT_HELM_REPOSITORY = "https://helm.releases.hashicorp.com";

export interface VaultProps {
  /** Prefix of the AWS resources' names (IAM roles, KMS aliases, bucket), such as `groundwork-dev`. */
  readonly name: string;
  /** EKS cluster whose Pod Identity agent maps the service accounts to IAM roles. */
  readonly clusterName: string;
  /**
   * Kubernetes namespace, created with the `restricted` Pod Security Standard enforced.
   * @default "vault"
   */
  readonly namespace?: string;
  /**
   * Raft voters: an odd number, at least 3, spread over zones (one per zone with 3 AZs).
   * @default 3
   */
  readonly replicas?: number;
  /**
   * Resources the releases wait for: the cluster's node groups and add-ons, and the
   * cert-manager release whose CRDs the Certificate objects need.
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Cron schedule (UTC) of the Raft snapshot job.
   * @default "0 * * * *" - hourly
   */
  readonly snapshotSchedule?: string;
  /**
   * Days a snapshot is kept before it expires (then 7 more days as a noncurrent version).
   * @default 30
   */
  readonly snapshotRetentionDays?: number;
  /**
   * Snapshot bucket name.
   * @default - `<name>-vault-snapshots-<account id>`
   */
  readonly snapshotBucketName?: string;
  /**
   * Size of each server's Raft volume, GiB.
   * @default 10
   */
  readonly storageSizeGiB?: number;
  /**
   * Storage class of the Raft volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClass?: string;
  /**
   * Agent injector replicas (a webhook: more than one, so pod creation does not depend on one pod).
   * @default 2
   */
  readonly injectorReplicas?: number;
  /**
   * cert-manager issuer of the server certificate.
   * @default - a private CA (self-signed root in `certManagerNamespace`) behind the ClusterIssuer `vault-ca`
   */
  readonly tlsIssuer?: TlsIssuerRef;
  /**
   * Namespace cert-manager runs in: its cluster resource namespace, where the
   * private CA's key pair must live for the `vault-ca` ClusterIssuer to sign.
   * @default "cert-manager"
   */
  readonly certManagerNamespace?: string;
  /**
   * PEM bundle Vault verifies the database's TLS certificate with (for RDS, the
   * region's or the global RDS CA bundle), mounted at `/vault/userconfig/database-ca/ca.pem`.
   * @default - none: the database connection in `<env>-vault` cannot verify the server until it is set
   */
  readonly databaseCaBundle?: string;
  /**
   * Path of the generic manifests chart as Terraform sees it (the stack runs in `cdktf.out/stacks/<stack>`).
   * @default "${path.root}/../../../charts/manifests" - the same path modules/platform uses
   */
  readonly manifestsChart?: string;
}

const CRON = /^(\S+\s+){4}\S+$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * HashiCorp Vault on EKS: the vault-helm chart in HA mode with integrated
 * Raft storage, replicas spread over zones and hosts, a PodDisruptionBudget,
 * TLS from cert-manager, AWS KMS auto-unseal with a dedicated rotating key
 * reached through Pod Identity, the Agent injector, no UI and no ingress; and
 * scheduled Raft snapshots to a versioned, KMS-encrypted bucket.
 *
 * Nothing here initialises Vault: there is no root token or recovery key in
 * code, state or values. The `vault-init` runbook initialises it; the
 * `<env>-vault` stack configures it (auth, policies, engines, audit).
 */
export class Vault extends Construct {
  readonly namespace: string;
  /** In-cluster address of the active node. */
  readonly address: string;
  /** The auto-unseal key. */
  readonly unsealKey: EncryptionKey;
  readonly unsealKeyArn: string;
  readonly snapshotBucket: SnapshotBucket;
  readonly snapshotBucketName: string;
  readonly snapshotKeyArn: string;
  /** IAM role of the server pods (kms:Encrypt/Decrypt/DescribeKey on the unseal key). */
  readonly serverRole: ServiceRole;
  /** IAM role of the snapshot job (s3:PutObject on the snapshot prefix, kms:GenerateDataKey). */
  readonly snapshotRole: ServiceRole;
  readonly release: Release;
  readonly manifestsRelease: Release;
  /** The Kubernetes objects rendered through the manifests chart. */
  readonly manifests: readonly object[];
  /**
   * ClusterIssuer whose certificates carry Vault's CA as `ca.crt` (for
   * `ServiceDeployment.vault.caIssuer`): `vault-ca`, or the given `tlsIssuer`
   * when it is a ClusterIssuer; undefined for a namespaced `tlsIssuer`.
   */
  readonly caIssuer?: string;
  /** The vault-helm values, before YAML encoding. */
  readonly values: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: VaultProps) {
    super(scope, id);
    const namespace = props.namespace ?? VAULT_NAMESPACE;
    const replicas = props.replicas ?? 3;
    const schedule = props.snapshotSchedule ?? "0 * * * *";
    const storageSizeGiB = props.storageSizeGiB ?? 10;
    const injectorReplicas = props.injectorReplicas ?? 2;
    const manifestsChart = props.manifestsChart ?? "${path.root}/../../../charts/manifests";
    if (!Number.isInteger(replicas) || replicas < 3 || replicas % 2 === 0) {
      throw new Error(`Vault ${id}: replicas is ${replicas}; expected an odd integer >= 3 (a Raft quorum that survives losing a zone)`);
    }
    if (!DNS_LABEL.test(namespace)) throw new Error(`Vault ${id}: namespace is "${namespace}"; expected a DNS label such as vault`);
    const certManagerNamespace = props.certManagerNamespace ?? CERT_MANAGER_NAMESPACE;
    if (!DNS_LABEL.test(certManagerNamespace)) {
      throw new Error(`Vault ${id}: certManagerNamespace is "${certManagerNamespace}"; expected a DNS label such as cert-manager`);
    }
    if (!CRON.test(schedule.trim())) {
      throw new Error(`Vault ${id}: snapshotSchedule is "${schedule}"; expected a five-field cron expression such as "0 * * * *"`);
    }
    if (!Number.isInteger(storageSizeGiB) || storageSizeGiB < 1 || storageSizeGiB > 16384) {
      throw new Error(`Vault ${id}: storageSizeGiB is ${storageSizeGiB}; expected a whole number of GiB from 1 to 16384`);
    }
    if (!Number.isInteger(injectorReplicas) || injectorReplicas < 2) {
      throw new Error(`Vault ${id}: injectorReplicas is ${injectorReplicas}; expected an integer >= 2 (the injector is an admission webhook)`);
    }
    // A Terraform expression (RdsCaBundle) is checked at plan time by its own postcondition.
    if (props.databaseCaBundle !== undefined && !Token.isUnresolved(props.databaseCaBundle) && !props.databaseCaBundle.includes("-----BEGIN CERTIFICATE-----")) {
      throw new Error(`Vault ${id}: databaseCaBundle does not contain "-----BEGIN CERTIFICATE-----"; expected a PEM certificate bundle`);
    }
    const { accountId, region } = awsContext(this);
    this.namespace = namespace;
    this.address = vaultInClusterAddress(namespace);
    this.caIssuer = !props.tlsIssuer ? VAULT_CA_ISSUER : props.tlsIssuer.kind === "ClusterIssuer" ? props.tlsIssuer.name : undefined;

    // Auto-unseal: the key only Vault's server pods may use, through their own role.
    this.unsealKey = new EncryptionKey(this, "unseal-key", { description: `Vault auto-unseal of ${props.name}`, alias: `${props.name}/vault-unseal` });
    this.unsealKeyArn = this.unsealKey.arn;
    this.serverRole = new ServiceRole(this, "server-role", {
      name: `${props.name}-vault-server`,
      servicePrincipal: "pods.eks.amazonaws.com",
      extraTrustActions: ["sts:TagSession"],
      statements: [{ Sid: "AutoUnseal", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: this.unsealKey.arn }],
    });

    // Snapshots: write-only access to one prefix of one bucket.
    const bucketName = props.snapshotBucketName ?? vaultSnapshotBucketName(props.name, accountId);
    this.snapshotBucket = new SnapshotBucket(this, "snapshot-bucket", {
      bucketName,
      kmsAlias: `${props.name}/vault-snapshots`,
      retentionDays: props.snapshotRetentionDays,
    });
    this.snapshotBucketName = this.snapshotBucket.bucketName;
    this.snapshotKeyArn = this.snapshotBucket.key.arn;
    this.snapshotRole = new ServiceRole(this, "snapshot-role", {
      name: `${props.name}-vault-snapshot`,
      servicePrincipal: "pods.eks.amazonaws.com",
      extraTrustActions: ["sts:TagSession"],
      statements: [
        { Sid: "UploadSnapshots", Action: "s3:PutObject", Resource: `${this.snapshotBucket.bucketArn}/${SNAPSHOT_PREFIX}/*` },
        { Sid: "EncryptSnapshots", Action: "kms:GenerateDataKey", Resource: this.snapshotBucket.key.arn },
      ],
    });

    const ns = new NamespaceV1(this, "namespace", {
      dependsOn: props.dependsOn,
      metadata: {
        name: namespace,
        labels: {
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
    });

    const identities = new Construct(this, "pod-identity");
    const serverIdentity = new EksPodIdentityAssociation(identities, "server", {
      clusterName: props.clusterName,
      namespace,
      serviceAccount: VAULT_SERVER_SERVICE_ACCOUNT,
      roleArn: this.serverRole.arn,
      dependsOn: [ns],
    });
    const snapshotIdentity = new EksPodIdentityAssociation(identities, "snapshot", {
      clusterName: props.clusterName,
      namespace,
      serviceAccount: SNAPSHOT_SERVICE_ACCOUNT,
      roleArn: this.snapshotRole.arn,
      dependsOn: [ns],
    });

    this.manifests = [
      ...tlsManifests(namespace, props.tlsIssuer, certManagerNamespace),
      ...snapshotManifests({
        namespace,
        schedule: schedule.trim(),
        bucketName: this.snapshotBucketName,
        keyPrefix: SNAPSHOT_PREFIX,
        kmsKeyArn: this.snapshotKeyArn,
        region,
      }),
      ...(props.databaseCaBundle ? [databaseCaManifest(namespace, props.databaseCaBundle)] : []),
      // A ServiceMonitor: the release needs the Prometheus Operator CRDs (pass kube-prometheus-stack in dependsOn).
      ...metricsManifests(namespace),
    ];
    this.manifestsRelease = new Release(this, "manifests", {
      name: `${VAULT_RELEASE}-manifests`,
      chart: manifestsChart,
      namespace,
      values: [yaml({ manifests: this.manifests })],
      atomic: true,
      cleanupOnFail: true,
      maxHistory: 10,
      dependsOn: [ns, snapshotIdentity, ...(props.dependsOn ?? [])],
    });

    this.values = vaultHelmValues({ namespace, replicas, region, kmsKeyId: this.unsealKey.keyId, storageSizeGiB, storageClass: props.storageClass, injectorReplicas });
    this.release = new Release(this, "release", {
      name: VAULT_RELEASE,
      repository: VAULT_HELM_REPOSITORY,
      chart: "vault",
      version: VAULT_CHART_VERSION,
      namespace,
      values: [yaml(this.values)],
      // Pods stay unready until `vault-init` initialises Raft, so Helm cannot wait for readiness here.
      wait: false,
      atomic: false,
      maxHistory: 10,
      timeout: 600,
      dependsOn: [ns, serverIdentity, this.manifestsRelease, ...(props.dependsOn ?? [])],
    });
  }
}

/** YAML without line folding: folding could split a Terraform token across lines. */
function yaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0 });
}
