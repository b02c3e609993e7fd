/**
 * Capacity planning and autoscaling check. From a measured per-pod capacity
 * (requests per second one pod serves within its SLO, e.g. the knee of a
 * stress run against one instance) and the catalog's expected load, compute
 * the replicas each service needs at 1x/2x/5x when the HPA keeps pods at its
 * target utilisation, and check that HPA maximums, node group limits and
 * ResourceQuotas (when given) can hold the required multiple.
 */
import type { EnvironmentConfig } from "../../../config/schema";
import type { Service } from "../../../config/services";

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

/** A ResourceQuota on the services' namespace (sums of requests); each field is optional. */
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
  /** ResourceQuota of the services' namespace. @default - no quota check (none is in config/ yet) */
  readonly quota?: Quota;
  /** @default DEFAULT_DAEMONSET_OVERHEAD */
  readonly daemonSetOverhead?: DaemonSetOverhead;
}

/** Replicas of one service at each multiple. */
export interface ServicePlan {
  readonly service: string;
  readonly perPodRps: number;
  readonly rows: readonly { readonly multiple: number; readonly rps: number; readonly replicas: number }[];
  readonly maxReplicas: number;
  /** Replicas at the must-hold multiple are within the HPA maximum. */
  readonly holds: boolean;
}

/** One limit checked at the must-hold multiple. */
export interface LimitCheck {
  readonly check: string;
  readonly needed: number;
  readonly limit: number | undefined;
  readonly unit: string;
  readonly pass: boolean;
}

/** The capacity plan of one environment. */
export interface CapacityPlan {
  readonly env: string;
  readonly targetUtilization: number;
  readonly mustHold: number;
  readonly services: readonly ServicePlan[];
  readonly limits: readonly LimitCheck[];
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

/** Build the capacity plan of one environment. */
export function planCapacity(input: CapacityInput): CapacityPlan {
  const target = input.targetUtilization ?? 0.7;
  const multiples = input.multiples ?? [1, 2, 5];
  const mustHold = input.mustHold ?? 5;
  const overhead = input.daemonSetOverhead ?? DEFAULT_DAEMONSET_OVERHEAD;
  if (!(target > 0 && target <= 1)) throw new Error(`target utilisation must be in (0, 1]; got ${target}`);

  const plans: ServicePlan[] = input.services.map((s) => {
    const perPod = input.perPodRps[s.name];
    if (!(perPod > 0)) throw new Error(`no per-pod capacity for ${s.name}; give --per-pod-rps <n> or ${s.name}=<n>`);
    const rows = [...new Set([...multiples, mustHold])].sort((a, b) => a - b).map((multiple) => {
      const rps = s.slo.expectedRps * multiple;
      return { multiple, rps, replicas: replicasFor(rps, perPod, target, s.scaling.minReplicas) };
    });
    const atMust = rows.find((r) => r.multiple === mustHold)!.replicas;
    return { service: s.name, perPodRps: perPod, rows, maxReplicas: s.scaling.maxReplicas, holds: atMust <= s.scaling.maxReplicas };
  });

  // Pods at the must-hold multiple; the cluster must place them all at once.
  const pods = input.services.flatMap((s, i) => {
    const replicas = plans[i].rows.find((r) => r.multiple === mustHold)!.replicas;
    return Array.from({ length: replicas }, () => ({ cpuMillicores: s.resources.cpuMillicores, memoryMiB: s.resources.memoryMiB }));
  });
  const cpuNeeded = pods.reduce((a, p) => a + p.cpuMillicores, 0);
  const memNeeded = pods.reduce((a, p) => a + p.memoryMiB, 0);

  const limits: LimitCheck[] = plans.map((p) => {
    const needed = p.rows.find((r) => r.multiple === mustHold)!.replicas;
    return { check: `HPA maxReplicas ${p.service}`, needed, limit: p.maxReplicas, unit: "replicas", pass: p.holds };
  });

  // Node groups: a group with several instance types is counted at its smallest type.
  let cpuCapacity = 0;
  let memCapacity = 0;
  let podCapacity = 0;
  const groups = input.env.cluster.nodeGroups.map((g) => {
    const sizes = g.instanceTypes.map(allocatable);
    const node: NodeCapacity = {
      cpuMillicores: Math.min(...sizes.map((c) => c.cpuMillicores)) - overhead.cpuMillicores,
      memoryMiB: Math.min(...sizes.map((c) => c.memoryMiB)) - overhead.memoryMiB,
      pods: Math.min(...sizes.map((c) => c.pods)) - overhead.pods,
    };
    cpuCapacity += node.cpuMillicores * g.maxSize;
    memCapacity += node.memoryMiB * g.maxSize;
    podCapacity += node.pods * g.maxSize;
    return { group: g, node };
  });
  // Bin packing across several groups would need their scheduling rules (labels, taints); with one group
  // (every environment today) the check is exact up to first-fit decreasing.
  if (groups.length === 1) {
    const { group, node } = groups[0];
    const n = nodesNeeded(pods, node);
    limits.push({ check: `nodes in group ${group.name} (${group.instanceTypes.join("/")})`, needed: n, limit: group.maxSize, unit: "nodes", pass: n <= group.maxSize });
  }
  limits.push(
    { check: "CPU requests vs node groups at maxSize", needed: cpuNeeded, limit: cpuCapacity, unit: "millicores", pass: cpuNeeded <= cpuCapacity },
    { check: "memory requests vs node groups at maxSize", needed: memNeeded, limit: memCapacity, unit: "MiB", pass: memNeeded <= memCapacity },
    { check: "pods vs node groups at maxSize", needed: pods.length, limit: podCapacity, unit: "pods", pass: pods.length <= podCapacity },
  );
  const q = input.quota;
  if (q?.cpuMillicores !== undefined) limits.push({ check: "ResourceQuota requests.cpu", needed: cpuNeeded, limit: q.cpuMillicores, unit: "millicores", pass: cpuNeeded <= q.cpuMillicores });
  if (q?.memoryMiB !== undefined) limits.push({ check: "ResourceQuota requests.memory", needed: memNeeded, limit: q.memoryMiB, unit: "MiB", pass: memNeeded <= q.memoryMiB });
  if (q?.pods !== undefined) limits.push({ check: "ResourceQuota pods", needed: pods.length, limit: q.pods, unit: "pods", pass: pods.length <= q.pods });
  if (!q) limits.push({ check: "ResourceQuota (not given; none in config/ yet)", needed: 0, limit: undefined, unit: "", pass: true });

  return { env: input.env.name, targetUtilization: target, mustHold, services: plans, limits, pass: limits.every((l) => l.pass) };
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
    ...plan.limits.map((l) => `| ${l.check} | ${l.limit === undefined ? "-" : `${l.needed} ${l.unit}`} | ${l.limit === undefined ? "-" : `${l.limit} ${l.unit}`} | ${l.limit === undefined ? "skipped" : l.pass ? "ok" : "**too low**"} |`),
    "",
    "Replicas = max(minReplicas, ceil(load / (per-pod req/s x target utilisation))). Node capacity = EKS allocatable (kube-reserved, eviction threshold) minus the DaemonSet overhead per node; rolling-update surge is not included.",
    "",
  ];
  return lines.join("\n");
}
