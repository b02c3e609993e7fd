/**
 * Load shapes as arrival-rate profiles. A profile is a list of segments in
 * which the arrival rate moves linearly from `fromRps` to `toRps`; the open-model
 * generator turns it into exact intended send times (request i is due when the
 * integral of the rate reaches i), so lateness of the event loop never changes
 * when a request was *meant* to be sent.
 */

/** One piece of a load shape: the arrival rate moves linearly from `fromRps` to `toRps` over `durationS`. */
export interface Segment {
  readonly durationS: number;
  readonly fromRps: number;
  readonly toRps: number;
}

export const SHAPES = ["steady", "ramp", "spike", "stress", "soak"] as const;
/** steady: constant rate. ramp: linear up to the rate over half the run, then hold. spike: the rate with a burst in the middle. stress: steps up until the SLO breaks. soak: steady for a long time. */
export type ShapeName = (typeof SHAPES)[number];

/** How long a shape runs when `--duration` is not given, in seconds (for stress: per stage). */
export const DEFAULT_DURATION_S: Record<ShapeName, number> = { steady: 60, ramp: 120, spike: 60, stress: 20, soak: 1800 };

/** Options of the spike shape. */
export interface SpikeOptions {
  /** Burst rate as a multiple of the base rate. @default 3 */
  readonly factor?: number;
}

/**
 * The rate profile of a (non-stress) shape at `rps` for `durationS`.
 * Stress is run stage by stage, see {@link stressStages}.
 */
export function buildProfile(shape: Exclude<ShapeName, "stress">, rps: number, durationS: number, spike: SpikeOptions = {}): Segment[] {
  if (!(rps > 0)) throw new Error(`rate must be > 0 req/s; got ${rps}`);
  if (!(durationS > 0)) throw new Error(`duration must be > 0 s; got ${durationS}`);
  switch (shape) {
    case "steady":
    case "soak":
      return [{ durationS, fromRps: rps, toRps: rps }];
    case "ramp":
      // Up from 10 % (a cold start at 0 would leave the first second empty) over the first half, then hold.
      return [
        { durationS: durationS / 2, fromRps: rps / 10, toRps: rps },
        { durationS: durationS / 2, fromRps: rps, toRps: rps },
      ];
    case "spike": {
      const factor = spike.factor ?? 3;
      return [
        { durationS: durationS * 0.4, fromRps: rps, toRps: rps },
        { durationS: durationS * 0.2, fromRps: rps * factor, toRps: rps * factor },
        { durationS: durationS * 0.4, fromRps: rps, toRps: rps },
      ];
    }
  }
}

/**
 * Stage rates of a stress run: half the target rate, then up in steps of half
 * the target rate (0.5x, 1x, 1.5x, ...) until `maxStages`. The run stops at
 * the first stage that breaks the SLO; the knee is the last stage that held.
 */
export function stressStages(rps: number, maxStages = 20): number[] {
  return Array.from({ length: maxStages }, (_, k) => (rps / 2) * (k + 1));
}

/** Total duration of a profile in seconds. */
export function profileDurationS(profile: readonly Segment[]): number {
  return profile.reduce((s, g) => s + g.durationS, 0);
}

/** Expected number of arrivals in a segment (the integral of its rate). */
function segmentArrivals(g: Segment): number {
  return ((g.fromRps + g.toRps) / 2) * g.durationS;
}

/** Number of requests a profile sends: one at every time the cumulative arrival count reaches 0, 1, 2, ... */
export function totalRequests(profile: readonly Segment[]): number {
  const n = profile.reduce((s, g) => s + segmentArrivals(g), 0);
  return n <= 0 ? 0 : Math.floor(n - 1e-9) + 1;
}

/** Mean offered rate of a profile in req/s. */
export function meanRps(profile: readonly Segment[]): number {
  const d = profileDurationS(profile);
  return d === 0 ? 0 : profile.reduce((s, g) => s + segmentArrivals(g), 0) / d;
}

/**
 * Intended send times, in ms from the start, for requests 0, 1, 2, ... in
 * order. Walks the segments once, so it costs O(1) per request and holds no
 * array (a 30-minute soak at 5x is 9 million requests).
 */
export function* sendTimesMs(profile: readonly Segment[]): Generator<number> {
  let before = 0; // arrivals in earlier segments
  let offsetS = 0; // start of the current segment
  let i = 0;
  for (const g of profile) {
    const inSeg = segmentArrivals(g);
    while (i < before + inSeg) {
      const x = i - before;
      yield (offsetS + timeForArrivals(g, x)) * 1000;
      i++;
    }
    before += inSeg;
    offsetS += g.durationS;
  }
}

/** Time t within a segment at which `from*t + (to-from)/(2d)*t^2 = x`. */
function timeForArrivals(g: Segment, x: number): number {
  if (x <= 0) return 0;
  const a = (g.toRps - g.fromRps) / (2 * g.durationS);
  if (Math.abs(a) < 1e-12) return x / g.fromRps;
  const t = (-g.fromRps + Math.sqrt(g.fromRps * g.fromRps + 4 * a * x)) / (2 * a);
  return Math.min(Math.max(t, 0), g.durationS);
}

/** Offered rate at time `tS` (seconds from start), 0 outside the profile. */
export function rateAt(profile: readonly Segment[], tS: number): number {
  let offset = 0;
  for (const g of profile) {
    if (tS < offset + g.durationS) return g.fromRps + ((g.toRps - g.fromRps) * (tS - offset)) / g.durationS;
    offset += g.durationS;
  }
  return 0;
}
