import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import type { Service } from "../../config/services";
import { blackboxModules, probeManifests, type Dependency } from "../../monitoring/blackbox/probes";
import { Manifests } from "../platform/manifests";
import { platformRelease, type PlatformReleaseProps } from "../platform/release";
import { PRIORITY_CLASSES } from "../service/priority-classes";

/** prometheus-community/prometheus-blackbox-exporter; keys checked against upstream/prometheus-blackbox-exporter.yaml. */
export const BLACKBOX_CHART = {
  repository: "https://prometheus-community.github.io/helm-charts",
  chart: "prometheus-blackbox-exporter",
  version: "11.10.0",
} as const;

/** The values this construct sets (every key exists in the chart's values.yaml). */
export interface BlackboxExporterValues {
  readonly replicas: number;
  readonly config: { readonly modules: typeof blackboxModules };
  readonly podDisruptionBudget: { readonly maxUnavailable: number };
  readonly priorityClassName: string;
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  readonly serviceMonitor: { readonly selfMonitor: { readonly enabled: boolean } };
}

export interface BlackboxExporterProps extends PlatformReleaseProps {
  /** The catalog's services; each gets a Probe of its health endpoint. */
  readonly services: readonly Service[];
  /** Namespace a service runs in. */
  readonly serviceNamespace: (service: string) => string;
  /** Target per dependency: host:port for postgres and redis, a URL for vault and opensearch. */
  readonly dependencies: Readonly<Record<Dependency, string>>;
  /**
   * Namespace of the exporter and the Probes (where Prometheus selects them).
   * @default "monitoring"
   */
  readonly namespace?: string;
  /**
   * Exporter replicas; two keep probes running through a node drain.
   * @default 2
   */
  readonly replicas?: number;
}

/**
 * Synthetic health checks: the Prometheus blackbox exporter with the
 * repository's probe modules, and one Probe per service health endpoint and
 * per dependency (RDS, Redis, Vault, OpenSearch), which ServiceProbeFailing
 * and DependencyProbeFailing alert on.
 */
export class BlackboxExporter extends Construct {
  readonly release: Release;
  readonly values: BlackboxExporterValues;
  readonly probes: Manifests;

  constructor(scope: Construct, id: string, props: BlackboxExporterProps) {
    super(scope, id);
    const namespace = props.namespace ?? "monitoring";
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`BlackboxExporter: replicas is ${replicas}; expected a whole number >= 1`);
    }
    this.values = {
      replicas,
      config: { modules: blackboxModules },
      podDisruptionBudget: { maxUnavailable: 1 },
      priorityClassName: PRIORITY_CLASSES.platform,
      resources: { requests: { cpu: "25m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
      serviceMonitor: { selfMonitor: { enabled: true } },
    };
    this.release = platformRelease(this, "release", {
      name: "blackbox-exporter",
      ...BLACKBOX_CHART,
      namespace,
      values: this.values,
      dependsOn: props.dependsOn,
    });
    this.probes = new Manifests(this, "probes", {
      releaseName: "blackbox-probes",
      namespace,
      manifests: probeManifests(props.services, {
        namespace,
        servicesNamespace: props.serviceNamespace,
        proberUrl: `blackbox-exporter-prometheus-blackbox-exporter.${namespace}.svc:9115`,
        dependencies: props.dependencies,
      }),
      dependsOn: [this.release, ...(props.dependsOn ?? [])],
    });
  }
}
