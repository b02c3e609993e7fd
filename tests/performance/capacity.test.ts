import { describe, expect, it } from "vitest";
import { environments } from "../../config";
import { services, type Service } from "../../config/services";
import { allocatable, capacityMarkdown, nodesNeeded, planCapacity, replicasFor } from "./lib/capacity";

const prod = environments.find((e) => e.name === "prod")!;

/** Two synthetic services so the hand-worked example does not move when the catalog does. */
const base = services[0];
const web: Service = { ...base, name: "web", resources: { cpuMillicores: 500, memoryMiB: 512 }, scaling: { minReplicas: 2, maxReplicas: 10 }, slo: { ...base.slo, expectedRps: 1000 } };
const worker: Service = { ...base, name: "worker", resources: { cpuMillicores: 1000, memoryMiB: 1024 }, scaling: { minReplicas: 2, maxReplicas: 6 }, slo: { ...base.slo, expectedRps: 500 } };
const group = (maxSize: number) => ({ ...prod.cluster.nodeGroups[0], name: "general", instanceTypes: ["m6i.xlarge"], minSize: 1, desiredSize: 1, maxSize });
const env = (maxSize: number) => ({ ...prod, cluster: { ...prod.cluster, nodeGroups: [group(maxSize)] } });

describe("capacity plan: hand-worked example", () => {
  // Inputs: web 1000 req/s expected, 1000 req/s per pod, min 2 / max 10, 500m / 512 MiB;
  //         worker 500 req/s expected, 600 req/s per pod, min 2 / max 6, 1000m / 1024 MiB;
  //         HPA target 70 %, so a pod carries 0.7 x its capacity: web 700, worker 420 req/s.
  // Replicas = max(min, ceil(load / carried)):
  //   web    1x: 1000/700 = 1.43 -> 2;  2x: 2000/700 = 2.86 -> 3;  5x: 5000/700 = 7.14 -> 8   (<= 10)
  //   worker 1x:  500/420 = 1.19 -> 2;  2x: 1000/420 = 2.38 -> 3;  5x: 2500/420 = 5.95 -> 6  (<= 6)
  // Node m6i.xlarge (4 vCPU, 16 GiB, 58 pods), EKS reservations:
  //   CPU 4000 - (60 + 10 + 5 + 5) = 3920m; memory 16384 - (255 + 11 x 58) - 100 = 15391 MiB;
  //   minus DaemonSets 250m / 512 MiB / 5 pods -> 3670m, 14879 MiB, 53 pods per node.
  // At 5x: 8 web + 6 worker pods = 14 pods, CPU 8x500 + 6x1000 = 10000m, memory 8x512 + 6x1024 = 10240 MiB.
  // First-fit decreasing: node 1 = 3 workers (3000m) + 1 web (3500m); node 2 = the same;
  //   node 3 = the other 6 webs (3000m): 3 nodes. CPU at maxSize 3: 3 x 3670 = 11010m >= 10000m.
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
      ["nodes in group general (m6i.xlarge)", 3, 3, true],
      ["CPU requests vs node groups at maxSize", 10000, 11010, true],
      ["memory requests vs node groups at maxSize", 10240, 44637, true],
      ["pods vs node groups at maxSize", 14, 159, true],
      ["ResourceQuota (not given; none in config/ yet)", 0, undefined, true],
    ]);
    expect(plan.pass).toBe(true);
  });

  it("fails when the node group's maxSize is too low", () => {
    const plan = planCapacity({ env: env(2), services: [web, worker], perPodRps });
    expect(plan.pass).toBe(false);
    expect(plan.limits.filter((l) => !l.pass).map((l) => l.check)).toEqual(["nodes in group general (m6i.xlarge)", "CPU requests vs node groups at maxSize"]);
  });

  it("fails when the HPA maximum is too low", () => {
    // worker at 500 req/s per pod carries 350: 5x = 2500/350 = 7.14 -> 8 > 6 (5 nodes so that only the HPA limit fails).
    const plan = planCapacity({ env: env(5), services: [web, worker], perPodRps: { web: 1000, worker: 500 } });
    expect(plan.limits.filter((l) => !l.pass).map((l) => [l.check, l.needed, l.limit])).toEqual([["HPA maxReplicas worker", 8, 6]]);
  });

  it("checks a ResourceQuota when given", () => {
    const plan = planCapacity({ env: env(3), services: [web, worker], perPodRps, quota: { cpuMillicores: 8000, memoryMiB: 20480, pods: 14 } });
    expect(plan.limits.filter((l) => l.check.startsWith("ResourceQuota")).map((l) => [l.check, l.pass])).toEqual([
      ["ResourceQuota requests.cpu", false],
      ["ResourceQuota requests.memory", true],
      ["ResourceQuota pods", true],
    ]);
    expect(plan.pass).toBe(false);
  });

  it("renders a Markdown report", () => {
    const md = capacityMarkdown(planCapacity({ env: env(2), services: [web, worker], perPodRps }));
    expect(md).toContain("| service | per-pod req/s | 1x req/s | 1x replicas | 2x req/s | 2x replicas | 5x req/s | 5x replicas | HPA max | holds 5x |");
    expect(md).toContain("| worker | 600 | 500 | 2 | 1000 | 3 | 2500 | 6 | 6 | yes |");
    expect(md).toContain("| nodes in group general (m6i.xlarge) | 3 nodes | 2 nodes | **too low** |");
    expect(md).toContain("Result: **FAIL**");
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
  });

  it("plans every catalog service on every environment", () => {
    for (const e of environments) {
      const plan = planCapacity({ env: e, services, perPodRps: Object.fromEntries(services.map((s) => [s.name, 500])) });
      expect(plan.services.map((s) => s.service)).toEqual(services.map((s) => s.name));
    }
  });
});
