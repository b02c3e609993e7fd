import { LimitRangeV1 } from "@cdktf/provider-kubernetes/lib/limit-range-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { maxReplicasIn, type Service } from "../../config/services";

export interface ServiceNamespaceProps {
  /** Namespace name; one per service. */
  readonly name: string;
  /** CPU request of one pod, in millicores. */
  readonly podCpuMillicores: number;
  /** Memory request of one pod, in MiB. */
  readonly podMemoryMiB: number;
  /** The most pods the service's autoscaler may run. */
  readonly maxReplicas: number;
  /**
   * Headroom over `maxReplicas`: blue-green rollouts run a full preview set
   * beside the active one, so the default doubles it.
   * @default 2
   */
  readonly rolloutFactor?: number;
  /** @default - no explicit dependencies */
  readonly dependsOn?: ITerraformDependable[];
}

/** The hard limits of a service namespace's ResourceQuota (sums of requests). */
export interface NamespaceQuota {
  readonly pods: number;
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
}

/**
 * The ResourceQuota numbers `ServiceNamespace` sets: room for
 * `ceil(maxReplicas * rolloutFactor)` pods plus 2, and their CPU and memory
 * requests plus 25 %. Pure, so capacity checks (tests/performance) use the
 * very numbers the stacks create.
 */
export function namespaceQuota(props: Pick<ServiceNamespaceProps, "podCpuMillicores" | "podMemoryMiB" | "maxReplicas" | "rolloutFactor">): NamespaceQuota {
  const factor = props.rolloutFactor ?? 2;
  if (!(factor >= 1)) throw new Error(`namespaceQuota: rolloutFactor is ${factor}; expected a number >= 1`);
  if (!Number.isInteger(props.maxReplicas) || props.maxReplicas < 1) throw new Error(`namespaceQuota: maxReplicas is ${props.maxReplicas}; expected a whole number >= 1`);
  const pods = Math.ceil(props.maxReplicas * factor);
  // Room for the Vault agent sidecar and short-lived jobs beside the service's own pods.
  const overhead = 1.25;
  return {
    pods: pods + 2,
    cpuMillicores: Math.ceil(pods * props.podCpuMillicores * overhead),
    memoryMiB: Math.ceil(pods * props.podMemoryMiB * overhead),
  };
}

/**
 * The quota of `service`'s namespace in an environment whose HPA maximums are
 * capped at `maxReplicasCap` (`services.maxReplicasCap`), as the environment
 * stack sizes it: the HPA maximum is `min(scaling.maxReplicas, maxReplicasCap)`.
 */
export function serviceQuota(service: Pick<Service, "resources" | "scaling">, maxReplicasCap: number): NamespaceQuota {
  return namespaceQuota({
    podCpuMillicores: service.resources.cpuMillicores,
    podMemoryMiB: service.resources.memoryMiB,
    maxReplicas: maxReplicasIn(service, maxReplicasCap),
  });
}

/**
 * A service's namespace, labelled for Pod Security `restricted`, with a
 * ResourceQuota sized to hold the service at its autoscaling maximum during a
 * blue-green rollout, and a LimitRange so no container runs unbounded.
 */
export class ServiceNamespace extends Construct {
  readonly name: string;
  /** The namespace resource, for releases that install into it. */
  readonly namespace: NamespaceV1;
  /** The hard limits the quota sets, for capacity checks. */
  readonly quota: NamespaceQuota;

  constructor(scope: Construct, id: string, props: ServiceNamespaceProps) {
    super(scope, id);
    const factor = props.rolloutFactor ?? 2;
    if (!(factor >= 1)) throw new Error(`ServiceNamespace ${props.name}: rolloutFactor is ${factor}; expected a number >= 1`);
    if (!Number.isInteger(props.maxReplicas) || props.maxReplicas < 1) {
      throw new Error(`ServiceNamespace ${props.name}: maxReplicas is ${props.maxReplicas}; expected a whole number >= 1`);
    }
    this.quota = namespaceQuota({ ...props, rolloutFactor: factor });

    const namespace = (this.namespace = new NamespaceV1(this, "namespace", {
      metadata: {
        name: props.name,
        labels: {
          "app.kubernetes.io/part-of": "groundwork",
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
          // ALB target health gates pod readiness, so a blue-green switch never routes to unregistered pods.
          "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled",
        },
      },
      dependsOn: props.dependsOn,
    }));
    this.name = namespace.metadata.name;

    new ResourceQuotaV1(this, "quota", {
      metadata: { name: "service-quota", namespace: this.name },
      spec: {
        hard: {
          pods: String(this.quota.pods),
          "requests.cpu": `${this.quota.cpuMillicores}m`,
          "requests.memory": `${this.quota.memoryMiB}Mi`,
          "limits.cpu": `${this.quota.cpuMillicores * 2}m`,
          "limits.memory": `${this.quota.memoryMiB}Mi`,
          "services.loadbalancers": "0",
          "services.nodeports": "0",
        },
      },
    });
    new LimitRangeV1(this, "limits", {
      metadata: { name: "container-limits", namespace: this.name },
      spec: {
        limit: [
          {
            type: "Container",
            defaultRequest: { cpu: "100m", memory: "128Mi" },
            default: { cpu: "500m", memory: "512Mi" },
            max: { cpu: `${props.podCpuMillicores * 2}m`, memory: `${Math.max(props.podMemoryMiB, 512)}Mi` },
          },
        ],
      },
    });
  }
}
