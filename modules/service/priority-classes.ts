import { PriorityClassV1 } from "@cdktf/provider-kubernetes/lib/priority-class-v1";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

/** Names of the priority classes platform add-ons and services run under. */
export const PRIORITY_CLASSES = { platform: "groundwork-platform", services: "groundwork-services" } as const;

export interface PriorityClassesProps {
  /** @default - no explicit dependencies */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Platform add-ons (ingress, DNS, autoscaling, monitoring, Vault) outrank the
 * services, so under pressure the scheduler evicts services, not the things
 * that keep them observable and reachable.
 */
export class PriorityClasses extends Construct {
  /** Both classes, for releases whose pods name them. */
  readonly classes: PriorityClassV1[];
  /** `groundwork-platform`: platform releases whose pods name it depend on it. */
  readonly platform: PriorityClassV1;
  /** `groundwork-services`: the catalog's services. */
  readonly services: PriorityClassV1;

  constructor(scope: Construct, id: string, props: PriorityClassesProps = {}) {
    super(scope, id);
    this.platform = new PriorityClassV1(this, "platform", {
      metadata: { name: PRIORITY_CLASSES.platform },
      value: 1_000_000,
      description: "Groundwork platform add-ons: ingress, DNS, autoscaling, monitoring, secrets",
      preemptionPolicy: "PreemptLowerPriority",
      dependsOn: props.dependsOn,
    });
    this.services = new PriorityClassV1(this, "services", {
      metadata: { name: PRIORITY_CLASSES.services },
      value: 100_000,
      globalDefault: false,
      description: "Groundwork application services",
      preemptionPolicy: "PreemptLowerPriority",
      dependsOn: props.dependsOn,
    });
    this.classes = [this.platform, this.services];
  }
}
