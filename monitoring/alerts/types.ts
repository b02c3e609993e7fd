/**
 * The shape of an alert in Groundwork: its Prometheus rule, its routing labels
 * and the hand-written knowledge its on-call page is generated from. An alert,
 * its page `docs/alerts/<slug>.md` and its executable runbook are one unit.
 */
import type { EnvironmentConfig, EnvironmentName } from "../../config";
import type { Service } from "../../config/services";

/** Executable runbooks (`runbooks/<name>.mjs`) an alert page may link. */
export const RUNBOOKS = [
  "db-failover",
  "db-restore",
  "db-backup-verify",
  "redis-failover",
  "vault-snapshot",
  "vault-init",
  "state-restore",
  "dr-drill",
  "service-rollback",
  "scale-out",
  "chaos",
  "opensearch-bootstrap",
] as const;
export type RunbookName = (typeof RUNBOOKS)[number];

/** Alertmanager routes alerts to a team by the `team` label. */
export const TEAMS = ["platform", "backend", "ai"] as const;
export type Team = (typeof TEAMS)[number];

/** critical pages the team's on-call through PagerDuty; warning posts to the team's Slack channel. */
export type Severity = "critical" | "warning";

/** The on-call page: the four sections of a kube-prometheus runbook page, in Markdown. */
export interface AlertPage {
  /** What the alert means, in one or two sentences. */
  readonly meaning: string;
  /** What users or the system suffer while it fires. */
  readonly impact: string;
  /** Steps to find the cause; queries and commands in Markdown. */
  readonly diagnosis: string;
  /** Steps to stop the bleeding, then fix. */
  readonly mitigation: string;
}

/** Values an environment-scoped alert's threshold is computed from. */
export interface EnvironmentThresholds {
  readonly name: EnvironmentName;
  readonly config: EnvironmentConfig;
  /** Monthly budget for the whole cluster (OpenCost), USD. */
  readonly clusterBudgetUsdPerMonth: number;
  /** Daily budget for LLM spend of the AI orchestrator, USD. */
  readonly aiBudgetUsdPerDay: number;
}

interface AlertBase {
  /** PascalCase, no runs of capitals (`RdsCpuHigh`, not `RDSCPUHigh`), so the page slug is unambiguous. */
  readonly name: string;
  readonly severity: Severity;
  /** Prometheus `for`, e.g. "5m"; "0m" fires at the first failing evaluation. */
  readonly for: string;
  /** One line; may use `{{ $labels.x }}` and `{{ $value }}`. */
  readonly summary: string;
  /** A few sentences; may use the same templates. */
  readonly description: string;
  /** Executable runbooks the page links, most relevant first. */
  readonly runbooks: readonly RunbookName[];
  readonly page: AlertPage;
}

/** One rule, the same in every environment. */
export interface GlobalAlert extends AlertBase {
  readonly scope: "global";
  readonly team: Team;
  readonly expr: string;
}

/** One rule per service in `config/services.ts`; the service's owner team gets it. */
export interface ServiceAlert extends AlertBase {
  readonly scope: "service";
  readonly expr: (service: Service) => string;
}

/** One rule per environment, thresholds from that environment's config. */
export interface EnvironmentAlert extends AlertBase {
  readonly scope: "environment";
  readonly team: Team;
  readonly expr: (env: EnvironmentThresholds) => string;
}

export type Alert = GlobalAlert | ServiceAlert | EnvironmentAlert;

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  /** Static labels; per-service records set `service` so same-named records stay distinct. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A rule group as kube-prometheus-stack loads it. Global alerts land in
 * `monitoring/prometheus/rules/<name>.rules.yaml`; environment-scoped alerts in
 * `monitoring/prometheus/rules/environments/<env>.rules.yaml`.
 */
export interface AlertGroup {
  readonly name: string;
  /** Recording rules the group's alerts and dashboards read. */
  readonly records?: (services: readonly Service[]) => RecordingRule[];
  readonly alerts: readonly Alert[];
}
