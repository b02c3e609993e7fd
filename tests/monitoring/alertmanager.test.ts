import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alerts, TEAMS } from "../../monitoring/alerts";
import { INHIBITIONS, pageReceiver, POD_ALERTS_ON_NODE, slackReceiver } from "../../monitoring/alertmanager/config";
import { alertRuleTests, readYaml, root, run } from "./helpers";

const CONFIG = "monitoring/alertmanager/alertmanager.yaml";

/** The receivers amtool resolves for an alert with these labels. */
function routesTo(labels: Record<string, string>): string {
  const { status, output } = run("amtool", ["config", "routes", "test", `--config.file=${CONFIG}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  expect(status, output).toBe(0);
  return output.split("\n").find((l) => l.trim() && !l.startsWith("Warning"))!.trim();
}

describe("alertmanager configuration", () => {
  it("passes amtool check-config", () => {
    const { status, output } = run("amtool", ["check-config", CONFIG]);
    expect(status, output).toBe(0);
  });

  it.each(TEAMS.map((t) => [t]))("a critical alert for team %s pages through PagerDuty", (team) => {
    expect(routesTo({ alertname: "ServiceAvailabilityBurnRateFast", severity: "critical", team })).toBe(pageReceiver(team));
  });

  it.each(TEAMS.map((t) => [t]))("a warning for team %s goes to Slack", (team) => {
    expect(routesTo({ alertname: "RdsCpuHigh", severity: "warning", team })).toBe(slackReceiver(team));
  });

  it("fails verification when a warning is expected to page", () => {
    const { status } = run("amtool", ["config", "routes", "test", `--config.file=${CONFIG}`, `--verify.receivers=${pageReceiver("backend")}`, "severity=warning", "team=backend"]);
    expect(status).not.toBe(0);
  });

  it("an alert without a team goes to platform's channel; Watchdog goes nowhere", () => {
    expect(routesTo({ alertname: "KubeAPIErrorBudgetBurn", severity: "critical" })).toBe(slackReceiver("platform"));
    expect(routesTo({ alertname: "Watchdog", severity: "none" })).toBe("null");
  });

  it("every alert routes to a team receiver", () => {
    const teams = new Set<string>(TEAMS);
    for (const a of alerts) if (a.scope !== "service") expect(teams.has(a.team), a.name).toBe(true);
  });

  it("keeps receiver secrets out of git: only *_file references to the mounted Secret", () => {
    const text = readFileSync(join(root, CONFIG), "utf8");
    expect(text).not.toMatch(/^\s*(routing_key|service_key|api_url|url):/m);
    const doc = readYaml<{ receivers: { pagerduty_configs?: { routing_key_file: string }[]; slack_configs?: { api_url_file: string }[] }[] }>(CONFIG);
    const files = doc.receivers.flatMap((r) => [...(r.pagerduty_configs ?? []).map((p) => p.routing_key_file), ...(r.slack_configs ?? []).map((s) => s.api_url_file)]);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^\/etc\/alertmanager\/secrets\/alertmanager-receivers\/(pagerduty|slack)-[a-z]+$/);
  });

  it("NodeNotReady inhibits pod alerts on the same node, and those alerts carry the node label", () => {
    const doc = readYaml<{ inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[] }>(CONFIG);
    const rule = doc.inhibit_rules.find((r) => r.source_matchers.includes('alertname="NodeNotReady"'));
    expect(rule?.equal).toEqual(["node"]);
    expect(rule?.target_matchers).toEqual([`alertname=~"${POD_ALERTS_ON_NODE.join("|")}"`]);
    const names = new Set(alerts.map((a) => a.name));
    for (const target of POD_ALERTS_ON_NODE) {
      expect(names.has(target), target).toBe(true);
      const fired = alertRuleTests().filter((c) => c.alertname === target).flatMap((c) => c.exp_alerts ?? []);
      expect(fired.length, target).toBeGreaterThan(0);
      for (const a of fired) expect(a.exp_labels?.node, `${target} fires without a node label`).toBeTruthy();
    }
  });

  it("inhibitions name alerts that exist", () => {
    const names = new Set(alerts.map((a) => a.name));
    for (const [source, target] of INHIBITIONS) {
      expect(names.has(source), source).toBe(true);
      expect(names.has(target), target).toBe(true);
    }
  });
});
