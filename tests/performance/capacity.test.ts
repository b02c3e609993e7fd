import { describe, expect, it } from "vitest";
import { environments } from "../../config";
import type { EnvironmentConfig } from "../../config/schema";
import { services, type Service } from "../../config/services";
import { namespaceQuota, serviceQuota } from "../../modules/service/namespace";
import { synthEnvironment } from "../helpers/synth";
import { allocatable, capacityMarkdown, nodesNeeded, placeOnNodes, planCapacity, replicasFor } from "./lib/capacity";

const prod = environments.find((e) => e.name === "prod")!;

/** Two synthetic services so the hand-worked example does not move when the catalog does. */
const base = services[0];
const web: Service = { ...base, name: "web", resources: { cpuMillicores: 500, memoryMiB: 512 }, scaling: { minReplicas: 2, maxReplicas: 10 }, slo: { ...base.slo, expectedRps: 1000 } };
const worker: Service = { ...base, name: "worker", resources: { cpuMillicores: 1000, memoryMiB: 1024 }, scaling: { minReplicas: 2, maxReplicas: 6 }, slo: { ...base.slo, expectedRps: 500 } };
const group = (maxSize: number) => ({ ...prod.cluster.nodeGroups[0], name: "general", instanceTypes: ["m6i.xlarge"], minSize: 1, desiredSize: 1, maxSize });
/** prod with one m6i.xlarge group of `maxSize`, Karpenter limits and a replica cap (prod's unless given). */
const env = (maxSize: number, over: { karpenter?: { cpu: number; memoryGiB: number }; cap?: number } = {}): EnvironmentConfig => ({
  ...prod,
  cluster: { ...prod.cluster, nodeGroups: [group(maxSize)] },
  services: { ...prod.services, maxReplicasCap: over.cap ?? prod.services.maxReplicasCap },
  platform: { ...prod.platform, karpenter: { ...prod.platform.karpenter, limits: over.karpenter ?? { cpu: 256, memoryGiB: 1024 } } },
});
const failing = (plan: ReturnType<typeof planCapacity>) => plan.limits.filter((l) => !l.pass).map((l) => [l.check, l.needed, l.limit]);

describe("capacity plan: hand-worked example", () => {
  // Inputs: web 1000 req/s expected, 1000 req/s per pod, min 2 / max 10, 500m / 512 MiB;
  //         worker 500 req/s expected, 600 req/s per pod, min 2 / max 6, 1000m / 1024 MiB;
  //         HPA target 70 %, so a pod carries 0.7 x its capacity: web 700, worker 420 req/s.
  // Replicas = max(min, ceil(load / carried)); prod's maxReplicasCap 50 caps neither maximum:
  //   web    1x: 1000/700 = 1.43 -> 2;  2x: 2000/700 = 2.86 -> 3;  5x: 5000/700 = 7.14 -> 8   (<= 10)
  //   worker 1x:  500/420 = 1.19 -> 2;  2x: 1000/420 = 2.38 -> 3;  5x: 2500/420 = 5.95 -> 6  (<= 6)
  // Namespace quotas (ServiceNamespace: ceil(max x 2) pods + 2, requests x 1.25):
  //   web    20 pods -> 22 pods, 20 x 500 x 1.25 = 12500m, 20 x 512 x 1.25 = 12800 MiB; 5x needs 8 pods, 4000m, 4096 MiB
  //   worker 12 pods -> 14 pods, 12 x 1000 x 1.25 = 15000m, 12 x 1024 x 1.25 = 15360 MiB; 5x needs 6 pods, 6000m, 6144 MiB
  // Node m6i.xlarge (4 vCPU, 16 GiB, 58 pods), EKS reservations:
  //   CPU 4000 - (60 + 10 + 5 + 5) = 3920m; memory 16384 - (255 + 11 x 58) - 100 = 15391 MiB;
  //   minus DaemonSets 250m / 512 MiB / 5 pods -> 3670m, 14879 MiB, 53 pods per node.
  // At 5x: 8 web + 6 worker pods = 14 pods, CPU 8x500 + 6x1000 = 10000m, memory 8x512 + 6x1024 = 10240 MiB.
  // First-fit decreasing: node 1 = 3 workers (3000m) + 1 web (3500m); node 2 = the same;
  //   node 3 = the other 6 webs (3000m): 3 nodes. With maxSize 2 the 6 webs (3000m, 3072 MiB) go to Karpenter.
  // Karpenter's limits count instance capacity; a node like the group's leaves 3670/4000 = 91.75 % of its CPU and
  //   14879/16384 of its memory for requests: prod's 256 cores / 1024 GiB (64 such nodes) -> 64 x 3670 = 234880m,
  //   64 x 14879 = 952256 MiB; 2 cores / 64 GiB -> 1835m, 4 x 14879 = 59516 MiB.
  const perPodRps = { web: 1000, worker: 600 };

  it("computes allocatable node resources", () => {
    expect(allocatable("m6i.xlarge")).toEqual({ cpuMillicores: 3920, memoryMiB: 15391, pods: 58 });
    expect(allocatable("m6i.2xlarge")).toEqual({ cpuMillicores: 7910, memoryMiB: 31775, pods: 58 });
    expect(allocatable("m6i.large")).toEqual({ cpuMillicores: 1930, memoryMiB: 7518, pods: 29 });
    expect(() => allocatable("t3.nano")).toThrow("instance type t3.nano is not in the capacity table; expected one of m6i.large, m6a.large, m6i.xlarge, m6i.2xlarge");
  });

  it("computes replicas at 1x/2x/5x and passes when maxSize 3 holds 5x", () => {
    const plan = planCapacity({ env: env(3), services: [web, worker], perPodRps });
    expect(plan.services.map((s) => [s.service, s.rows.map((r) => r.replicas)])).toEqual([
      ["web", [2, 3, 8]],
      ["worker", [2, 3, 6]],
    ]);
    expect(plan.limits.map((l) => [l.check, l.needed, l.limit, l.pass])).toEqual([
      ["HPA maxReplicas web", 8, 10, true],
      ["HPA maxReplicas worker", 6, 6, true],
      ["ResourceQuota web pods", 8, 22, true],
      ["ResourceQuota web requests.cpu", 4000, 12500, true],
      ["ResourceQuota web requests.memory", 4096, 12800, true],
      ["ResourceQuota worker pods", 6, 14, true],
      ["ResourceQuota worker requests.cpu", 6000, 15000, true],
      ["ResourceQuota worker requests.memory", 6144, 15360, true],
      ["nodes in group general (m6i.xlarge)", 3, 3, true],
      ["CPU requests beyond the node groups vs Karpenter's limit", 0, 234880, true],
      ["memory requests beyond the node groups vs Karpenter's limit", 0, 952256, true],
    ]);
    expect(plan.failures).toEqual([]);
    expect(plan.pass).toBe(true);
  });

  it("passes when the node group's maxSize is too low but Karpenter's limits take the rest", () => {
    const plan = planCapacity({ env: env(2), services: [web, worker], perPodRps });
    expect(plan.limits.slice(-3).map((l) => [l.check, l.needed, l.limit, l.pass, l.note])).toEqual([
      ["nodes in group general (m6i.xlarge)", 3, 2, true, "6 pod(s) beyond maxSize go to Karpenter"],
      ["CPU requests beyond the node groups vs Karpenter's limit", 3000, 234880, true, undefined],
      ["memory requests beyond the node groups vs Karpenter's limit", 3072, 952256, true, undefined],
    ]);
    expect(plan.pass).toBe(true);
  });

  it("fails when neither the node group nor Karpenter's CPU limit holds 5x, naming the limit", () => {
    const plan = planCapacity({ env: env(2, { karpenter: { cpu: 2, memoryGiB: 64 } }), services: [web, worker], perPodRps });
    expect(failing(plan)).toEqual([
      ["nodes in group general (m6i.xlarge)", 3, 2],
      ["CPU requests beyond the node groups vs Karpenter's limit", 3000, 1835],
    ]);
    expect(plan.failures).toEqual([
      "prod: nodes in group general (m6i.xlarge) cannot hold 5x: needs 3 nodes, cluster.nodeGroups general maxSize allows 2 nodes (6 pod(s) beyond maxSize and Karpenter's limits cannot take them)",
      "prod: CPU requests beyond the node groups vs Karpenter's limit cannot hold 5x: needs 3000 millicores, platform.karpenter.limits.cpu (2 cores, 91.8 % requestable) allows 1835 millicores",
    ]);
    expect(plan.pass).toBe(false);
  });

  it("fails when Karpenter's memory limit is too low", () => {
    // 3072 MiB beyond the group; 3 GiB of instance memory leaves floor(3072 x 14879 / 16384) = 2789 MiB.
    const plan = planCapacity({ env: env(2, { karpenter: { cpu: 256, memoryGiB: 3 } }), services: [web, worker], perPodRps });
    expect(failing(plan)).toEqual([
      ["nodes in group general (m6i.xlarge)", 3, 2],
      ["memory requests beyond the node groups vs Karpenter's limit", 3072, 2789],
    ]);
    expect(plan.failures[1]).toContain("platform.karpenter.limits.memoryGiB (3 GiB, 90.8 % requestable) allows 2789 MiB");
  });

  it("fails when the HPA maximum is too low", () => {
    // worker at 500 req/s per pod carries 350: 5x = 2500/350 = 7.14 -> 8 > 6 (5 nodes so that only the HPA limit fails).
    const plan = planCapacity({ env: env(5), services: [web, worker], perPodRps: { web: 1000, worker: 500 } });
    expect(failing(plan)).toEqual([["HPA maxReplicas worker", 8, 6]]);
  });

  it("fails when services.maxReplicasCap caps the HPA maximum below 5x, and sizes the quota from the capped maximum", () => {
    // Cap 4: web's HPA runs 2-4 replicas; its quota holds ceil(4 x 2) + 2 = 10 pods, 8 x 500 x 1.25 = 5000m.
    const plan = planCapacity({ env: env(3, { cap: 4 }), services: [web, worker], perPodRps });
    expect(failing(plan)).toEqual([
      ["HPA maxReplicas web", 8, 4],
      ["HPA maxReplicas worker", 6, 4],
    ]);
    expect(plan.services[0].quota).toEqual({ pods: 10, cpuMillicores: 5000, memoryMiB: 5120 });
    expect(plan.failures[0]).toBe("prod: HPA maxReplicas web cannot hold 5x: needs 8 replicas, min(scaling.maxReplicas 10, services.maxReplicasCap 4) allows 4 replicas");
  });

  it("fails when a --quota what-if is too low for one namespace", () => {
    const plan = planCapacity({ env: env(3), services: [web, worker], perPodRps, quota: { cpuMillicores: 5000, memoryMiB: 20480, pods: 14 } });
    expect(failing(plan)).toEqual([["ResourceQuota worker requests.cpu", 6000, 5000]]);
    expect(plan.failures).toEqual(["prod: ResourceQuota worker requests.cpu cannot hold 5x: needs 6000 millicores, --quota requests.cpu of namespace worker allows 5000 millicores"]);
  });

  it("renders a Markdown report", () => {
    const md = capacityMarkdown(planCapacity({ env: env(2, { karpenter: { cpu: 2, memoryGiB: 64 } }), services: [web, worker], perPodRps }));
    expect(md).toContain("| service | per-pod req/s | 1x req/s | 1x replicas | 2x req/s | 2x replicas | 5x req/s | 5x replicas | HPA max | holds 5x |");
    expect(md).toContain("| worker | 600 | 500 | 2 | 1000 | 3 | 2500 | 6 | 6 | yes |");
    expect(md).toContain("| ResourceQuota worker requests.cpu | 6000 millicores | 15000 millicores | ok |");
    expect(md).toContain("| nodes in group general (m6i.xlarge) | 3 nodes | 2 nodes | **too low** |");
    expect(md).toContain("| CPU requests beyond the node groups vs Karpenter's limit | 3000 millicores | 1835 millicores | **too low** |");
    expect(md).toContain("## Too low\n\n- prod: nodes in group general");
    expect(md).toContain("Result: **FAIL**");
    expect(capacityMarkdown(planCapacity({ env: env(2), services: [web, worker], perPodRps }))).toContain(
      "| nodes in group general (m6i.xlarge) | 3 nodes | 2 nodes | ok: 6 pod(s) beyond maxSize go to Karpenter |",
    );
  });
});

describe("capacity helpers", () => {
  it("rounds replicas up, never below the minimum", () => {
    expect(replicasFor(1000, 250, 0.7, 3)).toBe(6); // 5.71
    expect(replicasFor(700, 1000, 0.7, 1)).toBe(1); // exactly 1.0 despite floating point
    expect(replicasFor(10, 1000, 0.7, 3)).toBe(3);
  });

  it("packs pods first-fit decreasing", () => {
    const node = { cpuMillicores: 1000, memoryMiB: 1000, pods: 10 };
    expect(nodesNeeded([600, 600, 400, 400].map((c) => ({ cpuMillicores: c, memoryMiB: 1 })), node)).toBe(2);
    expect(nodesNeeded([{ cpuMillicores: 2000, memoryMiB: 1 }], node)).toBe(Infinity);
    // At most one node: 600 + 400 fit, the other 600 and 400 overflow; a pod larger than a node always overflows.
    const placed = placeOnNodes([600, 600, 400, 400, 2000].map((c) => ({ cpuMillicores: c, memoryMiB: 1 })), node, 1);
    expect([placed.nodes, placed.overflow.map((p) => p.cpuMillicores)]).toEqual([1, [2000, 600, 400]]);
  });

  it("plans every catalog service on every environment", () => {
    for (const e of environments) {
      const plan = planCapacity({ env: e, services, perPodRps: Object.fromEntries(services.map((s) => [s.name, 500])) });
      expect(plan.services.map((s) => s.service)).toEqual(services.map((s) => s.name));
    }
  });
});

describe("quotas: the capacity check uses the numbers the stacks create", () => {
  it("derives the quota as ServiceNamespace does", () => {
    expect(namespaceQuota({ podCpuMillicores: 500, podMemoryMiB: 512, maxReplicas: 10 })).toEqual({ pods: 22, cpuMillicores: 12500, memoryMiB: 12800 });
    expect(namespaceQuota({ podCpuMillicores: 500, podMemoryMiB: 512, maxReplicas: 3, rolloutFactor: 1.5 })).toEqual({ pods: 7, cpuMillicores: 3125, memoryMiB: 3200 });
    expect(() => namespaceQuota({ podCpuMillicores: 500, podMemoryMiB: 512, maxReplicas: 0 })).toThrow("namespaceQuota: maxReplicas is 0; expected a whole number >= 1");
  });

  it("equals every ResourceQuota of the synthesized dev stack", () => {
    const dev = environments.find((e) => e.name === "dev")!;
    const stack = synthEnvironment("dev");
    const plan = planCapacity({ env: dev, services, perPodRps: Object.fromEntries(services.map((s) => [s.name, 500])) });
    for (const [i, service] of services.entries()) {
      const [quota] = stack.byPath("kubernetes_resource_quota_v1", `/namespaces/${service.name}/`);
      const q = serviceQuota(service, dev.services.maxReplicasCap);
      expect(plan.services[i].quota).toEqual(q);
      expect([quota.spec.hard.pods, quota.spec.hard["requests.cpu"], quota.spec.hard["requests.memory"]]).toEqual([String(q.pods), `${q.cpuMillicores}m`, `${q.memoryMiB}Mi`]);
    }
  });
});
