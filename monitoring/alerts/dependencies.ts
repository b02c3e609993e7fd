/**
 * Synthetic checks of the backing services every service depends on, probed
 * by the blackbox exporter (Probe targets from monitoring/blackbox/probes.ts
 * carry `probe_kind="dependency"` and `dependency`).
 */
import type { AlertGroup } from "./types";

export const dependencyAlerts: AlertGroup = {
  name: "dependencies",
  alerts: [
    {
      name: "DependencyProbeFailing",
      scope: "global",
      team: "platform",
      severity: "critical",
      for: "3m",
      expr: 'probe_success{probe_kind="dependency"} == 0',
      summary: "Synthetic check of {{ $labels.dependency }} fails",
      description:
        "The blackbox exporter cannot reach {{ $labels.dependency }} at {{ $labels.instance }} from inside the cluster for 3 minutes. Every service using it is affected.",
      runbooks: ["db-failover", "redis-failover", "vault-init"],
      page: {
        meaning:
          "The blackbox exporter's probe of a dependency has failed for 3 minutes: PostgreSQL (TCP connect to the RDS endpoint), Redis (TLS connect and PING), Vault (`/v1/sys/health`) or OpenSearch (HTTPS).",
        impact:
          "Services using the dependency fail: PostgreSQL and Redis take content-processing, ai-orchestrator and event-processor down; Vault blocks new pods and credential renewal; OpenSearch loses logs.",
        diagnosis:
          "1. Which dependency (`dependency` label) and is it only from the cluster? Try from a debug pod: `kubectl run -it --rm debug --image=nicolaka/netshoot -- nc -zv <host> <port>`.\n" +
          "2. Security groups and network policies: did a deploy change them?\n" +
          "3. The dependency's own alerts: RdsFailoverDetected, RedisFailoverDetected, VaultSealed, VaultLeaderLost.\n" +
          "4. AWS Health dashboard for RDS, ElastiCache or OpenSearch events in the region.",
        mitigation:
          "1. PostgreSQL primary lost and not recovering by itself: `npx zx runbooks/db-failover.mjs --env <env>`.\n" +
          "2. Redis primary lost: `npx zx runbooks/redis-failover.mjs --env <env>`.\n" +
          "3. Vault sealed or uninitialised: see VaultSealed; `npx zx runbooks/vault-init.mjs` only for an uninitialised cluster.\n" +
          "4. Network change: revert it.",
      },
    },
  ],
};
