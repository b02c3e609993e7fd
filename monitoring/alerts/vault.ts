/**
 * Vault alerts from Vault's own telemetry (`/v1/sys/metrics?format=prometheus`,
 * https://developer.hashicorp.com/vault/docs/internals/telemetry/metrics),
 * scraped with job="vault", and the age of the newest Raft snapshot in the
 * snapshot bucket, which the backup-status CronJob reports
 * (modules/monitoring/backup-status.ts, `store="vault"`).
 */
import type { AlertGroup } from "./types";

export const vaultAlerts: AlertGroup = {
  name: "vault",
  alerts: [
    {
      name: "VaultSealed",
      scope: "global",
      team: "platform",
      severity: "critical",
      for: "1m",
      expr: "vault_core_unsealed == 0",
      summary: "Vault pod {{ $labels.pod }} is sealed",
      description:
        "Vault on {{ $labels.pod }} is sealed and serves no secrets. With KMS auto-unseal this means Vault cannot reach or use its KMS key.",
      runbooks: ["vault-init"],
      page: {
        meaning: "A Vault server reports `vault.core.unsealed` = 0 for a minute.",
        impact:
          "A sealed node serves nothing. If all nodes are sealed, services cannot get database credentials or secrets; new pods fail to start and dynamic credentials expire.",
        diagnosis:
          "1. `kubectl -n vault exec vault-0 -- vault status`: Sealed, Initialized, Seal Type.\n" +
          "2. Vault logs: `kubectl -n vault logs vault-0 | grep -i -E 'seal|kms'`: KMS access denied, KMS key disabled, VPC endpoint unreachable?\n" +
          "3. The IRSA role of the Vault service account still allows `kms:Decrypt` on the unseal key?",
        mitigation:
          "1. Restore KMS access (key enabled, key policy, IRSA role, kms VPC endpoint); auto-unseal retries on its own.\n" +
          "2. If Vault reports `Initialized false` (new or wiped storage), initialise it with `npx zx runbooks/vault-init.mjs --env <env>` and restore the latest snapshot.",
      },
    },
    {
      name: "VaultLeaderLost",
      scope: "global",
      team: "platform",
      severity: "critical",
      for: "1m",
      expr: '(sum(vault_core_active{job="vault"}) or vector(0)) == 0',
      summary: "Vault has no active node",
      description: "No Vault server reports itself active for a minute: the cluster has no leader and serves no requests.",
      runbooks: ["vault-snapshot"],
      page: {
        meaning:
          "The sum of `vault.core.active` over all Vault servers is 0 (or no server is scraped) for a minute: no node holds Raft leadership.",
        impact: "Vault serves nothing: no secrets, no dynamic database credentials, no new pods that need them.",
        diagnosis:
          "1. `kubectl -n vault get pods`: are the pods running?\n" +
          "2. `vault operator raft list-peers` on any unsealed node: how many voters, who is leader?\n" +
          "3. Check VaultSealed and VaultRaftUnhealthy, and NodeNotReady for the nodes hosting Vault.",
        mitigation:
          "1. Bring sealed or crashed pods back (see VaultSealed); a quorum of voters elects a leader by itself.\n" +
          "2. If quorum is lost for good, recover from the latest snapshot as described in `runbooks/vault-snapshot.md` (restore section).",
      },
    },
    {
      name: "VaultRaftUnhealthy",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "5m",
      expr: "vault_autopilot_healthy == 0 or vault_autopilot_failure_tolerance < 1",
      summary: "Vault Raft cluster is unhealthy or cannot tolerate a failure",
      description:
        "Vault's autopilot reports an unhealthy Raft cluster, or one that loses quorum with the next node failure (failure tolerance {{ $value }}).",
      runbooks: ["vault-snapshot"],
      page: {
        meaning:
          "Autopilot on the active node reports `vault.autopilot.healthy` = 0 or `vault.autopilot.failure_tolerance` < 1 for 5 minutes.",
        impact: "Vault still serves, but one more lost node means no quorum and a full Vault outage.",
        diagnosis:
          "1. `vault operator raft autopilot state`: which server is unhealthy and why (last contact, lagging index)?\n" +
          "2. Is a Vault pod pending or crash-looping? Is its node under pressure?",
        mitigation:
          "1. Take a snapshot before any surgery: `npx zx runbooks/vault-snapshot.mjs --env <env>`.\n" +
          "2. Restart the unhealthy pod; remove a dead peer with `vault operator raft remove-peer` only when it will not come back.",
      },
    },
    {
      name: "VaultSnapshotStale",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "30m",
      expr: 'time() - groundwork_backup_latest_recovery_point_timestamp_seconds{store="vault"} > 25 * 3600',
      summary: "Newest Vault snapshot is {{ $value | humanizeDuration }} old",
      description:
        "The newest Vault Raft snapshot in the snapshot bucket is more than 25 hours old: the vault-snapshot CronJob has not uploaded one for a day.",
      runbooks: ["vault-snapshot"],
      page: {
        meaning:
          "`groundwork_backup_latest_recovery_point_timestamp_seconds{store=\"vault\"}` is more than 25 hours old. The backup-status CronJob (namespace monitoring, every 5 minutes) sets it to the time of the newest object under the snapshot bucket's `raft/` prefix, which the vault-snapshot CronJob (namespace vault) uploads on `vault.snapshotSchedule` (hourly in every environment). " +
          "Vault's objective is one day (its data changes rarely and it is not on the write path), so this means about a day of failed uploads. Nothing checks here that a snapshot restores.",
        impact: "No user impact. If Vault's storage is lost now, secrets, policies and auth configuration changed since the last snapshot are lost.",
        diagnosis:
          "1. `kubectl -n vault get cronjob,job`: did the last vault-snapshot job fail? Read its logs (Vault login, `raft snapshot save`, the upload).\n" +
          "2. Newest object in the bucket: `aws s3 ls s3://<snapshot bucket>/raft/ --recursive | sort | tail -1`. If it is recent, the metric is stale instead: check the backup-status CronJob in namespace monitoring.",
        mitigation: "1. Take a snapshot now: `npx zx runbooks/vault-snapshot.mjs --env <env>`.\n2. Fix the schedule (credentials, bucket policy) so the next run succeeds.",
      },
    },
    {
      name: "VaultSnapshotStatusMissing",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "25h",
      expr: 'absent(groundwork_backup_latest_recovery_point_timestamp_seconds{store="vault"})',
      summary: "No Vault snapshot status for a day",
      description:
        "No series has reported the newest Vault snapshot for 25 hours, so VaultSnapshotStale cannot fire: the snapshot bucket has no snapshot yet, or the backup-status CronJob cannot list it.",
      runbooks: ["vault-snapshot"],
      page: {
        meaning:
          "`groundwork_backup_latest_recovery_point_timestamp_seconds{store=\"vault\"}` has been absent for 25 hours. The backup-status CronJob leaves it out while the bucket's `raft/` prefix holds no snapshot, and when listing the bucket fails (the PostgreSQL series is still pushed).",
        impact: "No user impact now. Vault may have no restorable snapshot at all, and its freshness is not watched.",
        diagnosis:
          "1. `aws s3 ls s3://<snapshot bucket>/raft/`: is there any snapshot? If not, read the vault-snapshot job's logs in namespace vault (is Vault initialised, does the job log in?).\n" +
          "2. If snapshots exist, read the backup-status job's logs in namespace monitoring: a failed `s3api list-objects-v2` (permissions on the bucket, the prefix) drops the series.",
        mitigation: "1. Take a snapshot now: `npx zx runbooks/vault-snapshot.mjs --env <env>`.\n2. Fix whichever job fails so the series returns.",
      },
    },
  ],
};
