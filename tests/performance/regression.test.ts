import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Samples } from "./lib/recorder";
import { baselinePath, compareSamples, incomparable, readBaseline, writeBaseline, type Baseline } from "./lib/regression";
import { seededRandom } from "./lib/stats";

/** n samples of N(mean, sd) from a seeded generator (Box-Muller). */
function normal(seed: number, n: number, mean: number, sd: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}
const samples = (p95Ms: number[], throughputRps: number[]): Samples => ({ windowMs: 1000, p95Ms, throughputRps });

describe("compareSamples on deterministic synthetic samples", () => {
  const baseline = samples(normal(1, 30, 100, 5), normal(2, 30, 1000, 20));

  it("flags an injected 20 % slowdown of p95 and says by how much", () => {
    const slower = samples(normal(3, 30, 120, 5), normal(4, 30, 1000, 20));
    const c = compareSamples(baseline, slower);
    expect(c.regressed).toBe(true);
    const p95 = c.metrics.find((m) => m.metric === "latency p95")!;
    expect(p95.regression).toBe(true);
    expect(p95.relativeChange).toBeGreaterThan(0.15);
    expect(p95.relativeChange).toBeLessThan(0.25);
    expect(p95.pValue).toBeLessThan(0.001);
    expect(c.messages).toHaveLength(1);
    expect(c.messages[0]).toMatch(/^latency p95 \+(1[5-9]|2[0-4])\.\d % \(median (9\d|10\d)\.\d ms -> 1[12]\d\.\d ms, Mann-Whitney p = 0\.0000, 30 vs 30 samples\)$/);
    expect(c.metrics.find((m) => m.metric === "throughput")!.regression).toBe(false);
  });

  it("flags a 20 % throughput drop", () => {
    const c = compareSamples(baseline, samples(normal(5, 30, 100, 5), normal(6, 30, 800, 20)));
    expect(c.metrics.map((m) => [m.metric, m.regression])).toEqual([
      ["latency p95", false],
      ["throughput", true],
    ]);
  });

  it("ignores noise between two runs of the same distribution", () => {
    for (let seed = 10; seed < 30; seed += 2) {
      const c = compareSamples(baseline, samples(normal(seed, 30, 100, 5), normal(seed + 1, 30, 1000, 20)));
      expect(c.regressed, `seed ${seed}`).toBe(false);
    }
  });

  it("ignores a significant change within the tolerance", () => {
    const c = compareSamples(baseline, samples(normal(7, 30, 105, 1), normal(8, 30, 1000, 20)));
    const p95 = c.metrics[0];
    expect(p95.significant).toBe(true);
    expect(p95.beyondTolerance).toBe(false);
    expect(c.regressed).toBe(false);
  });

  it("ignores a large change that is not significant (too few, too noisy samples)", () => {
    const noisy = samples([50, 200, 90, 160], [1000, 1000, 1000, 1000]);
    const c = compareSamples(noisy, samples([60, 240, 100, 210], [1000, 1000, 1000, 1000]));
    expect(c.metrics[0].beyondTolerance).toBe(true);
    expect(c.metrics[0].significant).toBe(false);
    expect(c.regressed).toBe(false);
  });

  it("ignores improvements", () => {
    const c = compareSamples(baseline, samples(normal(9, 30, 70, 5), normal(10, 30, 1300, 20)));
    expect(c.metrics.every((m) => m.significant && !m.regression)).toBe(true);
  });

  it("applies a configured tolerance", () => {
    const slower = samples(normal(3, 30, 120, 5), normal(4, 30, 1000, 20));
    expect(compareSamples(baseline, slower, { tolerance: 0.3 }).regressed).toBe(false);
  });

  it("fails when a side has fewer than four samples", () => {
    expect(() => compareSamples(samples([1, 2, 3], [1, 2, 3]), baseline)).toThrow(
      "the baseline has 3 samples; at least 4 are needed (run longer or lower --sample-window-ms)",
    );
  });
});

describe("baseline files", () => {
  const baseline: Baseline = {
    version: 1,
    scenario: "api-gateway",
    env: "local",
    createdAt: "2026-01-01T00:00:00.000Z",
    load: { model: "open", shape: "steady", offeredRps: 200, durationS: 3 },
    summary: { p95Ms: 10, throughputRps: 200 },
    samples: samples([1, 2, 3, 4], [200, 200, 200, 200]),
  };

  it("writes to baselines/<env>/<scenario>.json and reads back", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "baselines-"));
    const file = baselinePath(dir, "staging", "api-gateway");
    expect(file).toBe(path.join(dir, "staging", "api-gateway.json"));
    expect(readBaseline(file)).toBeUndefined();
    writeBaseline(file, baseline);
    expect(readBaseline(file)).toEqual(baseline);
  });

  it("fails when a baseline file is malformed, naming the file and field", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "baselines-")), "bad.json");
    writeFileSync(file, JSON.stringify({ ...baseline, samples: { windowMs: 1000, p95Ms: "x", throughputRps: [] } }));
    expect(() => readBaseline(file)).toThrow(`baseline ${file}: samples.p95Ms Expected array, received string; rewrite it with --save-baseline`);
    writeFileSync(file, "{");
    expect(() => readBaseline(file)).toThrow(`baseline ${file} is not valid JSON`);
    expect(readFileSync(file, "utf8")).toBe("{");
  });

  it("refuses to compare runs with a different load", () => {
    expect(incomparable(baseline, { model: "open", shape: "steady", offeredRps: 200, durationS: 10 })).toBeUndefined();
    expect(incomparable(baseline, { model: "open", shape: "steady", offeredRps: 500, durationS: 3 })).toBe(
      "baseline was recorded with open model, steady shape at 200.0 req/s; this run is open, steady at 500.0 req/s",
    );
  });
});
