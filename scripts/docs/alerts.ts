/**
 * One page per alert (`docs/alerts/<slug>.md`) and the alert index, generated
 * from the alert catalog in `monitoring/alerts/`, the environments in
 * `config/` and the Alertmanager routing.
 */
import { environments } from "../../config";
import { services } from "../../config/services";
import { alertmanagerConfig, INHIBITIONS, POD_ALERTS_ON_NODE } from "../../monitoring/alertmanager/config";
import { alertPagePath, alertSlug, groups, runbookUrl, type Alert, type AlertGroup, type Team } from "../../monitoring/alerts";
import { environmentRuleFile, environmentThresholds, RULES_DIR } from "../../monitoring/prometheus/rules";
import { code, fence, generatedHeader, page, prose, table, type GeneratedPage } from "./markdown";
import type { RunbookInfo } from "./runbooks";

/** The Slack channel Alertmanager posts a team's alerts to, read from the generated routing. */
export function slackChannel(team: Team): string {
  const receiver = alertmanagerConfig().receivers.find((r) => r.name === `${team}-slack`);
  const channel = receiver && "slack_configs" in receiver ? receiver.slack_configs[0]?.channel : undefined;
  if (!channel) throw new Error(`gen-docs: no Slack receiver for team ${team} in monitoring/alertmanager/config.ts`);
  return channel;
}

/** Teams an alert goes to: its own team, or for a per-service alert the owner of each service. */
export function alertTeams(alert: Alert): Team[] {
  return alert.scope === "service" ? [...new Set(services.map((s) => s.team))].sort() : [alert.team];
}

/** Where a severity goes, in the words of the Alertmanager routing. */
function routing(alert: Alert): string {
  const channels = alertTeams(alert).map((t) => code(slackChannel(t))).join(", ");
  return alert.severity === "critical"
    ? `pages the team's on-call through PagerDuty and posts to Slack (${channels})`
    : `posts to Slack (${channels}); does not page`;
}

function groupOf(alert: Alert): AlertGroup {
  const group = groups.find((g) => g.alerts.includes(alert));
  if (!group) throw new Error(`gen-docs: alert ${alert.name} belongs to no group`);
  return group;
}

function sourceFile(group: AlertGroup): string {
  return `monitoring/alerts/${group.name}.ts`;
}

function expressionSection(alert: Alert): string {
  if (alert.scope === "global") {
    return page(["## Expression", `The same in every environment, in ${code(`${RULES_DIR}/${groupOf(alert).name}.rules.yaml`)}:`, fence("promql", alert.expr)]);
  }
  if (alert.scope === "service") {
    const blocks = services.map((s) =>
      page([`::: details ${s.name} (team ${s.team}, availability ${s.slo.availability}, p95 ${s.slo.latencyP95Ms} ms)`, fence("promql", alert.expr(s)), ":::"]),
    );
    return page([
      "## Expression",
      `One rule per service in \`config/services.ts\`, labelled \`service\` and routed to the service's owner team, in ${code(`${RULES_DIR}/${groupOf(alert).name}.rules.yaml`)}:`,
      ...blocks,
    ]);
  }
  const byEnv = environments.map((config) => ({ env: config.name, expr: alert.expr(environmentThresholds(config)) }));
  if (new Set(byEnv.map((e) => e.expr)).size === 1) {
    return page(["## Expression", "The threshold comes from `config/<env>.ts`; it is the same in every environment today:", fence("promql", byEnv[0].expr)]);
  }
  return page([
    "## Expression",
    "The threshold comes from each environment's `config/<env>.ts`, so the rule differs per environment:",
    ...byEnv.map((e) => page([`### ${e.env}`, `In ${code(environmentRuleFile(e.env))}:`, fence("promql", e.expr)])),
  ]);
}

/** Alerts muted while another fires (Alertmanager inhibit rules), in both directions. */
function inhibitionLines(alert: Alert): string[] {
  const pairs: [string, string][] = [
    ...POD_ALERTS_ON_NODE.map((target): [string, string] => ["NodeNotReady", target]),
    ...INHIBITIONS.map(([source, target]): [string, string] => [source, target]),
  ];
  const link = (name: string) => `[${name}](./${alertSlug(name)}.md)`;
  const lines: string[] = [];
  for (const [source, target] of pairs) {
    if (target === alert.name) lines.push(`- Muted while ${link(source)} fires for the same target.`);
    if (source === alert.name) lines.push(`- While firing, mutes ${link(target)} for the same target.`);
  }
  return lines;
}

/** The "Runbooks" section of an alert page: a link per declared runbook; throws when one is not under runbooks/. */
export function runbookLines(alert: Alert, runbooks: ReadonlyMap<string, RunbookInfo>): string {
  if (alert.runbooks.length === 0) return "No executable runbook: follow Diagnosis and Mitigation above by hand.";
  return alert.runbooks
    .map((name) => {
      const rb = runbooks.get(name);
      if (!rb) {
        throw new Error(`gen-docs: alert ${alert.name} declares runbook ${name}, but runbooks/${name}.mjs does not exist; add it or remove ${name} from the alert's runbooks`);
      }
      return `- [${rb.id}](../runbooks/${rb.id}.md): ${rb.title}. Preview: ${code(`npx zx runbooks/${rb.id}.mjs --env <env> --dry-run`)}`;
    })
    .join("\n");
}

/** The Markdown page of one alert. */
export function alertPage(alert: Alert, runbooks: ReadonlyMap<string, RunbookInfo>): GeneratedPage {
  const group = groupOf(alert);
  const scope = { global: "one rule", service: "one rule per service", environment: "one rule per environment" }[alert.scope];
  const inhibitions = inhibitionLines(alert);
  const content = page([
    generatedHeader([sourceFile(group), "config/", "monitoring/alertmanager/config.ts"]),
    `# ${alert.name}`,
    // Summary and description carry Alertmanager templates (`{{ $labels.x }}`): v-pre keeps Vue from reading them.
    page(["::: v-pre", `**Summary:** ${prose(alert.summary)}`, prose(alert.description), ":::"]),
    [
      `- **Severity:** ${alert.severity}: ${routing(alert)}`,
      `- **Team:** ${alertTeams(alert).join(", ")}`,
      `- **Fires after:** ${alert.for === "0m" ? "the first failing evaluation" : `${alert.for} of failing evaluations`}`,
      `- **Scope:** ${scope} (group ${code(group.name)}, source ${code(sourceFile(group))})`,
      `- **Link in the alert:** ${code(runbookUrl(alert.name))}`,
    ].join("\n"),
    expressionSection(alert),
    page(["## Meaning", prose(alert.page.meaning)]),
    page(["## Impact", prose(alert.page.impact)]),
    page(["## Diagnosis", prose(alert.page.diagnosis)]),
    page(["## Mitigation", prose(alert.page.mitigation)]),
    page(["## Runbooks", runbookLines(alert, runbooks)]),
    inhibitions.length > 0 && page(["## Related alerts", inhibitions.join("\n")]),
  ]);
  return { path: alertPagePath(alert.name), content };
}

/** `docs/alerts/index.md`: every alert by group, with severity, team and summary. */
export function alertIndexPage(): GeneratedPage {
  const sections = groups
    .filter((g) => g.alerts.length > 0)
    .map((g) =>
      page([
        `## ${g.name}`,
        `Source: ${code(sourceFile(g))}`,
        table(
          ["Alert", "Severity", "Team", "Runbooks"],
          g.alerts.map((a) => [
            `[${a.name}](./${alertSlug(a.name)}.md)`,
            a.severity,
            alertTeams(a).join(", "),
            a.runbooks.length ? a.runbooks.join(", ") : "none",
          ]),
        ),
      ]),
    );
  const all = groups.flatMap((g) => g.alerts);
  const critical = all.filter((a) => a.severity === "critical").length;
  return {
    path: "docs/alerts/index.md",
    content: page([
      generatedHeader(["monitoring/alerts/*.ts"]),
      "# Alerts",
      `${all.length} alerts: ${critical} critical (page through PagerDuty), ${all.length - critical} warning (Slack only). ` +
        "Every alert's `runbook_url` annotation points at its page here. See [On-call](../index.md) for what to do when one fires.",
      ...sections,
    ]),
  };
}
