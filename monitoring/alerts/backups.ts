/**
 * Backup freshness. Backup jobs and the db-backup-verify runbook export, per
 * store, the newest point a restore can return to:
 *   groundwork_backup_latest_recovery_point_timestamp_seconds{store="postgres|redis|vault|terraform-state"}
 * (postgres: RDS LatestRestorableTime; redis: newest ElastiCache snapshot;
 * vault: newest verified Raft snapshot, see vault.ts).
 */
import type { AlertGroup } from "./types";

export const backupAlerts: AlertGroup = {
  name: "backups",
  alerts: [
    {
      name: "BackupOlderThanRpo",
      scope: "environment",
      team: "platform",
      severity: "warning",
      for: "10m",
      // Vault has its own daily objective (VaultSnapshotStale): its data changes rarely and it is not on the write path.
      expr: (env) =>
        `time() - groundwork_backup_latest_recovery_point_timestamp_seconds{store!="vault"} > ${env.config.recovery.backupRpoSeconds}`,
      summary: "Newest {{ $labels.store }} recovery point is {{ $value | humanizeDuration }} old, above the RPO",
      description:
        "A restore of {{ $labels.store }} now would lose {{ $value | humanizeDuration }} of writes, more than this environment's backup recovery point objective (recovery.backupRpoSeconds).",
      runbooks: ["db-backup-verify", "db-restore"],
      page: {
        meaning:
          "For 10 minutes, the newest recovery point of a store (PostgreSQL point-in-time recovery, Redis snapshot, Terraform state version) is older than `recovery.backupRpoSeconds` in `config/<env>.ts` (dev 1 h, staging 15 min, prod 10 min).",
        impact:
          "No user impact now. If the store is lost, restoring it loses more data than the environment promises. Replication (Multi-AZ, Redis replicas) still protects against the loss of one node.",
        diagnosis:
          "1. Which store (`store` label)? For PostgreSQL: `aws rds describe-db-instances --db-instance-identifier <id> --query 'DBInstances[0].LatestRestorableTime'`; it normally trails by up to 5 minutes.\n" +
          "2. Are automated backups enabled (`BackupRetentionPeriod` > 0) and is WAL archiving healthy (RDS events)?\n" +
          "3. Is the exporter that writes the metric running, or is the value simply not updated?",
        mitigation:
          "1. Verify the newest backup restores: `npx zx runbooks/db-backup-verify.mjs --env <env>`.\n" +
          "2. If backups are broken, fix and take a manual snapshot; rehearse with `npx zx runbooks/db-restore.mjs --env <env> --dry-run`.\n" +
          "3. If the objective itself is unreachable with this backup method, change `recovery.backupRpoSeconds` through review rather than silencing.",
      },
    },
    {
      name: "BackupStatusMissing",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "1h",
      expr: 'absent(groundwork_backup_latest_recovery_point_timestamp_seconds{store="postgres"})',
      summary: "No backup status for PostgreSQL",
      description:
        "No series reports the newest PostgreSQL recovery point for an hour, so BackupOlderThanRpo cannot fire. The backup status exporter is down or no longer scraped.",
      runbooks: ["db-backup-verify"],
      page: {
        meaning: "`groundwork_backup_latest_recovery_point_timestamp_seconds{store=\"postgres\"}` has been absent for an hour.",
        impact: "Backup freshness is not watched: a stale backup would go unnoticed.",
        diagnosis: "1. Is the backup status job running and scraped (`up` of its job, its ServiceMonitor or Pushgateway group)?",
        mitigation: "1. Restore the job or its scrape; meanwhile check backups by hand with `npx zx runbooks/db-backup-verify.mjs --env <env>`.",
      },
    },
  ],
};
