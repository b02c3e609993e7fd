/**
 * kube-prometheus-stack: Prometheus Operator, Prometheus (HA pair on gp3
 * volumes), Alertmanager (configuration from monitoring/alertmanager/, receiver
 * secrets mounted from a Kubernetes Secret), Grafana (a random admin password
 * the chart generates, dashboards loaded by the sidecar), node-exporter and
 * kube-state-metrics. The repository's alert rules and dashboards are loaded
 * from props.
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import YAML from "yaml";
import { Manifests } from "./manifests";
import { platformRelease, priorityClassOf, type ChartRef, type PlatformPriorityProps, type PlatformReleaseProps } from "./release";

export const KUBE_PROMETHEUS_STACK_CHART: ChartRef = {
  repository: "https://prometheus-community.github.io/helm-charts",
  chart: "kube-prometheus-stack",
  version: "77.14.0",
};

/** The Grafana sidecar loads ConfigMaps carrying this label. */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/** A Prometheus rule group, as in a PrometheusRule's `spec.groups[]`. */
export interface PrometheusRuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly object[];
}

interface VolumeClaim {
  readonly volumeClaimTemplate: {
    readonly spec: { readonly storageClassName: string; readonly accessModes: readonly string[]; readonly resources: { readonly requests: { readonly storage: string } } };
  };
}

/** Values Groundwork sets on the kube-prometheus-stack chart. */
export interface KubePrometheusStackValues {
  readonly prometheus: {
    readonly prometheusSpec: {
      readonly replicas: number;
      readonly retention: string;
      readonly retentionSize: string;
      readonly podAntiAffinity: "hard" | "soft";
      readonly storageSpec: VolumeClaim;
      readonly serviceMonitorSelectorNilUsesHelmValues: boolean;
      readonly podMonitorSelectorNilUsesHelmValues: boolean;
      readonly probeSelectorNilUsesHelmValues: boolean;
      readonly scrapeConfigSelectorNilUsesHelmValues: boolean;
      readonly ruleSelectorNilUsesHelmValues: boolean;
      readonly enableRemoteWriteReceiver: boolean;
      readonly priorityClassName: string;
    };
  };
  readonly alertmanager: {
    readonly config?: Record<string, unknown>;
    readonly alertmanagerSpec: {
      readonly replicas: number;
      readonly podAntiAffinity: "hard" | "soft";
      readonly secrets: readonly string[];
      readonly storage: VolumeClaim;
      readonly priorityClassName: string;
    };
  };
  readonly prometheusOperator: { readonly priorityClassName: string };
  readonly grafana: {
    /** "" makes the Grafana chart generate a random password (kept across upgrades) instead of kube-prometheus-stack's well-known default. */
    readonly adminPassword?: "";
    readonly admin?: { readonly existingSecret: string; readonly userKey: string; readonly passwordKey: string };
    readonly priorityClassName: string;
    readonly sidecar: { readonly dashboards: { readonly enabled: boolean; readonly label: string; readonly labelValue: string; readonly searchNamespace: string } };
  };
  readonly "kube-state-metrics": { readonly metricLabelsAllowlist: readonly string[]; readonly priorityClassName: string };
  readonly additionalPrometheusRulesMap: Record<string, { readonly groups: readonly PrometheusRuleGroup[] }>;
}

/**
 * `priorityClassName` applies to Prometheus, Alertmanager, the operator, Grafana and
 * kube-state-metrics; node-exporter keeps the chart's own class.
 */
export interface KubePrometheusStackProps extends PlatformReleaseProps, PlatformPriorityProps {
  /**
   * Prometheus replicas; each scrapes everything (HA pair, deduplicated by Alertmanager).
   * @default 2
   */
  readonly prometheusReplicas?: number;
  /** Days Prometheus keeps samples. */
  readonly retentionDays: number;
  /**
   * Size of each Prometheus volume in GiB; retention by size stops at 90% of it.
   * @default 50
   */
  readonly prometheusStorageGiB?: number;
  /**
   * Alertmanager replicas (gossip cluster).
   * @default 2
   */
  readonly alertmanagerReplicas?: number;
  /**
   * StorageClass of the Prometheus and Alertmanager volumes.
   * @default "gp3"
   */
  readonly storageClassName?: string;
  /**
   * Alertmanager configuration as YAML text (monitoring/alertmanager/alertmanager.yaml).
   * Receiver credentials must be `*_file` references into the mounted receiver Secret.
   * @default - the chart's default (routes everything to a null receiver)
   */
  readonly alertmanagerConfigYaml?: string;
  /**
   * Kubernetes Secret in the release namespace holding receiver credentials, mounted at
   * /etc/alertmanager/secrets/<name>/. Created by the operator from Vault (docs/production-setup.md),
   * never here; until it exists the operator-managed Alertmanager pods wait, the release does not fail.
   * @default "alertmanager-receivers"
   */
  readonly alertmanagerSecretName?: string;
  /**
   * An existing Secret holding Grafana's admin user (`admin-user`) and password (`admin-password`).
   * It must exist before the release installs: Grafana reads it at start.
   * @default - none: the Grafana chart generates a random 40-character password into the Secret
   * `kube-prometheus-stack-grafana` and keeps it across upgrades
   */
  readonly grafanaAdminSecretName?: string;
  /**
   * Rule groups loaded as one PrometheusRule (`additionalPrometheusRulesMap.groundwork`).
   * @default - none
   */
  readonly ruleGroups?: readonly PrometheusRuleGroup[];
  /**
   * Grafana dashboards: name (ConfigMap name) to dashboard JSON text.
   * @default - none
   */
  readonly dashboards?: Record<string, string>;
  /**
   * Accept remote-write on /api/v1/write (the OpenTelemetry Collector pushes metrics there).
   * @default false
   */
  readonly remoteWriteReceiver?: boolean;
  /**
   * Pod labels kube-state-metrics exports in kube_pod_labels (OpenCost allocates cost by them).
   * @default ["service", "app.kubernetes.io/name"]
   */
  readonly podLabelsToExport?: readonly string[];
}

/** Keys that hold a credential in Alertmanager receiver configs; each has a `_file` twin. */
const ALERTMANAGER_SECRET_KEYS = ["api_url", "service_key", "routing_key", "password", "bot_token", "api_key", "auth_password", "webhook_url", "token", "api_secret"];

function findInlineSecret(node: unknown, path: string): string | undefined {
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) {
      const hit = findInlineSecret(v, `${path}[${i}]`);
      if (hit) return hit;
    }
  } else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (ALERTMANAGER_SECRET_KEYS.includes(k) && typeof v === "string" && v !== "") return `${path}.${k}`;
      const hit = findInlineSecret(v, `${path}.${k}`);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** kube-prometheus-stack with HA Prometheus and Alertmanager, Grafana without inline credentials, and the repository's rules and dashboards. */
export class KubePrometheusStack extends Construct {
  readonly release: Release;
  readonly dashboards?: Manifests;
  readonly namespace: string;
  readonly values: KubePrometheusStackValues;
  /** In-cluster URL of Prometheus (for OpenCost, Grafana and remote-write clients). */
  readonly prometheusUrl: string;
  /** Service name of Prometheus. */
  readonly prometheusServiceName = "kube-prometheus-stack-prometheus";
  /** Secret holding Grafana's `admin-user` and `admin-password`: the chart-generated one unless `grafanaAdminSecretName` is given. */
  readonly grafanaAdminSecret: string;

  constructor(scope: Construct, id: string, props: KubePrometheusStackProps) {
    super(scope, id);
    const replicas = props.prometheusReplicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 2 || replicas > 5) {
      throw new Error(`KubePrometheusStack: prometheusReplicas is ${replicas}; expected an integer from 2 to 5 (HA needs at least 2)`);
    }
    const amReplicas = props.alertmanagerReplicas ?? 2;
    if (!Number.isInteger(amReplicas) || amReplicas < 2 || amReplicas > 5) {
      throw new Error(`KubePrometheusStack: alertmanagerReplicas is ${amReplicas}; expected an integer from 2 to 5 (HA needs at least 2)`);
    }
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1 || props.retentionDays > 365) {
      throw new Error(`KubePrometheusStack: retentionDays is ${props.retentionDays}; expected an integer from 1 to 365`);
    }
    const storageGiB = props.prometheusStorageGiB ?? 50;
    if (!Number.isInteger(storageGiB) || storageGiB < 10 || storageGiB > 16384) {
      throw new Error(`KubePrometheusStack: prometheusStorageGiB is ${storageGiB}; expected an integer from 10 to 16384`);
    }
    let amConfig: Record<string, unknown> | undefined;
    if (props.alertmanagerConfigYaml !== undefined) {
      const parsed: unknown = YAML.parse(props.alertmanagerConfigYaml);
      if (!parsed || typeof parsed !== "object" || !("route" in parsed) || !("receivers" in parsed)) {
        throw new Error("KubePrometheusStack: alertmanagerConfigYaml has no route or receivers; expected an Alertmanager configuration document");
      }
      const inline = findInlineSecret(parsed, "alertmanagerConfigYaml");
      if (inline) throw new Error(`KubePrometheusStack: ${inline} is a literal credential; expected its *_file form reading the mounted receiver Secret`);
      amConfig = parsed as Record<string, unknown>;
    }
    if (props.grafanaAdminSecretName !== undefined && !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(props.grafanaAdminSecretName)) {
      throw new Error(`KubePrometheusStack: grafanaAdminSecretName is "${props.grafanaAdminSecretName}"; expected a Secret name (lower-case letters, digits, "-" and ".")`);
    }
    const priorityClassName = priorityClassOf("KubePrometheusStack", props);
    const groupNames = new Set<string>();
    for (const g of props.ruleGroups ?? []) {
      if (!g.name || groupNames.has(g.name)) throw new Error(`KubePrometheusStack: ruleGroups has a missing or duplicate name "${g.name}"; expected unique group names`);
      groupNames.add(g.name);
    }
    for (const [name, json] of Object.entries(props.dashboards ?? {})) {
      if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) throw new Error(`KubePrometheusStack: dashboard name "${name}" is not a ConfigMap name; expected lower-case letters, digits and "-"`);
      try {
        JSON.parse(json);
      } catch {
        throw new Error(`KubePrometheusStack: dashboard "${name}" is not valid JSON`);
      }
    }

    this.namespace = props.namespace ?? "monitoring";
    // The Grafana chart names its generated Secret after the release: <release>-grafana.
    this.grafanaAdminSecret = props.grafanaAdminSecretName ?? "kube-prometheus-stack-grafana";
    this.prometheusUrl = `http://${this.prometheusServiceName}.${this.namespace}.svc:9090`;
    const storageClassName = props.storageClassName ?? "gp3";
    const claim = (gib: number): VolumeClaim => ({
      volumeClaimTemplate: { spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${gib}Gi` } } } },
    });
    const secretName = props.alertmanagerSecretName ?? "alertmanager-receivers";
    const podLabels = props.podLabelsToExport ?? ["service", "app.kubernetes.io/name"];
    this.values = {
      prometheus: {
        prometheusSpec: {
          replicas,
          retention: `${props.retentionDays}d`,
          retentionSize: `${Math.floor(storageGiB * 0.9)}GB`,
          podAntiAffinity: "hard",
          storageSpec: claim(storageGiB),
          // Select ServiceMonitors, PodMonitors, Probes (the blackbox checks), ScrapeConfigs and rules
          // from every release, not only those labelled with this release's name.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
          scrapeConfigSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          enableRemoteWriteReceiver: props.remoteWriteReceiver ?? false,
          priorityClassName,
        },
      },
      alertmanager: {
        ...(amConfig ? { config: amConfig } : {}),
        alertmanagerSpec: { replicas: amReplicas, podAntiAffinity: "hard", secrets: [secretName], storage: claim(5), priorityClassName },
      },
      prometheusOperator: { priorityClassName },
      grafana: {
        ...(props.grafanaAdminSecretName
          ? { admin: { existingSecret: props.grafanaAdminSecretName, userKey: "admin-user", passwordKey: "admin-password" } }
          : { adminPassword: "" as const }),
        priorityClassName,
        sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: DASHBOARD_LABEL.grafana_dashboard, searchNamespace: "ALL" } },
      },
      "kube-state-metrics": { metricLabelsAllowlist: [`pods=[${podLabels.join(",")}]`, "namespaces=[team]"], priorityClassName },
      additionalPrometheusRulesMap: props.ruleGroups?.length ? { groundwork: { groups: [...props.ruleGroups] } } : {},
    };
    this.release = platformRelease(this, "release", {
      ...KUBE_PROMETHEUS_STACK_CHART,
      name: "kube-prometheus-stack",
      namespace: this.namespace,
      values: this.values,
      dependsOn: props.dependsOn,
      timeoutSeconds: props.timeoutSeconds ?? 900,
    });
    const dashboards = Object.entries(props.dashboards ?? {});
    if (dashboards.length) {
      this.dashboards = new Manifests(this, "dashboards", {
        releaseName: "grafana-dashboards",
        namespace: this.namespace,
        dependsOn: [this.release],
        manifests: dashboards.map(([name, json]) => ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `dashboard-${name}`, namespace: this.namespace, labels: { ...DASHBOARD_LABEL } },
          data: { [`${name}.json`]: json },
        })),
      });
    }
  }
}
