/**
 * Vertical Pod Autoscaler (Fairwinds chart). Recommender only by default:
 * recommendations are read from VPA objects' status and applied through
 * reviewed requests; the updater (which evicts pods) and the admission
 * controller (which rewrites requests) are opt-in, because on a cluster that
 * also runs HPAs on CPU they fight each other. The environment stack turns
 * both on when a service of the environment opts into VPA "auto" (its VPA
 * then controls memory only and its HPA scales on CPU only). The chart
 * registers the admission webhook itself, with failurePolicy Ignore.
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { platformRelease, priorityClassOf, type ChartRef, type PlatformPriorityProps, type PlatformReleaseProps } from "./release";

export const VPA_CHART: ChartRef = { repository: "https://charts.fairwinds.com/stable", chart: "vpa", version: "4.7.2" };

/** Values Groundwork sets on the vpa chart. */
export interface VerticalPodAutoscalerValues {
  /** The class of every VPA pod (recommender, updater, admission controller). */
  readonly priorityClassName: string;
  readonly recommender: { readonly enabled: boolean; readonly replicaCount: number };
  readonly updater: { readonly enabled: boolean };
  readonly admissionController: { readonly enabled: boolean };
}

export interface VerticalPodAutoscalerProps extends PlatformReleaseProps, PlatformPriorityProps {
  /**
   * Run the updater, which evicts pods whose requests drift from the recommendation.
   * @default false
   */
  readonly updater?: boolean;
  /**
   * Run the admission controller, which rewrites pod requests at creation.
   * @default false
   */
  readonly admissionController?: boolean;
}

/** The VPA recommender, with the updater and admission controller off unless asked for. */
export class VerticalPodAutoscaler extends Construct {
  readonly release: Release;
  readonly values: VerticalPodAutoscalerValues;

  constructor(scope: Construct, id: string, props: VerticalPodAutoscalerProps = {}) {
    super(scope, id);
    if (props.updater && !props.admissionController) {
      // The updater evicts pods; without the admission controller they restart with the same requests.
      throw new Error("VerticalPodAutoscaler: updater is true but admissionController is false; expected both on, or the updater off");
    }
    this.values = {
      priorityClassName: priorityClassOf("VerticalPodAutoscaler", props),
      recommender: { enabled: true, replicaCount: 1 },
      updater: { enabled: props.updater ?? false },
      admissionController: { enabled: props.admissionController ?? false },
    };
    this.release = platformRelease(this, "release", {
      ...VPA_CHART,
      name: "vpa",
      namespace: props.namespace ?? "vpa",
      values: this.values,
      dependsOn: props.dependsOn,
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
