/** metrics-server: the resource metrics API that HPAs and `kubectl top` read. */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { platformRelease, SYSTEM_CLUSTER_CRITICAL, type ChartRef, type PlatformReleaseProps } from "./release";

export const METRICS_SERVER_CHART: ChartRef = {
  repository: "https://kubernetes-sigs.github.io/metrics-server/",
  chart: "metrics-server",
  version: "3.13.0",
};

/** Values Groundwork sets on the metrics-server chart. */
export interface MetricsServerValues {
  readonly replicas: number;
  /** The chart's own default, pinned: HPAs stop scaling without the metrics API. */
  readonly priorityClassName: typeof SYSTEM_CLUSTER_CRITICAL;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
  readonly metrics: { readonly enabled: boolean };
  readonly serviceMonitor: { readonly enabled: boolean };
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
}

export interface MetricsServerProps extends PlatformReleaseProps {
  /**
   * Replicas; two keep the metrics API up through a node drain.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Create a ServiceMonitor (needs the Prometheus Operator CRDs).
   * @default false
   */
  readonly serviceMonitor?: boolean;
}

/** metrics-server, highly available. */
export class MetricsServer extends Construct {
  readonly release: Release;
  readonly values: MetricsServerValues;

  constructor(scope: Construct, id: string, props: MetricsServerProps = {}) {
    super(scope, id);
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new Error(`MetricsServer: replicas is ${replicas}; expected an integer from 1 to 5`);
    }
    this.values = {
      replicas,
      priorityClassName: SYSTEM_CLUSTER_CRITICAL,
      podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
      metrics: { enabled: props.serviceMonitor ?? false },
      serviceMonitor: { enabled: props.serviceMonitor ?? false },
      resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "400Mi" } },
    };
    this.release = platformRelease(this, "release", {
      ...METRICS_SERVER_CHART,
      name: "metrics-server",
      namespace: props.namespace ?? "kube-system",
      values: this.values,
      dependsOn: props.dependsOn,
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
