/** Argo Rollouts: canary and blue-green rollouts for the services. The dashboard is off unless asked for. */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { platformRelease, priorityClassOf, type ChartRef, type PlatformPriorityProps, type PlatformReleaseProps } from "./release";

export const ARGO_ROLLOUTS_CHART: ChartRef = { repository: "https://argoproj.github.io/argo-helm", chart: "argo-rollouts", version: "2.40.5" };

/** Values Groundwork sets on the argo-rollouts chart. */
export interface ArgoRolloutsValues {
  readonly installCRDs: boolean;
  readonly keepCRDs: boolean;
  readonly controller: {
    readonly replicas: number;
    readonly priorityClassName: string;
    readonly metrics: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
  };
  /** The dashboard's class is set when it runs. */
  readonly dashboard: { readonly enabled: boolean; readonly priorityClassName?: string };
}

export interface ArgoRolloutsProps extends PlatformReleaseProps, PlatformPriorityProps {
  /**
   * Controller replicas (leader-elected).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Run the Rollouts dashboard (no authentication of its own; reach it with port-forward).
   * @default false
   */
  readonly dashboard?: boolean;
  /**
   * Create a ServiceMonitor (needs the Prometheus Operator CRDs).
   * @default false
   */
  readonly serviceMonitor?: boolean;
}

/** The Argo Rollouts controller. */
export class ArgoRollouts extends Construct {
  readonly release: Release;
  readonly values: ArgoRolloutsValues;

  constructor(scope: Construct, id: string, props: ArgoRolloutsProps = {}) {
    super(scope, id);
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new Error(`ArgoRollouts: replicas is ${replicas}; expected an integer from 1 to 5`);
    const priorityClassName = priorityClassOf("ArgoRollouts", props);
    this.values = {
      installCRDs: true,
      // Deleting the CRDs would delete every Rollout with them.
      keepCRDs: true,
      controller: { replicas, priorityClassName, metrics: { enabled: true, serviceMonitor: { enabled: props.serviceMonitor ?? false } } },
      dashboard: props.dashboard ? { enabled: true, priorityClassName } : { enabled: false },
    };
    this.release = platformRelease(this, "release", {
      ...ARGO_ROLLOUTS_CHART,
      name: "argo-rollouts",
      namespace: props.namespace ?? "argo-rollouts",
      values: this.values,
      dependsOn: props.dependsOn,
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
