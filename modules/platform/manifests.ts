/**
 * Kubernetes objects installed as a Helm release of the in-repo chart
 * `charts/manifests`. `kubernetes_manifest` needs a reachable API server at
 * plan time, so custom resources created the same run as the cluster (Karpenter
 * NodePools, ClusterIssuers, dashboards) go through Helm instead, which only
 * talks to the cluster at apply time.
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { platformRelease, type PlatformReleaseProps } from "./release";

/** Where `terraform` finds the chart: the stack runs in cdktf.out/stacks/<stack>/. */
export const MANIFESTS_CHART_PATH = "${path.root}/../../../charts/manifests";

/** A Kubernetes object: apiVersion, kind, metadata and any body. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface ManifestsProps extends PlatformReleaseProps {
  /** Release name, unique in the namespace. */
  readonly releaseName: string;
  /** Namespace of the release (objects without their own namespace land here). */
  readonly namespace: string;
  readonly manifests: readonly KubernetesObject[];
  /**
   * Path of the chart as Terraform sees it.
   * @default MANIFESTS_CHART_PATH - charts/manifests of this repository
   */
  readonly chartPath?: string;
}

/** A release of `charts/manifests` carrying the given objects. */
export class Manifests extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: ManifestsProps) {
    super(scope, id);
    const seen = new Set<string>();
    for (const m of props.manifests) {
      if (!m.apiVersion || !m.kind || !m.metadata?.name) {
        throw new Error(`Manifests ${props.releaseName}: an object is missing apiVersion, kind or metadata.name; got ${JSON.stringify(m).slice(0, 80)}`);
      }
      const key = `${m.kind}/${m.metadata.namespace ?? props.namespace}/${m.metadata.name}`;
      if (seen.has(key)) throw new Error(`Manifests ${props.releaseName}: ${key} appears twice; expected unique kind/namespace/name`);
      seen.add(key);
    }
    this.release = platformRelease(this, "release", {
      name: props.releaseName,
      repository: "",
      chart: props.chartPath ?? MANIFESTS_CHART_PATH,
      version: "0.1.0",
      namespace: props.namespace,
      values: { manifests: props.manifests },
      dependsOn: props.dependsOn,
      timeoutSeconds: props.timeoutSeconds ?? 300,
    });
  }
}
