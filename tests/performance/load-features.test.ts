/**
 * Load features through runScenario against the local reference target:
 * --load multiples, the request mix, the closed model, and CPU/memory
 * utilisation (the target's own process locally, Prometheus remotely).
 * Rates are small; nothing here asserts how fast the machine is: verdicts are
 * checked against the measurements they came from.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "./lib/errors";
import { runScenario, type RunOptions } from "./lib/run";
import { utilisationQueries } from "./lib/usage";
import { httpScenarios, type HttpScenario } from "./scenarios";
import { startTarget, type Target } from "./target";

const apiGateway = httpScenarios.find((s) => s.name === "api-gateway")!;
const quiet = () => {};
// No run here compares with or writes a baseline; the directory only has to exist.
const baselineDir = mkdtempSync(path.join(tmpdir(), "baselines-"));
afterAll(() => rmSync(baselineDir, { recursive: true, force: true }));
const run = (over: Partial<RunOptions>) => runScenario({ env: "local", scenario: apiGateway, durationS: 1, baselineDir, compare: false, log: quiet, ...over });
/** Verdicts follow the measurements: a run passes exactly when every threshold does, and each threshold compares what it reports. */
const consistent = (report: Awaited<ReturnType<typeof runScenario>>["report"]) => {
  for (const t of report.thresholds) expect(t.pass, t.metric).toBe(t.op === "<=" ? t.actual <= t.limit : t.actual >= t.limit);
  expect(report.pass).toBe(report.thresholds.every((t) => t.pass));
};

describe("--load multiples of the catalog's expected load", () => {
  // A catalog service expecting 40 req/s keeps 5x small enough for a shared machine.
  const small: HttpScenario = { ...apiGateway, service: { ...apiGateway.service, slo: { ...apiGateway.service.slo, expectedRps: 40 } } };

  it("offers 2x and 5x the expected rate", async () => {
    const two = await run({ scenario: small, multiple: "2x" });
    expect(two.report.load).toMatchObject({ offeredRps: 80, multiple: "2x of 40 req/s" });
    expect(two.report.measurements!.requests.sent).toBe(80);
    const five = await run({ scenario: small, multiple: "5x" });
    expect(five.report.load).toMatchObject({ offeredRps: 200, multiple: "5x of 40 req/s" });
    expect(five.report.measurements!.requests.sent).toBe(200);
    // CPU/memory are reported above normal load but not held to the budget there.
    expect(five.report.usage).toMatchObject({ source: "reference target process", thresholded: false });
    expect(five.report.thresholds.map((t) => t.metric)).toEqual(["latency p95", "error ratio", "throughput"]);
    consistent(five.report);
  });

  it("uses 1x by default", async () => {
    const one = await run({ scenario: small });
    expect(one.report.load).toMatchObject({ offeredRps: 40, multiple: "1x of 40 req/s" });
  });
});

describe("request mix", () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget();
  });
  afterAll(() => target.close());

  it("sends each endpoint in proportion to the scenario's weights", async () => {
    const { report } = await run({ env: "dev", baseUrl: target.url, rateRps: 400, durationS: 2 });
    expect(report.measurements!.requests).toMatchObject({ sent: 800, errors: 0 });
    const seen = target.stats.requests;
    const total = Object.values(seen).reduce((a, b) => a + b, 0);
    expect(total).toBe(800);
    const weights = apiGateway.endpoints.reduce((a, e) => a + e.weight, 0);
    expect(Object.keys(seen).sort()).toEqual(apiGateway.endpoints.map((e) => `${e.method} ${e.path}`).sort());
    for (const e of apiGateway.endpoints) {
      const share = seen[`${e.method} ${e.path}`] / total;
      expect(Math.abs(share - e.weight / weights), `${e.name}: ${share} of the requests, weight ${e.weight}/${weights}`).toBeLessThan(0.05);
    }
    // No Prometheus given: utilisation is not measured, and the report says so.
    expect(report.usage).toBeUndefined();
    expect(report.notes).toContain("CPU/memory utilisation not measured: give --prometheus-url to read it from the environment's Prometheus");
  });
});

describe("closed model through runScenario", () => {
  it("runs autocannon with the scenario's connections and holds it to the rate it was asked for", async () => {
    const { report } = await run({ model: "closed", connections: 2, rateRps: 50 });
    expect(report.load).toMatchObject({ model: "closed", shape: "steady", offeredRps: 50 });
    expect(report.measurements!.requests.ok).toBeGreaterThan(0);
    expect(report.measurements!.requests.errors).toBe(0);
    expect(report.thresholds.map((t) => t.metric)).toEqual([
      "latency p95",
      "error ratio",
      "throughput",
      "CPU utilisation (mean, of the 500m request)",
      "memory utilisation (peak, of the 512 MiB request)",
    ]);
    expect(report.thresholds[2].limit).toBe(47.5); // 95 % of the 50 req/s asked for
    consistent(report);
  });
});

describe("CPU and memory utilisation", () => {
  it("samples the reference target's own process and holds it to the 70 % budget at normal load", async () => {
    const { report } = await run({ rateRps: 100 });
    const u = report.usage!;
    expect(u).toMatchObject({ source: "reference target process", request: { service: "api-gateway", cpuMillicores: 500, memoryMiB: 512 }, budget: 0.7, thresholded: true });
    expect(u.samples).toBeGreaterThanOrEqual(2);
    expect(u.peakMemoryMiB).toBeGreaterThan(0);
    expect(u.memoryRatio).toBeCloseTo(u.peakMemoryMiB! / 512, 9);
    expect(u.cpuRatio).toBeCloseTo(u.cpuCores! / 0.5, 9);
    const [cpu, memory] = report.thresholds.slice(3);
    expect(cpu).toMatchObject({ op: "<=", limit: 70, unit: "%", actual: Math.round(u.cpuRatio * 10000) / 100 });
    expect(memory).toMatchObject({ op: "<=", limit: 70, unit: "%", actual: Math.round(u.memoryRatio * 10000) / 100 });
    consistent(report);
  });

  it("fails when the target's memory exceeds the configured budget", async () => {
    // Any live process's RSS is above 0.1 % of 512 MiB (0.5 MiB).
    const { report } = await run({ rateRps: 50, utilisationBudget: 0.001 });
    const memory = report.thresholds.find((t) => t.metric.startsWith("memory utilisation"))!;
    expect(memory.limit).toBe(0.1);
    expect(memory.pass).toBe(false);
    expect(report.pass).toBe(false);
    consistent(report);
  });

  describe("from Prometheus in a deployed environment", () => {
    let target: Target;
    let prom: http.Server;
    let promUrl: string;
    const queries: string[] = [];
    /** CPU and memory ratios the fake Prometheus answers, per query. */
    const answers = { cpu: [0.5, 0.6], memory: [0.3, 0.4] };
    beforeAll(async () => {
      target = await startTarget();
      prom = http.createServer((req, res) => {
        const url = new URL(req.url!, "http://x");
        const q = url.searchParams.get("query") ?? "";
        queries.push(`${url.pathname} ${q}`);
        const values = q.includes("container_cpu_usage_seconds_total") ? answers.cpu : q.includes("container_memory_working_set_bytes") ? answers.memory : [];
        const start = Number(url.searchParams.get("start"));
        const body = { status: "success", data: { resultType: "matrix", result: values.length ? [{ metric: {}, values: values.map((v, i) => [start + i, String(v)]) }] : [] } };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      });
      await new Promise<void>((resolve) => prom.listen(0, "127.0.0.1", resolve));
      promUrl = `http://127.0.0.1:${(prom.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await target.close();
      await new Promise((r) => prom.close(r));
    });
    const remote = (over: Partial<RunOptions> = {}) => run({ env: "staging", baseUrl: target.url, rateRps: 50, prometheusUrl: promUrl, ...over });

    it("queries the service's container CPU and working set over its requests, and passes under the budget", async () => {
      const { report } = await remote();
      const expected = utilisationQueries("api-gateway");
      expect(queries).toEqual(expect.arrayContaining([`/api/v1/query_range ${expected.cpu}`, `/api/v1/query_range ${expected.memory}`]));
      expect(expected.cpu).toBe(
        'sum(rate(container_cpu_usage_seconds_total{namespace="api-gateway",container="api-gateway"}[1m])) / sum(kube_pod_container_resource_requests{namespace="api-gateway",container="api-gateway",resource="cpu"})',
      );
      expect(report.usage).toMatchObject({ source: "prometheus", thresholded: true, samples: 2, queries: expected });
      expect(report.usage!.cpuRatio).toBeCloseTo(0.55, 9); // mean of the CPU series
      expect(report.usage!.memoryRatio).toBeCloseTo(0.4, 9); // peak of the memory series
      const usage = report.thresholds.slice(3).map((t) => [t.actual, t.pass]);
      expect(usage).toEqual([
        [55, true],
        [40, true],
      ]);
      consistent(report);
    });

    it("fails when the service runs above the budget", async () => {
      answers.cpu = [0.8, 0.9];
      const { report } = await remote();
      expect(report.thresholds.slice(3).map((t) => [t.actual, t.pass])).toEqual([
        [85, false],
        [40, true],
      ]);
      expect(report.pass).toBe(false);
      consistent(report);
    });

    it("fails with a message when Prometheus has no samples for the service", async () => {
      answers.cpu = [];
      await expect(remote()).rejects.toThrow(`Prometheus at ${promUrl} has no samples for ${utilisationQueries("api-gateway").cpu} in the load window: is the service deployed there and scraped?`);
    });

    it("is not allowed with --env local", async () => {
      await expect(run({ prometheusUrl: promUrl })).rejects.toThrow(new UsageError("--prometheus-url is for dev/staging/prod; --env local samples the reference target's own process"));
    });
  });
});
