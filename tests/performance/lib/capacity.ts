/**
 * Capacity planning and autoscaling check. From a measured per-pod capacity
 * (requests per second one pod serves within its SLO, e.g. the knee of a
 * stress run against one instance) and the catalog's expected load, compute
 * the replicas each service needs at 1x/2x/5x when the HPA keeps pods at its
 * target utilisation, and check that the HPA maximums, the ResourceQuotas of
 * the service namespaces (derived exactly as the stacks derive them), the
 * managed node groups and Karpenter's limits can hold the required multiple.
 */
import type { EnvironmentConfig } from "../../../config/schema";
import { maxReplicasIn, type Service } from "../../../config/services";
import { serviceQuota } from "../../../modules/service/namespace";

/** EC2 instance types used in config/, with EKS's default max pods (VPC CNI without prefix delegation). */
export const INSTANCE_TYPES = {
  "m6i.large": { vcpu: 2, memoryGiB: 8, maxPods: 29 },
  "m6a.large": { vcpu: 2, memoryGiB: 8, maxPods: 29 },
  "m6i.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58 },
  "m6i.2xlarge": { vcpu: 8, memoryGiB: 32, maxPods: 58 },
} as const satisfies Record<string, { vcpu: number; memoryGiB: number; maxPods: number }>;
export type InstanceType = keyof typeof INSTANCE_TYPES;

/** Resources on one node that pods can request. */
export interface NodeCapacity {
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
  readonly pods: number;
}

/** Requests of what runs on every node besides the services (aws-node, kube-proxy, EBS CSI node, node exporter, log shipper). */
export interface DaemonSetOverhead {
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
  readonly pods: number;
}

/** A typical sum of the platform DaemonSets' requests per node; pass your own when the platform's charts change. */
export const DEFAULT_DAEMONSET_OVERHEAD: DaemonSetOverhead = { cpuMillicores: 250, memoryMiB: 512, pods: 5 };

/**
 * Allocatable resources of an instance type as the EKS-optimised AMI's
 * bootstrap reserves them: kube-reserved CPU of 6 % of the first core, 1 % of
 * the second, 0.5 % of cores 3-4 and 0.25 % above; kube-reserved memory of
 * 255 MiB + 11 MiB per pod; 100 MiB hard eviction threshold.
 */
export function allocatable(type: string): NodeCapacity {
  const spec = (INSTANCE_TYPES as Record<string, { vcpu: number; memoryGiB: number; maxPods: number }>)[type];
  if (!spec) throw new Error(`instance type ${type} is not in the capacity table; expected one of ${Object.keys(INSTANCE_TYPES).join(", ")}`);
  const cores = spec.vcpu;
  const reservedCpu = 60 + (cores > 1 ? 10 : 0) + Math.min(Math.max(cores - 2, 0), 2) * 5 + Math.max(cores - 4, 0) * 2.5;
  const reservedMem = 255 + 11 * spec.maxPods + 100;
  return { cpuMillicores: cores * 1000 - reservedCpu, memoryMiB: spec.memoryGiB * 1024 - reservedMem, pods: spec.maxPods };
}

/** A ResourceQuota on a service's namespace (sums of requests); each field is optional. */
export interface Quota {
  readonly cpuMillicores?: number;
  readonly memoryMiB?: number;
  readonly pods?: number;
}

/** Inputs of a capacity plan for one environment. */
export interface CapacityInput {
  readonly env: EnvironmentConfig;
  readonly services: readonly Service[];
  /** Measured requests per second one pod serves within its SLO, per service name. */
  readonly perPodRps: Readonly<Record<string, number>>;
  /** HPA target CPU utilisation. @default 0.7 */
  readonly targetUtilization?: number;
  /** Load multiples to plan. @default [1, 2, 5] */
  readonly multiples?: readonly number[];
  /** The multiple the limits must hold. @default 5 */
  readonly mustHold?: number;
  /**
   * ResourceQuota of every service's namespace, for what-if checks.
   * @default - each namespace's quota as the stacks create it (`serviceQuota` of modules/service/namespace.ts)
   */
  readonly quota?: Quota;
  /** @default DEFAULT_DAEMONSET_OVERHEAD */
  readonly daemonSetOverhead?: DaemonSetOverhead;
}

/** Replicas of one service at each multiple. */
export interface ServicePlan {
  readonly service: string;
  readonly perPodRps: number;
  readonly rows: readonly { readonly multiple: number; readonly rps: number; readonly replicas: number }[];
  /** The HPA maximum the stacks deploy: `min(scaling.maxReplicas, services.maxReplicasCap)`. */
  readonly maxReplicas: number;
  /** The ResourceQuota of the service's namespace that was checked. */
  readonly quota: Quota;
  /** Replicas at the must-hold multiple are within the HPA maximum. */
  readonly holds: boolean;
}

/** One limit checked at the must-hold multiple. */
export interface LimitCheck {
  readonly check: string;
  readonly needed: number;
  readonly limit: number;
  readonly unit: string;
  readonly pass: boolean;
  /** Where the limit comes from (a config path or the resource that sets it), named when it is too low. */
  readonly source: string;
  /** How a limit that is exceeded is still met (pods beyond a node group's maxSize go to Karpenter). */
  readonly note?: string;
}

/** The capacity plan of one environment. */
export interface CapacityPlan {
  readonly env: string;
  readonly targetUtilization: number;
  readonly mustHold: number;
  readonly services: readonly ServicePlan[];
  readonly limits: readonly LimitCheck[];
  /** One line per limit that cannot hold the must-hold multiple, naming it. */
  readonly failures: readonly string[];
  readonly pass: boolean;
}

/**
 * Replicas needed to serve `rps` when each pod is kept at `targetUtilization`
 * of its measured capacity, never fewer than `minReplicas`:
 * `max(minReplicas, ceil(rps / (perPodRps * targetUtilization)))`.
 */
export function replicasFor(rps: number, perPodRps: number, targetUtilization: number, minReplicas: number): number {
  const raw = rps / (perPodRps * targetUtilization);
  return Math.max(minReplicas, Math.ceil(raw - 1e-9));
}

/** Nodes needed to place `pods` (first-fit decreasing on CPU, then memory), each node offering `node`. */
export function nodesNeeded(pods: readonly { cpuMillicores: number; memoryMiB: number }[], node: NodeCapacity): number {
  const sorted = [...pods].sort((a, b) => b.cpuMillicores - a.cpuMillicores || b.memoryMiB - a.memoryMiB);
  const bins: { cpu: number; mem: number; pods: number }[] = [];
  for (const p of sorted) {
    if (p.cpuMillicores > node.cpuMillicores || p.memoryMiB > node.memoryMiB || node.pods < 1) return Infinity;
    const bin = bins.find((b) => b.cpu >= p.cpuMillicores && b.mem >= p.memoryMiB && b.pods >= 1);
    if (bin) {
      bin.cpu -= p.cpuMillicores;
      bin.mem -= p.memoryMiB;
      bin.pods -= 1;
    } else bins.push({ cpu: node.cpuMillicores - p.cpuMillicores, mem: node.memoryMiB - p.memoryMiB, pods: node.pods - 1 });
  }
  return bins.length;
}

/**
 * First-fit decreasing (CPU, then memory) onto at most `maxNodes` nodes; pods
 * that fit on none of them are returned as `overflow`.
 */
export function placeOnNodes<P extends { cpuMillicores: number; memoryMiB: number }>(pods: readonly P[], node: NodeCapacity, maxNodes: number): { nodes: number; overflow: P[] } {
  const sorted = [...pods].sort((a, b) => b.cpuMillicores - a.cpuMillicores || b.memoryMiB - a.memoryMiB);
  const bins: { cpu: number; mem: number; pods: number }[] = [];
  const overflow: P[] = [];
  for (const p of sorted) {
    const bin = bins.find((b) => b.cpu >= p.cpuMillicores && b.mem >= p.memoryMiB && b.pods >= 1);
    if (bin) {
      bin.cpu -= p.cpuMillicores;
      bin.mem -= p.memoryMiB;
      bin.pods -= 1;
    } else if (bins.length < maxNodes && p.cpuMillicores <= node.cpuMillicores && p.memoryMiB <= node.memoryMiB && node.pods >= 1) {
      bins.push({ cpu: node.cpuMillicores - p.cpuMillicores, mem: node.memoryMiB - p.memoryMiB, pods: node.pods - 1 });
    } else overflow.push(p);
  }
  return { nodes: bins.length, overflow };
}

/** Build the capacity plan of one environment. */
export function planCapacity(input: CapacityInput): CapacityPlan {
  const target = input.targetUtilization ?? 0.7;
  const multiples = input.multiples ?? [1, 2, 5];
  const mustHold = input.mustHold ?? 5;
  const overhead = input.daemonSetOverhead ?? DEFAULT_DAEMONSET_OVERHEAD;
  const cap = input.env.services.maxReplicasCap;
  if (!(target > 0 && target <= 1)) throw new Error(`target utilisation must be in (0, 1]; got ${target}`);

  const plans: ServicePlan[] = input.services.map((s) => {
    const perPod = input.perPodRps[s.name];
    if (!(perPod > 0)) throw new Error(`no per-pod capacity for ${s.name}; give --per-pod-rps <n> or ${s.name}=<n>`);
    // What the stacks deploy (modules/service/values.ts): both HPA bounds capped by services.maxReplicasCap.
    const maxReplicas = maxReplicasIn(s, cap);
    const minReplicas = Math.min(s.scaling.minReplicas, maxReplicas);
    const rows = [...new Set([...multiples, mustHold])].sort((a, b) => a - b).map((multiple) => {
      const rps = s.slo.expectedRps * multiple;
      return { multiple, rps, replicas: replicasFor(rps, perPod, target, minReplicas) };
    });
    const atMust = rows.find((r) => r.multiple === mustHold)!.replicas;
    return { service: s.name, perPodRps: perPod, rows, maxReplicas, quota: input.quota ?? serviceQuota(s, cap), holds: atMust <= maxReplicas };
  });
  const replicasAtMust = (i: number) => plans[i].rows.find((r) => r.multiple === mustHold)!.replicas;

  const limits: LimitCheck[] = [];
  input.services.forEach((s, i) => {
    const p = plans[i];
    const n = replicasAtMust(i);
    limits.push({
      check: `HPA maxReplicas ${p.service}`,
      needed: n,
      limit: p.maxReplicas,
      unit: "replicas",
      pass: p.holds,
      source: `min(scaling.maxReplicas ${s.scaling.maxReplicas}, services.maxReplicasCap ${cap})`,
    });
  });
  // Each service runs in its own namespace (ServiceNamespace), so each quota holds one service's pods.
  const quotaSource = input.quota ? "--quota" : "ServiceNamespace quota";
  input.services.forEach((s, i) => {
    const q = plans[i].quota;
    const n = replicasAtMust(i);
    const rows: [string, number, number | undefined, string][] = [
      ["pods", n, q.pods, "pods"],
      ["requests.cpu", n * s.resources.cpuMillicores, q.cpuMillicores, "millicores"],
      ["requests.memory", n * s.resources.memoryMiB, q.memoryMiB, "MiB"],
    ];
    for (const [field, needed, limit, unit] of rows) {
      if (limit === undefined) continue;
      limits.push({ check: `ResourceQuota ${s.name} ${field}`, needed, limit, unit, pass: needed <= limit, source: `${quotaSource} ${field} of namespace ${s.name}` });
    }
  });

  // Pods at the must-hold multiple; the cluster must place them all at once.
  const pods = input.services.flatMap((s, i) => Array.from({ length: replicasAtMust(i) }, () => ({ cpuMillicores: s.resources.cpuMillicores, memoryMiB: s.resources.memoryMiB })));
  const cpuNeeded = pods.reduce((a, p) => a + p.cpuMillicores, 0);
  const memNeeded = pods.reduce((a, p) => a + p.memoryMiB, 0);

  // Managed node groups at maxSize; a group with several instance types is counted at its smallest type.
  let cpuCapacity = 0;
  let memCapacity = 0;
  // Karpenter's limits count its instances' capacity, of which kube-reserved and the DaemonSets take a share:
  // its nodes are assumed to leave requests the same share as the managed groups' least efficient type.
  let cpuShare = 1;
  let memShare = 1;
  const groups = input.env.cluster.nodeGroups.map((g) => {
    const sizes = g.instanceTypes.map(allocatable);
    const node: NodeCapacity = {
      cpuMillicores: Math.min(...sizes.map((c) => c.cpuMillicores)) - overhead.cpuMillicores,
      memoryMiB: Math.min(...sizes.map((c) => c.memoryMiB)) - overhead.memoryMiB,
      pods: Math.min(...sizes.map((c) => c.pods)) - overhead.pods,
    };
    for (const type of g.instanceTypes) {
      const spec = INSTANCE_TYPES[type as InstanceType];
      cpuShare = Math.min(cpuShare, (allocatable(type).cpuMillicores - overhead.cpuMillicores) / (spec.vcpu * 1000));
      memShare = Math.min(memShare, (allocatable(type).memoryMiB - overhead.memoryMiB) / (spec.memoryGiB * 1024));
    }
    cpuCapacity += node.cpuMillicores * g.maxSize;
    memCapacity += node.memoryMiB * g.maxSize;
    return { group: g, node };
  });
  const karpenter = input.env.platform.karpenter.limits;
  const karpenterCpu = Math.floor(karpenter.cpu * 1000 * cpuShare + 1e-6);
  const karpenterMem = Math.floor(karpenter.memoryGiB * 1024 * memShare + 1e-6);

  // What the node groups cannot place goes to Karpenter. Bin packing across several groups would need their
  // scheduling rules (labels, taints); with one group (every environment today) it is exact up to first-fit decreasing.
  let overflowCpu: number;
  let overflowMem: number;
  let nodeRow: LimitCheck | undefined;
  if (groups.length === 1) {
    const { group, node } = groups[0];
    const n = nodesNeeded(pods, node);
    const { overflow } = placeOnNodes(pods, node, group.maxSize);
    overflowCpu = overflow.reduce((a, p) => a + p.cpuMillicores, 0);
    overflowMem = overflow.reduce((a, p) => a + p.memoryMiB, 0);
    nodeRow = {
      check: `nodes in group ${group.name} (${group.instanceTypes.join("/")})`,
      needed: n,
      limit: group.maxSize,
      unit: "nodes",
      pass: n <= group.maxSize,
      source: `cluster.nodeGroups ${group.name} maxSize`,
      ...(overflow.length ? { note: `${overflow.length} pod(s) beyond maxSize` } : {}),
    };
  } else {
    overflowCpu = Math.max(0, cpuNeeded - cpuCapacity);
    overflowMem = Math.max(0, memNeeded - memCapacity);
  }
  const karpenterRows: LimitCheck[] = [
    {
      check: "CPU requests beyond the node groups vs Karpenter's limit",
      needed: overflowCpu,
      limit: karpenterCpu,
      unit: "millicores",
      pass: overflowCpu <= karpenterCpu,
      source: `platform.karpenter.limits.cpu (${karpenter.cpu} cores, ${Math.round(cpuShare * 1000) / 10} % requestable)`,
    },
    {
      check: "memory requests beyond the node groups vs Karpenter's limit",
      needed: overflowMem,
      limit: karpenterMem,
      unit: "MiB",
      pass: overflowMem <= karpenterMem,
      source: `platform.karpenter.limits.memoryGiB (${karpenter.memoryGiB} GiB, ${Math.round(memShare * 1000) / 10} % requestable)`,
    },
  ];
  const karpenterHolds = karpenterRows.every((r) => r.pass);
  // A node group too small is fine while Karpenter's limits take the rest.
  if (nodeRow) {
    if (nodeRow.pass) limits.push(nodeRow);
    else limits.push({ ...nodeRow, pass: karpenterHolds, note: `${nodeRow.note} ${karpenterHolds ? "go to Karpenter" : "and Karpenter's limits cannot take them"}` });
  }
  limits.push(...karpenterRows);

  const failures = limits
    .filter((l) => !l.pass)
    .map((l) => `${input.env.name}: ${l.check} cannot hold ${mustHold}x: needs ${l.needed} ${l.unit}, ${l.source} allows ${l.limit} ${l.unit}${l.note ? ` (${l.note})` : ""}`);
  return { env: input.env.name, targetUtilization: target, mustHold, services: plans, limits, failures, pass: failures.length === 0 };
}

/** The plan as a Markdown report. */
export function capacityMarkdown(plan: CapacityPlan): string {
  const mult = plan.services[0]?.rows.map((r) => r.multiple) ?? [];
  const lines = [
    `# Capacity plan: ${plan.env}`,
    "",
    `HPA target utilisation ${Math.round(plan.targetUtilization * 100)} %; limits checked at ${plan.mustHold}x the catalog's expected load. Result: **${plan.pass ? "PASS" : "FAIL"}**.`,
    "",
    `| service | per-pod req/s | ${mult.map((m) => `${m}x req/s | ${m}x replicas`).join(" | ")} | HPA max | holds ${plan.mustHold}x |`,
    `|---|---:|${mult.map(() => "---:|---:").join("|")}|---:|---|`,
    ...plan.services.map(
      (s) => `| ${s.service} | ${s.perPodRps} | ${s.rows.map((r) => `${r.rps} | ${r.replicas}`).join(" | ")} | ${s.maxReplicas} | ${s.holds ? "yes" : "**no**"} |`,
    ),
    "",
    `## Limits at ${plan.mustHold}x`,
    "",
    "| check | needed | limit | result |",
    "|---|---:|---:|---|",
    ...plan.limits.map((l) => `| ${l.check} | ${l.needed} ${l.unit} | ${l.limit} ${l.unit} | ${!l.pass ? "**too low**" : l.note ? `ok: ${l.note}` : "ok"} |`),
    "",
    ...(plan.failures.length ? ["## Too low", "", ...plan.failures.map((f) => `- ${f}`), ""] : []),
    "Replicas = max(minReplicas, ceil(load / (per-pod req/s x target utilisation))), with both HPA bounds capped by `services.maxReplicasCap`. " +
      "ResourceQuotas are each service namespace's, as `ServiceNamespace` derives them. Node capacity = EKS allocatable (kube-reserved, eviction threshold) " +
      "minus the DaemonSet overhead per node; pods the node groups cannot place at maxSize go to Karpenter, whose limits count instance capacity " +
      "and are reduced to the share the node groups' nodes leave for requests. Rolling-update surge is not included.",
    "",
  ];
  return lines.join("\n");
}
