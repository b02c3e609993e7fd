/**
 * prometheus-adapter serving the custom metrics API (`custom.metrics.k8s.io`)
 * from kube-prometheus-stack's Prometheus, so a service's HPA can scale on its
 * request rate: one rule turns the services' `http_requests_total` counter
 * into the per-pod Pods metric `http_requests_per_second` that
 * charts/microservice's HPA names (`autoscaling.requestsPerSecond.metricName`).
 * The chart's default rules are off: every served metric is listed here, and
 * CPU and memory stay with metrics-server. Two replicas behind a PDB, since
 * every RPS-scaled HPA stalls while the API is down.
 * https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { platformRelease, priorityClassOf, type ChartRef, type PlatformPriorityProps, type PlatformReleaseProps } from "./release";

export const PROMETHEUS_ADAPTER_CHART: ChartRef = {
  repository: "https://prometheus-community.github.io/helm-charts",
  chart: "prometheus-adapter",
  version: "5.3.0",
};

/** The Pods metric the adapter serves: each pod's HTTP requests per second. */
export const REQUESTS_PER_SECOND_METRIC = "http_requests_per_second";

/** One prometheus-adapter discovery rule (the adapter's own config format). */
export interface AdapterRule {
  readonly seriesQuery: string;
  readonly resources: { readonly overrides: Readonly<Record<string, { readonly resource: string }>> };
  readonly name: { readonly matches: string; readonly as: string };
  readonly metricsQuery: string;
}

/** Values Groundwork sets on the prometheus-adapter chart. */
export interface PrometheusAdapterValues {
  readonly priorityClassName: string;
  readonly replicas: number;
  readonly podDisruptionBudget: { readonly enabled: boolean };
  readonly prometheus: { readonly url: string; readonly port: number };
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  readonly rules: { readonly default: boolean; readonly custom: readonly AdapterRule[] };
}

export interface PrometheusAdapterProps extends PlatformReleaseProps, PlatformPriorityProps {
  /** Prometheus base URL without the port, such as `http://kube-prometheus-stack-prometheus.monitoring.svc`. */
  readonly prometheusUrl: string;
  /**
   * Port of that Prometheus.
   * @default 9090
   */
  readonly prometheusPort?: number;
  /**
   * Adapter replicas; the aggregated API is down while none is ready.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Window of the request rate; at least four scrapes of the services (30 s apart).
   * @default "2m"
   */
  readonly rateWindow?: string;
}

/**
 * The rule behind {@link REQUESTS_PER_SECOND_METRIC}: series of the services'
 * request counter carry the `namespace` and `pod` target labels the
 * ServiceMonitor adds, which map to the Kubernetes objects the HPA asks about.
 */
export function requestsPerSecondRule(rateWindow: string): AdapterRule {
  return {
    seriesQuery: 'http_requests_total{namespace!="",pod!=""}',
    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
    name: { matches: "^http_requests_total$", as: REQUESTS_PER_SECOND_METRIC },
    metricsQuery: `sum(rate(<<.Series>>{<<.LabelMatchers>>}[${rateWindow}])) by (<<.GroupBy>>)`,
  };
}

/** prometheus-adapter exposing the services' request rate to HPAs. */
export class PrometheusAdapter extends Construct {
  readonly release: Release;
  readonly values: PrometheusAdapterValues;
  /** The Pods metric HPAs name: {@link REQUESTS_PER_SECOND_METRIC}. */
  readonly requestsPerSecondMetric = REQUESTS_PER_SECOND_METRIC;

  constructor(scope: Construct, id: string, props: PrometheusAdapterProps) {
    super(scope, id);
    if (!/^https?:\/\/[a-z0-9.-]+$/.test(props.prometheusUrl)) {
      throw new Error(`PrometheusAdapter: prometheusUrl is "${props.prometheusUrl}"; expected an http(s) URL with no port or path, such as http://prometheus.monitoring.svc`);
    }
    const port = props.prometheusPort ?? 9090;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PrometheusAdapter: prometheusPort is ${port}; expected an integer from 1 to 65535`);
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new Error(`PrometheusAdapter: replicas is ${replicas}; expected an integer from 1 to 5`);
    const rateWindow = props.rateWindow ?? "2m";
    if (!/^[1-9]\d*[sm]$/.test(rateWindow)) throw new Error(`PrometheusAdapter: rateWindow is "${rateWindow}"; expected a Prometheus duration in seconds or minutes, such as 2m`);
    this.values = {
      priorityClassName: priorityClassOf("PrometheusAdapter", props),
      replicas,
      // The chart's default maxUnavailable (1) applies.
      podDisruptionBudget: { enabled: replicas > 1 },
      prometheus: { url: props.prometheusUrl, port },
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      rules: { default: false, custom: [requestsPerSecondRule(rateWindow)] },
    };
    this.release = platformRelease(this, "release", {
      ...PROMETHEUS_ADAPTER_CHART,
      name: "prometheus-adapter",
      namespace: props.namespace ?? "prometheus-adapter",
      values: this.values,
      dependsOn: props.dependsOn,
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
