/**
 * Backup freshness. The backup-status CronJob (modules/monitoring/backup-status.ts,
 * every 5 minutes, through the Pushgateway) reports, per store, the newest
 * point a restore can return to:
 *   groundwork_backup_latest_recovery_point_timestamp_seconds{store="postgres"|"vault"}
 * (postgres: the RDS primary's LatestRestorableTime; vault: the newest Raft
 * snapshot object in the snapshot bucket, see vault.ts). Redis and Terraform
 * state are not reported: ElastiCache snapshots once a day, above every
 * minutes-scale backup RPO, and every write of the versioned state bucket is
 * its own recovery point.
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
          "For 10 minutes, the newest recovery point of a store is older than `recovery.backupRpoSeconds` in `config/<env>.ts` (dev 1 h, staging 15 min, prod 10 min). " +
          "The only store this applies to today is PostgreSQL (`store=\"postgres\"`: the RDS primary's LatestRestorableTime, the newest point-in-time recovery target, normally up to 5 minutes behind); Vault has its own objective (VaultSnapshotStale), and Redis and Terraform state are not reported.",
        impact:
          "No user impact now. If the database is lost, restoring it loses more data than the environment promises. The Multi-AZ standby and the read replica still protect against the loss of one instance.",
        diagnosis:
          "1. `aws rds describe-db-instances --db-instance-identifier <id> --query 'DBInstances[0].LatestRestorableTime'`: as old as the alert says? It normally trails by up to 5 minutes.\n" +
          "2. Are automated backups enabled (`BackupRetentionPeriod` > 0) and is WAL archiving healthy (RDS events)?\n" +
          "3. If RDS reports a recent time, the metric is stale instead: a failed backup-status run leaves the previous value in the Pushgateway. `kubectl -n monitoring get cronjob,job -l app.kubernetes.io/name=backup-status` and the failed job's logs (its Pod Identity role, the RDS API).",
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
        "No series reports the newest PostgreSQL recovery point for an hour, so BackupOlderThanRpo cannot fire. The backup-status CronJob does not push, or the Pushgateway is not scraped.",
      runbooks: ["db-backup-verify"],
      page: {
        meaning: "`groundwork_backup_latest_recovery_point_timestamp_seconds{store=\"postgres\"}` has been absent for an hour.",
        impact: "Backup freshness is not watched: a stale backup would go unnoticed.",
        diagnosis:
          "1. Does the backup-status CronJob run (`kubectl -n monitoring get cronjob,job -l app.kubernetes.io/name=backup-status`), and does its push reach the Pushgateway (the push container's logs)?\n" +
          "2. Is the Pushgateway scraped (`up{job=\"pushgateway\"}`, its ServiceMonitor in namespace monitoring)? It keeps nothing across restarts: the next run (every 5 minutes) refills it.",
        mitigation: "1. Restore the CronJob, the Pushgateway or its scrape; meanwhile check backups by hand with `npx zx runbooks/db-backup-verify.mjs --env <env>`.",
      },
    },
  ],
};
