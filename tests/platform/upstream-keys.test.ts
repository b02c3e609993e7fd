/**
 * Every values key a construct sets must exist in the chart at the pinned
 * version (Helm silently ignores unknown keys). The reference is the trimmed
 * upstream values.yaml in modules/platform/upstream/<chart>-<version>.yaml.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import type { Json } from "../helpers/synth";
import { platform, valuesOf } from "./fixture";

const UPSTREAM = new URL("../../modules/platform/upstream/", import.meta.url);

/**
 * Paths below which the chart takes free-form content: the chart passes the
 * object through to Kubernetes or to the program's own configuration, so
 * its keys are not chart values. Each with the reason.
 */
const FREE_FORM: Record<string, string> = {
  resources: "Kubernetes ResourceRequirements, copied into the container spec",
  "controller.resources": "Kubernetes ResourceRequirements, copied into the container spec",
  podDisruptionBudget: "PodDisruptionBudget spec fields (aws-load-balancer-controller passes the map through)",
  config: "OpenTelemetry Collector configuration, merged with the chart's default collector config",
  "alertmanager.config": "Alertmanager configuration document (monitoring/alertmanager/)",
  "alertmanager.alertmanagerSpec.storage": "Prometheus Operator StorageSpec, passed to the Alertmanager CR",
  "prometheus.prometheusSpec.storageSpec": "Prometheus Operator StorageSpec, passed to the Prometheus CR",
  additionalPrometheusRulesMap: "map of PrometheusRule name to spec, rendered as PrometheusRule objects",
  manifests: "Kubernetes objects rendered verbatim by charts/manifests",
};

/** Leaf key paths of a values object; arrays are leaves (charts take them whole). */
function keyPaths(node: unknown, prefix = ""): string[] {
  if (node && typeof node === "object" && !Array.isArray(node)) {
    const entries = Object.entries(node as Json);
    if (entries.length === 0) return prefix ? [prefix] : [];
    return entries.flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

/** Paths (from `paths`) that neither exist in `upstream` nor lie under a free-form path. */
export function unknownKeys(paths: readonly string[], upstream: unknown): string[] {
  return paths.filter((path) => {
    if (Object.keys(FREE_FORM).some((f) => path === f || path.startsWith(`${f}.`))) return false;
    let node: unknown = upstream;
    for (const key of path.split(".")) {
      if (!node || typeof node !== "object" || Array.isArray(node) || !(key in (node as Json))) return true;
      node = (node as Json)[key];
    }
    return false;
  });
}

describe("values keys exist in the pinned upstream chart", () => {
  const { releases } = platform();
  const seen = new Set<string>();

  it.each(Object.keys(releases).sort())("%s", (name) => {
    const release = releases[name];
    const chart = String(release.chart).split("/").pop();
    const file = new URL(`${chart}-${release.version}.yaml`, UPSTREAM);
    expect(existsSync(file), `modules/platform/upstream/${chart}-${release.version}.yaml is missing`).toBe(true);
    const text = readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toMatch(/^# Source: /);
    seen.add(`${chart}-${release.version}.yaml`);
    expect(unknownKeys(keyPaths(valuesOf(release)), YAML.parse(text))).toEqual([]);
  });

  it("fails when a construct sets a key the chart does not have", () => {
    const upstream = { provider: { name: "aws" }, policy: "sync", resources: {} };
    expect(unknownKeys(["provider.name", "policy", "resources.limits.memory"], upstream)).toEqual([]);
    expect(unknownKeys(["provider.nmae", "dnsPolicy", "policy.mode"], upstream)).toEqual(["provider.nmae", "dnsPolicy", "policy.mode"]);
  });
});
