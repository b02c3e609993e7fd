/**
 * Each environment stack loads the repository's own monitoring: its rule
 * groups (with this environment's thresholds, not another's), the
 * Alertmanager configuration from monitoring/alertmanager/, and every
 * Grafana dashboard from monitoring/grafana/ through the sidecar.
 */
import { describe, expect, it } from "vitest";
import { services } from "../../config/services";
import { alertmanagerConfig } from "../../monitoring/alertmanager/config";
import { dashboards } from "../../monitoring/grafana/dashboards";
import { ruleFiles } from "../../monitoring/prometheus/rules";
import { config, synthEnvironment, type Json } from "../helpers/synth";
import { valuesOf } from "../platform/fixture";

describe.each(["dev", "staging", "prod"] as const)("monitoring of %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);
  const release = (name: string) => Object.values(stack.resources("helm_release")).find((r) => r.name === name)!;
  const kps = valuesOf(release("kube-prometheus-stack"));

  it("loads every rule group of the repository, with this environment's thresholds", () => {
    const loaded = Object.values(kps.additionalPrometheusRulesMap as Record<string, { groups: Json[] }>).flatMap((r) => r.groups);
    expect(loaded).toEqual(JSON.parse(JSON.stringify(ruleFiles(services, [cfg]).flatMap((f) => f.groups))));
    // Exactly one environment group: this environment's, not all three.
    expect(loaded.filter((g) => g.name === "groundwork.environment.alerts")).toHaveLength(1);
    const environmentExprs: string[] = loaded.find((g) => g.name === "groundwork.environment.alerts")!.rules.map((r: Json) => String(r.expr));
    expect(environmentExprs.some((e) => e.includes(String(cfg.recovery.backupRpoSeconds)))).toBe(true);
  });

  it("configures Alertmanager from monitoring/alertmanager/", () => {
    expect(kps.alertmanager.config).toEqual(JSON.parse(JSON.stringify(alertmanagerConfig())));
  });

  it("provisions every dashboard as a ConfigMap the Grafana sidecar picks up", () => {
    const manifests = valuesOf(release("grafana-dashboards")).manifests as Json[];
    const expected = dashboards(services);
    expect(manifests).toHaveLength(expected.length);
    for (const d of expected) {
      const cm = manifests.find((m) => m.metadata.name === `dashboard-${d.uid}`);
      expect(cm, d.uid).toBeDefined();
      expect(cm!.metadata.labels).toMatchObject({ grafana_dashboard: "1" });
      expect(JSON.parse(cm!.data[`${d.uid}.json`])).toEqual(JSON.parse(JSON.stringify(d)));
    }
    expect(kps.grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: "grafana_dashboard", labelValue: "1" });
  });
});
