/**
 * Regression detection against stored baselines
 * (`tests/performance/baselines/<env>/<scenario>.json`).
 *
 * A run is compared with its baseline over repeated samples, not a single
 * number: per-window p95 latency and per-window throughput are each tested
 * with a two-sided Mann-Whitney U test, and a metric regresses only when its
 * median moved the bad way by more than the tolerance (default 10 %) AND the
 * difference is statistically significant (default alpha 0.05). Noise between
 * two identical runs is usually not significant, and a significant but tiny
 * shift stays within the tolerance.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { UsageError } from "./errors";
import type { Samples } from "./recorder";
import { mannWhitneyU, median } from "./stats";

const samplesSchema = z
  .object({
    // 0 when each sample is one repetition of the benchmark rather than a time window (redis-benchmark).
    windowMs: z.number().min(0),
    p95Ms: z.array(z.number()),
    throughputRps: z.array(z.number()),
  })
  .strict();

/** How the run that produced a baseline was loaded; a run is compared only with a baseline of the same load. */
export const loadKeySchema = z
  .object({
    model: z.enum(["open", "closed"]),
    shape: z.string(),
    offeredRps: z.number(),
    durationS: z.number(),
  })
  .strict();
export type LoadKey = z.infer<typeof loadKeySchema>;

export const baselineSchema = z
  .object({
    version: z.literal(1),
    scenario: z.string(),
    env: z.string(),
    createdAt: z.string(),
    gitCommit: z.string().optional(),
    load: loadKeySchema,
    summary: z.object({ p95Ms: z.number(), throughputRps: z.number() }).strict(),
    samples: samplesSchema,
  })
  .strict();
/** A stored baseline. */
export type Baseline = z.infer<typeof baselineSchema>;

/** Where a scenario's baseline for an environment lives under `dir`. */
export function baselinePath(dir: string, env: string, scenario: string): string {
  return path.join(dir, env, `${scenario}.json`);
}

/** Read a baseline; undefined when none is stored. A malformed file is a UsageError naming the file. */
export function readBaseline(file: string): Baseline | undefined {
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`baseline ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = baselineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`baseline ${file}: ${issue.path.join(".") || "(root)"} ${issue.message}; rewrite it with --save-baseline`);
  }
  return parsed.data;
}

/** Write a baseline (creating its folder). */
export function writeBaseline(file: string, baseline: Baseline): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
}

/** Options of the comparison. */
export interface CompareOptions {
  /** Relative change of the median beyond which a significant change is a regression. @default 0.10 */
  readonly tolerance?: number;
  /** Significance level of the Mann-Whitney U test. @default 0.05 */
  readonly alpha?: number;
}

/** The comparison of one metric. */
export interface MetricComparison {
  readonly metric: "latency p95" | "throughput";
  readonly unit: "ms" | "req/s";
  readonly baselineMedian: number;
  readonly currentMedian: number;
  /** (current - baseline) / baseline of the medians. */
  readonly relativeChange: number;
  readonly pValue: number;
  readonly significant: boolean;
  /** Moved the bad way (p95 up, throughput down) by more than the tolerance. */
  readonly beyondTolerance: boolean;
  readonly regression: boolean;
  readonly samples: { readonly baseline: number; readonly current: number };
}

/** The result of comparing a run with its baseline. */
export interface Comparison {
  readonly tolerance: number;
  readonly alpha: number;
  readonly metrics: readonly MetricComparison[];
  readonly regressed: boolean;
  /** One line per regressed metric, e.g. "latency p95 +23.4 % (median 101 ms -> 125 ms, Mann-Whitney p = 0.002)". */
  readonly messages: readonly string[];
}

/** Fewest samples per side for a comparison; with fewer, no difference can reach significance. */
export const MIN_SAMPLES = 4;

/** Compare a run's samples with a baseline's. Throws when either side has fewer than {@link MIN_SAMPLES} samples. */
export function compareSamples(baseline: Samples, current: Samples, options: CompareOptions = {}): Comparison {
  const tolerance = options.tolerance ?? 0.1;
  const alpha = options.alpha ?? 0.05;
  for (const [side, s] of [["baseline", baseline], ["current run", current]] as const) {
    if (s.p95Ms.length < MIN_SAMPLES || s.throughputRps.length < MIN_SAMPLES) {
      throw new UsageError(
        `the ${side} has ${Math.min(s.p95Ms.length, s.throughputRps.length)} samples; at least ${MIN_SAMPLES} are needed (run longer or lower --sample-window-ms)`,
      );
    }
  }
  const metric = (name: MetricComparison["metric"], unit: MetricComparison["unit"], a: number[], b: number[], worseIsUp: boolean): MetricComparison => {
    const baselineMedian = median(a);
    const currentMedian = median(b);
    const relativeChange = baselineMedian === 0 ? (currentMedian === 0 ? 0 : Infinity) : (currentMedian - baselineMedian) / baselineMedian;
    const { p } = mannWhitneyU(a, b);
    const significant = p < alpha;
    const beyondTolerance = worseIsUp ? relativeChange > tolerance : relativeChange < -tolerance;
    return {
      metric: name,
      unit,
      baselineMedian,
      currentMedian,
      relativeChange,
      pValue: p,
      significant,
      beyondTolerance,
      regression: significant && beyondTolerance,
      samples: { baseline: a.length, current: b.length },
    };
  };
  const metrics = [
    metric("latency p95", "ms", baseline.p95Ms, current.p95Ms, true),
    metric("throughput", "req/s", baseline.throughputRps, current.throughputRps, false),
  ];
  const messages = metrics.filter((m) => m.regression).map(describeChange);
  return { tolerance, alpha, metrics, regressed: messages.length > 0, messages };
}

/** "latency p95 +23.4 % (median 101.2 ms -> 124.9 ms, Mann-Whitney p = 0.0020, 9 vs 9 samples)". */
export function describeChange(m: MetricComparison): string {
  const sign = m.relativeChange >= 0 ? "+" : "";
  return (
    `${m.metric} ${sign}${(m.relativeChange * 100).toFixed(1)} % ` +
    `(median ${m.baselineMedian.toFixed(1)} ${m.unit} -> ${m.currentMedian.toFixed(1)} ${m.unit}, ` +
    `Mann-Whitney p = ${m.pValue.toFixed(4)}, ${m.samples.baseline} vs ${m.samples.current} samples)`
  );
}

/** Why a baseline cannot be compared with a run of `load`, or undefined when it can. */
export function incomparable(baseline: Baseline, load: LoadKey): string | undefined {
  const a = baseline.load;
  if (a.model !== load.model || a.shape !== load.shape || Math.abs(a.offeredRps - load.offeredRps) > 1e-6 * Math.max(1, a.offeredRps)) {
    return `baseline was recorded with ${a.model} model, ${a.shape} shape at ${a.offeredRps.toFixed(1)} req/s; this run is ${load.model}, ${load.shape} at ${load.offeredRps.toFixed(1)} req/s`;
  }
  return undefined;
}
