import { describe, expect, it } from "vitest";
import { mannWhitneyU, median, normalCdf, quantile, seededRandom } from "./lib/stats";

describe("quantile", () => {
  it("interpolates between order statistics", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 1, 5], 0.95)).toBeCloseTo(9.5, 10);
    expect(median([3, 1, 2])).toBe(2);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe("mannWhitneyU", () => {
  // Reference values from scipy.stats.mannwhitneyu 1.17 (two-sided).
  it("matches scipy's exact p-value for fully separated samples", () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.method).toBe("exact");
    expect(r.u).toBe(0);
    expect(r.p).toBeCloseTo(0.007936507936507936, 12);
  });

  it("matches scipy's exact p-value for interleaved samples", () => {
    const r = mannWhitneyU([1, 3, 5], [2, 4, 6]);
    expect(r.u).toBe(3);
    expect(r.p).toBeCloseTo(0.7, 12);
  });

  it("matches scipy's asymptotic p-value with ties and continuity correction", () => {
    const a = [10, 12, 12, 13, 15, 15, 15, 18, 20, 21, 22, 25, 30, 31, 32, 33, 34, 35, 36, 37, 40, 41, 42, 43, 44, 45, 46];
    const b = [14, 15, 16, 16, 18, 19, 20, 22, 24, 25, 27, 28, 30, 33, 35, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62, 64];
    const r = mannWhitneyU(a, b);
    expect(r.method).toBe("normal");
    expect(r.u).toBe(276);
    expect(r.p).toBeCloseTo(0.05923690607387684, 5);
  });

  it("gives p = 1 when every value is equal", () => {
    expect(mannWhitneyU([5, 5, 5, 5], [5, 5, 5, 5]).p).toBe(1);
  });

  it("fails when a sample is empty", () => {
    expect(() => mannWhitneyU([], [1])).toThrow("Mann-Whitney U needs samples on both sides; got 0 and 1 values");
  });
});

describe("normalCdf and seededRandom", () => {
  it("is the standard normal distribution", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
  });

  it("repeats for a seed and differs between seeds", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
