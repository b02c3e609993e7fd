/**
 * prometheus-adapter: its values keys exist in the pinned chart (the fixture
 * behind upstream-keys.test.ts does not build it, as it exists only where a
 * service scales on request rate), and bad props fail with one line.
 */
import { readFileSync } from "node:fs";
import { Testing, type TerraformStack } from "cdktf";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { PROMETHEUS_ADAPTER_CHART, PrometheusAdapter } from "../../modules/platform";
import type { Json } from "../helpers/synth";
import { scratchStack, valuesOf } from "./fixture";

const UPSTREAM = new URL(`../../modules/platform/upstream/prometheus-adapter-${PROMETHEUS_ADAPTER_CHART.version}.yaml`, import.meta.url);
/** Kubernetes ResourceRequirements, copied into the container spec: not chart keys. */
const FREE_FORM = ["resources"];

/** Leaf key paths of a values object; arrays are leaves (charts take them whole). */
function keyPaths(node: unknown, prefix = ""): string[] {
  if (node && typeof node === "object" && !Array.isArray(node) && !FREE_FORM.includes(prefix)) {
    return Object.entries(node as Json).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

function has(tree: unknown, path: string): boolean {
  let node = tree;
  for (const key of path.split(".")) {
    if (!node || typeof node !== "object" || !(key in (node as Json))) return false;
    node = (node as Json)[key];
  }
  return true;
}

const build = (props: Partial<ConstructorParameters<typeof PrometheusAdapter>[2]> = {}, stack: TerraformStack = scratchStack()) =>
  new PrometheusAdapter(stack, "adapter", { prometheusUrl: "http://kube-prometheus-stack-prometheus.monitoring.svc", ...props });

describe("prometheus-adapter", () => {
  it("sets only keys of the pinned chart's values.yaml", () => {
    const text = readFileSync(UPSTREAM, "utf8");
    expect(text.split("\n")[0]).toMatch(/^# Source: /);
    const upstream = YAML.parse(text);
    const stack = scratchStack();
    build({}, stack);
    const release = Object.values((JSON.parse(Testing.synth(stack)) as Json).resource.helm_release as Json)[0];
    expect(release).toMatchObject({ chart: PROMETHEUS_ADAPTER_CHART.chart, version: PROMETHEUS_ADAPTER_CHART.version });
    const paths = keyPaths(valuesOf(release));
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !has(upstream, p))).toEqual([]);
  });

  it("fails when the Prometheus URL carries a port or path", () => {
    expect(() => build({ prometheusUrl: "http://prometheus.monitoring.svc:9090" })).toThrow(
      'PrometheusAdapter: prometheusUrl is "http://prometheus.monitoring.svc:9090"; expected an http(s) URL with no port or path, such as http://prometheus.monitoring.svc',
    );
  });

  it("fails when the rate window is not a Prometheus duration", () => {
    expect(() => build({ rateWindow: "2 minutes" })).toThrow('PrometheusAdapter: rateWindow is "2 minutes"; expected a Prometheus duration in seconds or minutes, such as 2m');
  });

  it("fails when replicas is out of range", () => {
    expect(() => build({ replicas: 0 })).toThrow("PrometheusAdapter: replicas is 0; expected an integer from 1 to 5");
  });
});
