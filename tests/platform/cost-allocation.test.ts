/**
 * OpenCost allocates cost by namespace and by pod label (`label:<name>`): each
 * label it aggregates on must be on every service's pods, as rendered by the
 * real chart, and exported by kube-state-metrics, or the report has no rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { services } from "../../config/services";
import { COST_AGGREGATIONS } from "../../modules/platform";
import { deploymentFor, microserviceValues } from "../../modules/service/values";
import { render, type Manifest } from "../charts/helm";
import { config, synthEnvironment } from "../helpers/synth";
import { valuesOf } from "./fixture";

const env = config("prod");
const wafAclArn = "arn:aws:wafv2:eu-west-1:333333333333:regional/webacl/groundwork-prod-public/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
const labels = COST_AGGREGATIONS.filter((a) => a.startsWith("label:")).map((a) => a.slice("label:".length));
const pods: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  const deployment = deploymentFor(env, "1.0.0", { wafAclArn });
  await Promise.all(
    services.map(async (s) => {
      const manifests: Manifest[] = await render(s.name, microserviceValues(s, deployment, services), { namespace: s.name, kubeVersion: env.cluster.version });
      pods[s.name] = manifests.find((m) => m.kind === "Rollout")!.spec.template.metadata.labels;
    }),
  );
});

describe("cost allocation by service", () => {
  it("aggregates on at least one pod label", () => {
    expect(labels).toEqual(["service"]);
  });

  it.each(services.map((s) => s.name))("labels the pods of %s with each aggregated label, valued with the service name", (name) => {
    for (const label of labels) expect(pods[name][label], `${label} on ${name}`).toBe(name);
  });

  it.each(["dev", "staging", "prod"] as const)("exports those pod labels through kube-state-metrics in %s", (name) => {
    const kps = Object.values(synthEnvironment(name).resources("helm_release")).find((r) => r.name === "kube-prometheus-stack")!;
    const allowlist: string[] = valuesOf(kps)["kube-state-metrics"].metricLabelsAllowlist;
    const podLabels = allowlist.flatMap((entry) => /^pods=\[(.*)\]$/.exec(entry)?.[1].split(",") ?? []);
    for (const label of labels) expect(podLabels).toContain(label);
  });
});
