import { describe, expect, it } from "vitest";
import { buildProfile, meanRps, rateAt, sendTimesMs, stressStages, totalRequests } from "./lib/profile";

describe("load profiles", () => {
  it("spaces a steady rate's send times evenly", () => {
    const profile = buildProfile("steady", 200, 3);
    const times = [...sendTimesMs(profile)];
    expect(times).toHaveLength(600);
    expect(totalRequests(profile)).toBe(600);
    expect(times[0]).toBe(0);
    expect(times[1]).toBeCloseTo(5, 9);
    expect(times[599]).toBeCloseTo(2995, 6);
  });

  it("ramps from 10 % to the rate over the first half, then holds", () => {
    const profile = buildProfile("ramp", 100, 10);
    expect(rateAt(profile, 0)).toBeCloseTo(10, 9);
    expect(rateAt(profile, 2.5)).toBeCloseTo(55, 9);
    expect(rateAt(profile, 7)).toBe(100);
    // (10 + 100) / 2 * 5 s + 100 * 5 s = 775 requests.
    const times = [...sendTimesMs(profile)];
    expect(times).toHaveLength(775);
    const firstSecond = times.filter((t) => t < 1000).length;
    const lastSecond = times.filter((t) => t >= 9000).length;
    expect(firstSecond).toBeGreaterThanOrEqual(10);
    expect(firstSecond).toBeLessThanOrEqual(30);
    expect(lastSecond).toBe(100);
    expect(times.every((t, i) => i === 0 || t > times[i - 1])).toBe(true);
  });

  it("bursts to three times the rate in the middle fifth of a spike", () => {
    const profile = buildProfile("spike", 100, 10);
    const times = [...sendTimesMs(profile)];
    const inBurst = times.filter((t) => t >= 4000 && t < 6000).length;
    expect(inBurst).toBe(600);
    expect(times).toHaveLength(400 + 600 + 400);
    expect(meanRps(profile)).toBeCloseTo(140, 9);
  });

  it("steps a stress run up in halves of the rate", () => {
    expect(stressStages(1000, 4)).toEqual([500, 1000, 1500, 2000]);
  });

  it("fails on a rate or duration that is not positive", () => {
    expect(() => buildProfile("steady", 0, 3)).toThrow("rate must be > 0 req/s; got 0");
    expect(() => buildProfile("steady", 10, -1)).toThrow("duration must be > 0 s; got -1");
  });
});
