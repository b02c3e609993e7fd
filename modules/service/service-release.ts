import { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { renderValues } from "../platform/release";
import type { MicroserviceValues } from "./values";

/** The in-repo chart, relative to the synthesized stack directory (`cdktf.out/stacks/<stack>`). */
const CHART_PATH = "${path.root}/../../../charts/microservice";

export interface ServiceReleaseProps {
  /** Values from `microserviceValues(...)`; the release installs into `values.namespace`. */
  readonly values: MicroserviceValues;
  /**
   * Seconds Helm waits for the release's resources.
   * @default 600
   */
  readonly timeoutSeconds?: number;
  /** @default - no explicit dependencies */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * One catalog service deployed with `charts/microservice` into its own
 * namespace. A failed install or upgrade rolls back (`atomic`); traffic moves
 * to a new version only through the Rollout's blue-green promotion.
 */
export class ServiceRelease extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: ServiceReleaseProps) {
    super(scope, id);
    const timeout = props.timeoutSeconds ?? 600;
    if (!Number.isInteger(timeout) || timeout < 60 || timeout > 3600) {
      throw new Error(`ServiceRelease ${props.values.name}: timeoutSeconds is ${timeout}; expected an integer from 60 to 3600`);
    }
    this.release = new Release(this, "release", {
      name: props.values.name,
      chart: CHART_PATH,
      namespace: props.values.namespace,
      // The namespace, its quota and limits are created by ServiceNamespace.
      createNamespace: false,
      atomic: true,
      wait: true,
      cleanupOnFail: true,
      timeout,
      maxHistory: 10,
      values: [renderValues(props.values)],
      dependsOn: props.dependsOn,
    });
  }
}
