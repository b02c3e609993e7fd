/**
 * Backup freshness as a metric: a CronJob asks AWS for the newest recovery
 * point of each store and pushes
 *   groundwork_backup_latest_recovery_point_timestamp_seconds{store}
 * to a Prometheus Pushgateway, which Prometheus scrapes. BackupOlderThanRpo,
 * BackupStatusMissing and VaultSnapshotStale read it.
 *
 * Stores reported:
 * - `postgres`: the RDS primary's LatestRestorableTime (point-in-time
 *   recovery, normally up to 5 minutes behind);
 * - `vault`: the newest Raft snapshot object in the snapshot bucket.
 * Not reported, on purpose: `redis` (ElastiCache takes one snapshot a day, so
 * its age would exceed every environment's minutes-scale backup RPO all day
 * long) and `terraform-state` (a versioned object whose every write is its own
 * recovery point: there is no lag to measure).
 *
 * Nothing is pushed from outside the cluster: the runbooks run on operators'
 * machines, which cannot reach the Pushgateway, and a metric that depends on a
 * person running a runbook would go stale by design.
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { Manifests, type KubernetesObject } from "../platform/manifests";
import { PodIdentityRole, priorityClassOf, type PlatformPriorityProps, type PlatformReleaseProps } from "../platform/release";
import { AWS_CLI_IMAGE } from "../vault/constants";

/** The metric every backup alert reads. */
export const BACKUP_METRIC = "groundwork_backup_latest_recovery_point_timestamp_seconds";
/** The Pushgateway group (`job` label) the CronJob replaces on every run. */
export const BACKUP_STATUS_JOB = "groundwork_backup_status";
/** Pushgateway v1.11.1: the appVersion of chart prometheus-pushgateway 3.2.0 (prometheus-community/helm-charts Chart.yaml). */
export const PUSHGATEWAY_IMAGE = "quay.io/prometheus/pushgateway:v1.11.1";
/** curl for the push step (the AWS CLI image is not guaranteed to ship curl). */
export const CURL_IMAGE = "curlimages/curl:8.11.1";

const PUSHGATEWAY_LABELS = { "app.kubernetes.io/name": "pushgateway", "app.kubernetes.io/part-of": "groundwork-monitoring" } as const;
const JOB_LABELS = { "app.kubernetes.io/name": "backup-status", "app.kubernetes.io/part-of": "groundwork-monitoring" } as const;
const PORT = 9091;
const CRON = /^(\S+\s+){4}\S+$/;

export interface BackupStatusProps extends PlatformReleaseProps, PlatformPriorityProps {
  /** EKS cluster whose Pod Identity agent gives the CronJob its role. */
  readonly clusterName: string;
  /** IAM role name, unique in the account. */
  readonly roleName: string;
  /** Region of the database and the bucket. */
  readonly region: string;
  /** The RDS primary: its identifier (for the CLI) and ARN (for the policy). */
  readonly database: { readonly instanceId: string; readonly arn: string };
  /** Vault's snapshot bucket and the key prefix the snapshots are written under. */
  readonly vaultSnapshots: { readonly bucketName: string; readonly bucketArn: string; readonly prefix: string };
  /**
   * Namespace of the Pushgateway and the CronJob.
   * @default "monitoring"
   */
  readonly namespace?: string;
  /**
   * Cron schedule (UTC) of the status job; the shortest backup RPO is 10 minutes, so it runs well inside it.
   * @default - every 5 minutes
   */
  readonly schedule?: string;
}

/**
 * Shell script of the `read` container: writes the metric in the Prometheus
 * text format to /work/metrics. Values come from the environment
 * (DB_INSTANCE, VAULT_BUCKET, VAULT_PREFIX), never from the script text, so
 * Terraform references are not quoted inside shell code. A failed PostgreSQL
 * lookup fails the job: the Pushgateway keeps the previous value and its age
 * grows into the alert, which is the truth (the status is unknown). A failed
 * S3 listing only drops the vault series (VaultSnapshotStatusMissing). The
 * listing is read as JSON: with `--output text` the CLI applies `--query` to
 * each page of 1000 objects and prints one line per page.
 */
export const READ_SCRIPT = [
  "set -eu",
  'pg="$(aws rds describe-db-instances --db-instance-identifier "$DB_INSTANCE" --query "DBInstances[0].LatestRestorableTime" --output text)"',
  'case "$pg" in ""|None) echo "no LatestRestorableTime for $DB_INSTANCE" >&2; exit 1 ;; esac',
  'vault="$(aws s3api list-objects-v2 --bucket "$VAULT_BUCKET" --prefix "$VAULT_PREFIX/" --query "sort_by(Contents || \\`[]\\`, &LastModified)[-1].LastModified" --output json | tr -d \'"\')"',
  "{",
  `  echo "# HELP ${BACKUP_METRIC} Unix time of the newest point a restore of the store can return to."`,
  `  echo "# TYPE ${BACKUP_METRIC} gauge"`,
  `  echo "${BACKUP_METRIC}{store=\\"postgres\\"} $(date -u -d "$pg" +%s)"`,
  "  # No snapshot yet (a new environment): no vault series, rather than a made-up age.",
  `  if [ -n "$vault" ] && [ "$vault" != null ]; then echo "${BACKUP_METRIC}{store=\\"vault\\"} $(date -u -d "$vault" +%s)"; fi`,
  "} > /work/metrics",
  "cat /work/metrics",
].join("\n");

/** Shell script of the `push` container: replace the whole group, so a store that disappears does not linger. */
export function pushScript(pushgatewayUrl: string): string {
  return ["set -eu", `curl --fail --silent --show-error --max-time 30 -X PUT --data-binary @/work/metrics ${pushgatewayUrl}/metrics/job/${BACKUP_STATUS_JOB}`].join("\n");
}

/**
 * The Pushgateway (one replica, no persistence: the next run refills it within
 * minutes), its ServiceMonitor with `honorLabels` (keeps the pushed `job`), a
 * NetworkPolicy that admits only Prometheus and the status job, and the
 * CronJob with a Pod Identity role that can read only the RDS primary and list
 * only the Vault snapshot prefix.
 */
export class BackupStatus extends Construct {
  readonly release: Release;
  readonly role: PodIdentityRole;
  readonly namespace: string;
  /** In-cluster URL of the Pushgateway. */
  readonly pushgatewayUrl: string;
  /** The Kubernetes objects rendered through charts/manifests. */
  readonly manifests: readonly KubernetesObject[];

  constructor(scope: Construct, id: string, props: BackupStatusProps) {
    super(scope, id);
    const namespace = props.namespace ?? "monitoring";
    const schedule = (props.schedule ?? "*/5 * * * *").trim();
    if (!CRON.test(schedule)) {
      throw new Error(`BackupStatus: schedule is "${schedule}"; expected a five-field cron expression such as "*/5 * * * *"`);
    }
    if (!/^[A-Za-z0-9!_.*'()/-]+$/.test(props.vaultSnapshots.prefix) || props.vaultSnapshots.prefix.endsWith("/")) {
      throw new Error(`BackupStatus: vaultSnapshots.prefix is "${props.vaultSnapshots.prefix}"; expected an S3 key prefix without a trailing "/", such as raft`);
    }
    const priorityClassName = priorityClassOf("BackupStatus", props);
    this.namespace = namespace;
    this.pushgatewayUrl = `http://pushgateway.${namespace}.svc:${PORT}`;
    const serviceAccount = "backup-status";

    this.role = new PodIdentityRole(this, "pod-identity", {
      clusterName: props.clusterName,
      roleName: props.roleName,
      namespace,
      serviceAccount,
      statements: [
        { Sid: "ReadLatestRestorableTime", Action: "rds:DescribeDBInstances", Resource: props.database.arn },
        {
          Sid: "ListVaultSnapshots",
          Action: "s3:ListBucket",
          Resource: props.vaultSnapshots.bucketArn,
          Condition: { StringLike: { "s3:prefix": [`${props.vaultSnapshots.prefix}/*`] } },
        },
      ],
    });

    const containerSecurity = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
    const podSecurity = { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } };
    const meta = (name: string, labels: Record<string, string>) => ({ name, namespace, labels: { ...labels } });
    this.manifests = [
      { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("pushgateway", PUSHGATEWAY_LABELS), automountServiceAccountToken: false },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta("pushgateway", PUSHGATEWAY_LABELS),
        spec: {
          replicas: 1,
          selector: { matchLabels: { ...PUSHGATEWAY_LABELS } },
          template: {
            metadata: { labels: { ...PUSHGATEWAY_LABELS } },
            spec: {
              serviceAccountName: "pushgateway",
              automountServiceAccountToken: false,
              priorityClassName,
              securityContext: podSecurity,
              containers: [
                {
                  name: "pushgateway",
                  image: PUSHGATEWAY_IMAGE,
                  ports: [{ name: "http", containerPort: PORT, protocol: "TCP" }],
                  livenessProbe: { httpGet: { path: "/-/healthy", port: "http" } },
                  readinessProbe: { httpGet: { path: "/-/ready", port: "http" } },
                  resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                  securityContext: containerSecurity,
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta("pushgateway", PUSHGATEWAY_LABELS),
        spec: { selector: { ...PUSHGATEWAY_LABELS }, ports: [{ name: "http", port: PORT, targetPort: "http", protocol: "TCP" }] },
      },
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: meta("pushgateway", PUSHGATEWAY_LABELS),
        spec: {
          selector: { matchLabels: { ...PUSHGATEWAY_LABELS } },
          namespaceSelector: { matchNames: [namespace] },
          // Keep the pushed job label (groundwork_backup_status) instead of the scrape's.
          endpoints: [{ port: "http", interval: "30s", honorLabels: true }],
        },
      },
      {
        // Anyone who can push can forge a backup age: only the status job may, and only Prometheus may read.
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("pushgateway", PUSHGATEWAY_LABELS),
        spec: {
          podSelector: { matchLabels: { ...PUSHGATEWAY_LABELS } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { ...JOB_LABELS } } }, { podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
              ports: [{ port: PORT, protocol: "TCP" }],
            },
          ],
        },
      },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(serviceAccount, JOB_LABELS), automountServiceAccountToken: false },
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: meta("backup-status", JOB_LABELS),
        spec: {
          schedule,
          timeZone: "Etc/UTC",
          concurrencyPolicy: "Forbid",
          startingDeadlineSeconds: 120,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 1,
              activeDeadlineSeconds: 240,
              ttlSecondsAfterFinished: 3600,
              template: {
                metadata: { labels: { ...JOB_LABELS } },
                spec: {
                  serviceAccountName: serviceAccount,
                  automountServiceAccountToken: false,
                  restartPolicy: "Never",
                  priorityClassName,
                  securityContext: podSecurity,
                  initContainers: [
                    {
                      name: "read",
                      image: AWS_CLI_IMAGE,
                      command: ["/bin/sh", "-c", READ_SCRIPT],
                      env: [
                        { name: "AWS_REGION", value: props.region },
                        { name: "DB_INSTANCE", value: props.database.instanceId },
                        { name: "VAULT_BUCKET", value: props.vaultSnapshots.bucketName },
                        { name: "VAULT_PREFIX", value: props.vaultSnapshots.prefix },
                        { name: "HOME", value: "/tmp" },
                      ],
                      securityContext: containerSecurity,
                      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                      volumeMounts: [
                        { name: "work", mountPath: "/work" },
                        { name: "tmp", mountPath: "/tmp" },
                      ],
                    },
                  ],
                  containers: [
                    {
                      name: "push",
                      image: CURL_IMAGE,
                      command: ["/bin/sh", "-c", pushScript(this.pushgatewayUrl)],
                      securityContext: containerSecurity,
                      resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                      volumeMounts: [{ name: "work", mountPath: "/work", readOnly: true }],
                    },
                  ],
                  volumes: [
                    { name: "work", emptyDir: { sizeLimit: "1Mi" } },
                    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                  ],
                },
              },
            },
          },
        },
      },
    ];
    this.release = new Manifests(this, "manifests", {
      releaseName: "backup-status",
      namespace,
      manifests: this.manifests,
      dependsOn: [...(props.dependsOn ?? []), this.role.association],
    }).release;
  }
}
