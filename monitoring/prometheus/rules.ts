/**
 * Prometheus rule files generated from the alert catalog. Global and
 * per-service rules are the same in every environment; rules whose threshold
 * comes from an environment's config go to one file per environment.
 */
import { environments, type EnvironmentConfig, type EnvironmentName } from "../../config";
import { services as catalog, type Service } from "../../config/services";
import { groups as alertGroups, runbookUrl, type Alert, type AlertGroup, type EnvironmentThresholds, type Team } from "../alerts";

export interface PrometheusRule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly PrometheusRule[];
}
export interface RuleFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly groups: readonly RuleGroup[];
}

export const RULES_DIR = "monitoring/prometheus/rules";

export function environmentThresholds(config: EnvironmentConfig): EnvironmentThresholds {
  return { name: config.name, config, clusterBudgetUsdPerMonth: config.cost.clusterUsdPerMonth, aiBudgetUsdPerDay: config.cost.aiUsdPerDay };
}

function alertRule(alert: Alert, expr: string, team: Team, extraLabels: Record<string, string> = {}): PrometheusRule {
  return {
    alert: alert.name,
    expr,
    ...(alert.for === "0m" ? {} : { for: alert.for }),
    labels: { severity: alert.severity, team, ...extraLabels },
    annotations: { summary: alert.summary, description: alert.description, runbook_url: runbookUrl(alert.name) },
  };
}

function globalRules(group: AlertGroup, services: readonly Service[]): PrometheusRule[] {
  const rules: PrometheusRule[] = [];
  for (const alert of group.alerts) {
    if (alert.scope === "global") rules.push(alertRule(alert, alert.expr, alert.team));
    if (alert.scope === "service") {
      for (const s of services) rules.push(alertRule(alert, alert.expr(s), s.team, { service: s.name }));
    }
  }
  return rules;
}

/** The rule files for the whole system: shared files, then one file per environment. */
export function ruleFiles(services: readonly Service[] = catalog, envs: readonly EnvironmentConfig[] = environments): RuleFile[] {
  const files: RuleFile[] = alertGroups.map((g) => {
    const out: RuleGroup[] = [];
    const records = g.records?.(services) ?? [];
    if (records.length > 0) out.push({ name: `groundwork.${g.name}.records`, rules: records });
    const rules = globalRules(g, services);
    if (rules.length > 0) out.push({ name: `groundwork.${g.name}.alerts`, rules });
    return { path: `${RULES_DIR}/${g.name}.rules.yaml`, groups: out };
  });
  for (const config of envs) {
    const env = environmentThresholds(config);
    const rules = alertGroups
      .flatMap((g) => g.alerts)
      .flatMap((a) => (a.scope === "environment" ? [alertRule(a, a.expr(env), a.team)] : []));
    files.push({ path: environmentRuleFile(config.name), groups: [{ name: "groundwork.environment.alerts", rules }] });
  }
  return files.filter((f) => f.groups.length > 0);
}

export function environmentRuleFile(env: EnvironmentName): string {
  return `${RULES_DIR}/environments/${env}.rules.yaml`;
}

/** The rule files an environment's Prometheus loads: the shared ones and its own. */
export function ruleFilesFor(env: EnvironmentName): string[] {
  return ruleFiles()
    .map((f) => f.path)
    .filter((p) => !p.startsWith(`${RULES_DIR}/environments/`) || p === environmentRuleFile(env));
}
