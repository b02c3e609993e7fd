/**
 * OpenTelemetry Collector (deployment mode, contrib image): receives OTLP
 * from the services, exports traces to Jaeger's collector over OTLP and
 * metrics to Prometheus through its remote-write receiver.
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { platformRelease, priorityClassOf, type ChartRef, type PlatformPriorityProps, type PlatformReleaseProps } from "./release";

export const OTEL_COLLECTOR_CHART: ChartRef = {
  repository: "https://open-telemetry.github.io/opentelemetry-helm-charts",
  chart: "opentelemetry-collector",
  version: "0.131.0",
};

/** Values Groundwork sets on the opentelemetry-collector chart. */
export interface OpenTelemetryCollectorValues {
  readonly mode: "deployment";
  readonly image: { readonly repository: string };
  readonly replicaCount: number;
  readonly priorityClassName: string;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  readonly config: Record<string, unknown>;
}

export interface OpenTelemetryCollectorProps extends PlatformReleaseProps, PlatformPriorityProps {
  /** Jaeger collector OTLP/gRPC endpoint, `host:port`, such as `jaeger-collector.tracing.svc:4317`. */
  readonly jaegerOtlpEndpoint: string;
  /** Prometheus remote-write URL, such as `http://kube-prometheus-stack-prometheus.monitoring.svc:9090/api/v1/write`. */
  readonly prometheusRemoteWriteUrl: string;
  /**
   * Collector replicas.
   * @default 2
   */
  readonly replicas?: number;
}

/** The OpenTelemetry Collector gateway for traces and metrics. */
export class OpenTelemetryCollector extends Construct {
  readonly release: Release;
  readonly namespace: string;
  readonly values: OpenTelemetryCollectorValues;
  /** OTLP/gRPC endpoint services send to. */
  readonly otlpGrpcEndpoint: string;

  constructor(scope: Construct, id: string, props: OpenTelemetryCollectorProps) {
    super(scope, id);
    if (!/^[a-z0-9.-]+:\d+$/.test(props.jaegerOtlpEndpoint)) {
      throw new Error(`OpenTelemetryCollector: jaegerOtlpEndpoint is "${props.jaegerOtlpEndpoint}"; expected host:port`);
    }
    if (!/^https?:\/\/[^\s]+\/api\/v1\/write$/.test(props.prometheusRemoteWriteUrl)) {
      throw new Error(`OpenTelemetryCollector: prometheusRemoteWriteUrl is "${props.prometheusRemoteWriteUrl}"; expected an http(s) URL ending in /api/v1/write`);
    }
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 10) throw new Error(`OpenTelemetryCollector: replicas is ${replicas}; expected an integer from 1 to 10`);
    this.namespace = props.namespace ?? "tracing";
    this.otlpGrpcEndpoint = `opentelemetry-collector.${this.namespace}.svc:4317`;
    const processors = ["memory_limiter", "batch"];
    this.values = {
      mode: "deployment",
      image: { repository: "otel/opentelemetry-collector-contrib" },
      replicaCount: replicas,
      priorityClassName: priorityClassOf("OpenTelemetryCollector", props),
      podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
      resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { memory: "1Gi" } },
      config: {
        receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } } },
        processors: {
          memory_limiter: { check_interval: "5s", limit_percentage: 80, spike_limit_percentage: 25 },
          batch: { send_batch_size: 8192, timeout: "5s" },
        },
        exporters: {
          // In-cluster hop to Jaeger's collector; the NetworkPolicy of the tracing namespace limits who can reach it.
          "otlp/jaeger": { endpoint: props.jaegerOtlpEndpoint, tls: { insecure: true } },
          prometheusremotewrite: { endpoint: props.prometheusRemoteWriteUrl, resource_to_telemetry_conversion: { enabled: true } },
        },
        service: {
          pipelines: {
            traces: { receivers: ["otlp"], processors, exporters: ["otlp/jaeger"] },
            metrics: { receivers: ["otlp"], processors, exporters: ["prometheusremotewrite"] },
          },
        },
      },
    };
    this.release = platformRelease(this, "release", {
      ...OTEL_COLLECTOR_CHART,
      name: "opentelemetry-collector",
      namespace: this.namespace,
      values: this.values,
      dependsOn: props.dependsOn,
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
