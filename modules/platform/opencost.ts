/**
 * OpenCost reading kube-prometheus-stack's Prometheus. Costs are allocated
 * by namespace and by the pods' `service` label, which charts/microservice
 * puts on every service's pods (`microservice.labels`) and kube-state-metrics
 * exports (see KubePrometheusStackProps.podLabelsToExport); query with
 * `/allocation?window=7d&aggregate=namespace,label:service`.
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { platformRelease, priorityClassOf, type ChartRef, type PlatformPriorityProps, type PlatformReleaseProps } from "./release";

export const OPENCOST_CHART: ChartRef = { repository: "https://opencost.github.io/opencost-helm-chart", chart: "opencost", version: "2.2.8" };

/** Aggregations the cost reports use. */
export const COST_AGGREGATIONS = ["namespace", "label:service"] as const;

/** Values Groundwork sets on the opencost chart. */
export interface OpenCostValues {
  readonly priorityClassName: string;
  readonly opencost: {
    readonly exporter: { readonly defaultClusterId: string };
    readonly prometheus: { readonly internal: { readonly enabled: boolean; readonly serviceName: string; readonly namespaceName: string; readonly port: number } };
    readonly metrics: { readonly serviceMonitor: { readonly enabled: boolean } };
    readonly ui: { readonly enabled: boolean };
  };
}

export interface OpenCostProps extends PlatformReleaseProps, PlatformPriorityProps {
  /** Cluster id shown in cost reports. */
  readonly clusterName: string;
  /** Prometheus Service name (KubePrometheusStack.prometheusServiceName). */
  readonly prometheusServiceName: string;
  /** Namespace of that Service. */
  readonly prometheusNamespace: string;
  /**
   * Port of that Service.
   * @default 9090
   */
  readonly prometheusPort?: number;
  /**
   * Let Prometheus scrape OpenCost's cost metrics (needs the Prometheus Operator CRDs).
   * @default true
   */
  readonly serviceMonitor?: boolean;
}

/** OpenCost with the in-cluster Prometheus. */
export class OpenCost extends Construct {
  readonly release: Release;
  readonly values: OpenCostValues;
  readonly aggregations = COST_AGGREGATIONS;

  constructor(scope: Construct, id: string, props: OpenCostProps) {
    super(scope, id);
    this.values = {
      priorityClassName: priorityClassOf("OpenCost", props),
      opencost: {
        exporter: { defaultClusterId: props.clusterName },
        prometheus: {
          internal: { enabled: true, serviceName: props.prometheusServiceName, namespaceName: props.prometheusNamespace, port: props.prometheusPort ?? 9090 },
        },
        metrics: { serviceMonitor: { enabled: props.serviceMonitor ?? true } },
        ui: { enabled: true },
      },
    };
    this.release = platformRelease(this, "release", {
      ...OPENCOST_CHART,
      name: "opencost",
      namespace: props.namespace ?? "opencost",
      values: this.values,
      dependsOn: props.dependsOn,
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
