/**
 * The framework against the local reference target: thresholds, open-model
 * semantics, a real pair of runs for the regression detector, stress knee and
 * reports. Rates and durations are small so this file stays within ~30 s on
 * two cores; nothing here asserts how fast the machine is.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runClosedModel } from "./lib/closed-model";
import { runOpenModel } from "./lib/open-model";
import { buildProfile } from "./lib/profile";
import { runScenario, type RunOptions } from "./lib/run";
import { httpScenarios } from "./scenarios";
import { startTarget, type Target } from "./target";

const apiGateway = httpScenarios.find((s) => s.name === "api-gateway")!;
const quiet = () => {};
const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
const local = (over: Partial<RunOptions>): RunOptions => ({
  env: "local",
  scenario: apiGateway,
  rateRps: 200,
  durationS: 2,
  baselineDir: tmp("baselines-"),
  log: quiet,
  ...over,
});

describe("thresholds from the catalog's SLO", () => {
  it("passes against a healthy target and writes JSON and self-contained HTML reports", async () => {
    const outDir = tmp("load-out-");
    const { report, files } = await runScenario(local({ outDir }));
    expect(report.thresholds.map((t) => [t.metric, t.pass])).toEqual([
      ["latency p95", true],
      ["error ratio", true],
      ["throughput", true],
      ["CPU utilisation (mean, of the 500m request)", true],
      ["memory utilisation (peak, of the 512 MiB request)", true],
    ]);
    expect(report.pass).toBe(true);
    expect(report.measurements!.requests).toEqual({ sent: 400, ok: 400, errors: 0 });
    expect(report.measurements!.timeline.slice(0, 2).map((p) => p.offered)).toEqual([200, 200]);

    const json = JSON.parse(readFileSync(files!.json, "utf8"));
    expect(json.scenario).toBe("api-gateway");
    expect(Object.keys(json.measurements.latency)).toEqual(["count", "mean", "p50", "p90", "p95", "p99", "max"]);
    expect(json.usage).toMatchObject({ source: "reference target process", budget: 0.7, thresholded: true });
    const html = readFileSync(files!.html, "utf8");
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain("<h2>Resource utilisation (reference target process)</h2>");
    expect(html).toContain("p95 SLO 200 ms");
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i); // nothing loaded from anywhere
  });

  it("fails the p95 threshold when the target answers in 300 ms", async () => {
    const { report } = await runScenario(local({ target: { latencyMs: 300 } }));
    const p95 = report.thresholds.find((t) => t.metric === "latency p95")!;
    expect(p95.pass).toBe(false);
    expect(p95.actual).toBeGreaterThanOrEqual(300);
    expect(report.thresholds.find((t) => t.metric === "error ratio")!.pass).toBe(true);
    expect(report.pass).toBe(false);
  });

  it("fails the error-ratio threshold and counts errors by kind when the target fails 5 % of requests", async () => {
    const { report } = await runScenario(local({ target: { errorRate: 0.05 } }));
    const errors = report.measurements!.errors;
    expect(Object.keys(errors)).toEqual(["http 503"]);
    expect(errors["http 503"]).toBeGreaterThan(5);
    expect(report.thresholds.find((t) => t.metric === "error ratio")!.pass).toBe(false);
  });

  it("counts refused connections as errors of their own kind", async () => {
    const gone = await startTarget();
    await gone.close();
    const { report } = await runScenario(local({ env: "dev", baseUrl: gone.url, rateRps: 50, durationS: 1 }));
    expect(report.measurements!.errors).toEqual({ ECONNREFUSED: 50 });
    expect(report.pass).toBe(false);
  });
});

describe("open model", () => {
  let slow: Target;
  beforeAll(async () => {
    // One worker, 20 ms per request: the target serves at most 50 req/s.
    slow = await startTarget({ latencyMs: 20, concurrency: 1 });
  });
  afterAll(() => slow.close());

  it("keeps the arrival rate when the server is slow, and latency from the intended send time includes queueing", async () => {
    const received: number[] = [];
    const before = slow.stats.received;
    const probe = setInterval(() => received.push(slow.stats.received - before), 1000);
    const run = await runOpenModel({ baseUrl: slow.url, profile: buildProfile("steady", 100, 2), endpoints: apiGateway.endpoints });
    clearInterval(probe);
    const m = run.recorder.summarize(run.durationS);
    // The server saw the offered 100 req/s although it answers only 50 req/s.
    expect(received[0]).toBeGreaterThanOrEqual(90);
    expect(m.timeline.slice(0, 2).map((p) => p.offered)).toEqual([100, 100]);
    expect(m.requests).toEqual({ sent: 200, ok: 200, errors: 0 });
    // 200 requests at 20 ms each take 4 s: the last waited about 2 s in the queue.
    expect(m.latency.max).toBeGreaterThan(1500);
    expect(m.latency.p95).toBeGreaterThan(1000);
    // Throughput is what the server delivered, not what was offered.
    expect(m.throughputRps).toBeLessThan(60);
    expect(slow.stats.maxQueued).toBeGreaterThan(50);
  });

  it("stops sending when aborted: every request due before the abort is sent, none after, and the window ends there", async () => {
    const fast = await startTarget();
    try {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 500);
      // 100 req/s for 30 s: request i is due at i x 10 ms.
      const run = await runOpenModel({ baseUrl: fast.url, profile: buildProfile("steady", 100, 30), endpoints: apiGateway.endpoints, signal: abort.signal });
      // The abort timer starts before the generator's clock does: the window ends a little before 0.5 s on its clock.
      expect(run.durationS).toBeGreaterThan(0.3);
      expect(run.durationS).toBeLessThan(30);
      const m = run.recorder.summarize(run.durationS);
      expect(m.requests.sent).toBe(Math.floor(run.durationS * 100 + 1e-9) + 1);
      expect(m.requests.errors).toBe(0);
    } finally {
      await fast.close();
    }
  });

  it("reports what the closed model hides on the same target (coordinated omission)", async () => {
    const closed = await runClosedModel({ baseUrl: slow.url, endpoints: apiGateway.endpoints, connections: 1, durationS: 1 });
    const m = closed.recorder.summarize(closed.durationS);
    // One connection waits for each response, so it sees only the service time.
    expect(m.latency.p95).toBeGreaterThanOrEqual(20);
    expect(m.latency.p95).toBeLessThan(200);
    expect(m.requests.ok).toBeLessThanOrEqual(55);
  });
});

describe("regression detection on a real pair of short runs", () => {
  const baselineDir = tmp("baselines-");
  // A 500 ms service time keeps the CPU noise of a shared two-core machine (timer lateness of
  // 10-20 ms under load) well inside the 10 % tolerance; the SLO is raised so thresholds pass.
  const scenario = { ...apiGateway, service: { ...apiGateway.service, slo: { ...apiGateway.service.slo, latencyP95Ms: 1000 } } };
  const run = (latencyMs: number, saveBaseline = false) =>
    runScenario(local({ scenario, baselineDir, durationS: 3, windowMs: 250, saveBaseline, target: { latencyMs, jitterMs: 2 } }));

  it("saves a baseline, ignores an identical run and flags an injected 20 % slowdown", async () => {
    const first = await run(500, true);
    expect(first.baselineWritten).toBe(path.join(baselineDir, "local", "api-gateway.json"));
    expect(first.report.comparisonSkipped).toMatch(/^no baseline at /);

    const same = await run(500);
    expect(same.report.comparison!.regressed, JSON.stringify(same.report.comparison!.metrics)).toBe(false);
    expect(same.report.pass).toBe(true);

    const slower = await run(600);
    const c = slower.report.comparison!;
    expect(c.regressed, JSON.stringify(c.metrics)).toBe(true);
    expect(c.messages).toHaveLength(1);
    expect(c.messages[0]).toMatch(/^latency p95 \+\d+\.\d % \(median 5\d\d\.\d ms -> 6\d\d\.\d ms, Mann-Whitney p = 0\.0\d+, 11 vs 11 samples\)$/);
    expect(c.metrics[0].relativeChange).toBeGreaterThan(0.1);
    expect(slower.report.thresholds.every((t) => t.pass)).toBe(true); // within the SLO, yet a regression
    expect(slower.report.pass).toBe(false);
  });

  it("does not compare with a baseline taken at another rate", async () => {
    const other = await runScenario(local({ scenario, baselineDir, rateRps: 100, durationS: 1 }));
    expect(other.report.comparisonSkipped).toMatch(/^baseline was recorded with open model, steady shape at 200\.0 req\/s; this run is open, steady at 100\.0 req\/s$/);
  });
});

describe("stress", () => {
  it("steps up until the SLO breaks and reports the knee", async () => {
    // Two workers at 10-12 ms: about 180 req/s before the queue grows without bound.
    const { report } = await runScenario(
      local({ shape: "stress", rateRps: 100, durationS: 1, maxStages: 8, target: { latencyMs: 10, jitterMs: 2, concurrency: 2 } }),
    );
    const stages = report.stages!;
    expect(stages[0].offeredRps).toBe(50);
    expect(stages.at(-1)!.pass).toBe(false);
    expect(stages.slice(0, -1).every((s) => s.pass)).toBe(true);
    expect(report.kneeRps).toBe(stages.at(-2)?.offeredRps ?? null);
    expect(report.kneeRps).toBeGreaterThanOrEqual(50);
    expect(report.kneeRps).toBeLessThan(300);
    expect(report.measurements!.timeline.length).toBeGreaterThanOrEqual(stages.length);
  });
});
