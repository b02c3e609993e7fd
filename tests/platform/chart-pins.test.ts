/**
 * Each environment deploys every chart at the version its construct pins (the
 * `*_CHART` constant beside it), from that constant's repository: a version
 * typed anywhere else, or a construct that stops using its constant, fails here.
 */
import { describe, expect, it } from "vitest";
import { BLACKBOX_CHART } from "../../modules/monitoring/blackbox-exporter";
import {
  ARGO_ROLLOUTS_CHART,
  AWS_LOAD_BALANCER_CONTROLLER_CHART,
  CERT_MANAGER_CHART,
  EXTERNAL_DNS_CHART,
  FLUENT_BIT_CHART,
  JAEGER_CHART,
  KARPENTER_CHART,
  KUBE_PROMETHEUS_STACK_CHART,
  METRICS_SERVER_CHART,
  OPENCOST_CHART,
  OTEL_COLLECTOR_CHART,
  PROMETHEUS_ADAPTER_CHART,
  VPA_CHART,
  type ChartRef,
} from "../../modules/platform";
import { VAULT_CHART_VERSION } from "../../modules/vault/constants";
import { VAULT_HELM_REPOSITORY } from "../../modules/vault/vault";
import { synthEnvironment } from "../helpers/synth";

/** Release name -> the pin of the construct that creates it. */
const PINS: Record<string, ChartRef> = {
  "kube-prometheus-stack": KUBE_PROMETHEUS_STACK_CHART,
  "aws-load-balancer-controller": AWS_LOAD_BALANCER_CONTROLLER_CHART,
  "cert-manager": CERT_MANAGER_CHART,
  "external-dns": EXTERNAL_DNS_CHART,
  "metrics-server": METRICS_SERVER_CHART,
  karpenter: KARPENTER_CHART,
  vpa: VPA_CHART,
  "fluent-bit": FLUENT_BIT_CHART,
  jaeger: JAEGER_CHART,
  "opentelemetry-collector": OTEL_COLLECTOR_CHART,
  "blackbox-exporter": BLACKBOX_CHART,
  "argo-rollouts": ARGO_ROLLOUTS_CHART,
  opencost: OPENCOST_CHART,
  "prometheus-adapter": PROMETHEUS_ADAPTER_CHART,
  vault: { repository: VAULT_HELM_REPOSITORY, chart: "vault", version: VAULT_CHART_VERSION },
};

describe.each(["dev", "staging", "prod"] as const)("chart pins in %s", (env) => {
  const releases = Object.values(synthEnvironment(env).resources("helm_release"));
  /** Releases of charts fetched from a repository (the in-repo charts have none). */
  const remote = releases.filter((r) => r.repository);

  it("knows the pin of every chart fetched from a repository", () => {
    expect(remote.map((r) => r.name as string).filter((name) => !(name in PINS))).toEqual([]);
  });

  it.each(Object.entries(PINS))("%s is the chart, repository and version its construct pins", (name, pin) => {
    const found = releases.filter((r) => r.name === name);
    expect(found, `${name} in ${env}`).toHaveLength(1);
    expect({ repository: found[0].repository, chart: found[0].chart, version: found[0].version }).toEqual({ repository: pin.repository, chart: pin.chart, version: pin.version });
  });
});
