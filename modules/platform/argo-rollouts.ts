/** Argo Rollouts: canary and blue-green rollouts for the services. The dashboard is off unless asked for. */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { platformRelease, type ChartRef, type PlatformReleaseProps } from "./release";

export const ARGO_ROLLOUTS_CHART: ChartRef = { repository: "https://argoproj.github.io/argo-helm", chart: "argo-rollouts", version: "2.40.5" };

/** Values Groundwork sets on the argo-rollouts chart. */
export interface ArgoRolloutsValues {
  readonly installCRDs: boolean;
  readonly keepCRDs: boolean;
  readonly controller: { readonly replicas: number; readonly metrics: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } } };
  readonly dashboard: { readonly enabled: boolean };
}

export interface ArgoRolloutsProps extends PlatformReleaseProps {
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
    this.values = {
      installCRDs: true,
      // Deleting the CRDs would delete every Rollout with them.
      keepCRDs: true,
      controller: { replicas, metrics: { enabled: true, serviceMonitor: { enabled: props.serviceMonitor ?? false } } },
      dashboard: { enabled: props.dashboard ?? false },
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
