/** Pass/fail thresholds derived from the catalog's SLOs. */
import type { Service } from "../../../config/services";
import type { Measurements } from "./recorder";

/** One checked threshold. */
export interface ThresholdResult {
  readonly metric: string;
  readonly op: "<=" | ">=";
  readonly limit: number;
  readonly actual: number;
  readonly unit: string;
  readonly pass: boolean;
}

/** Check `actual op limit`. */
export function threshold(metric: string, op: "<=" | ">=", limit: number, actual: number, unit: string): ThresholdResult {
  return { metric, op, limit, actual, unit, pass: op === "<=" ? actual <= limit : actual >= limit };
}

/** Share of the offered rate a run must achieve: 5 % slack for scheduling jitter at the window's edges. */
export const THROUGHPUT_SLACK = 0.95;

/**
 * Thresholds of an HTTP run from the service's SLO:
 * - latency p95 <= `slo.latencyP95Ms`;
 * - error ratio <= the availability budget (1 - `slo.availability`);
 * - throughput >= 95 % of min(`slo.minThroughputRps`, offered rate), so a local run at a reduced
 *   `--rate` is held to what it offered, and a full-load run to the SLO's floor.
 */
export function httpThresholds(m: Measurements, slo: Service["slo"], offeredRps: number): ThresholdResult[] {
  const budget = Number((1 - slo.availability).toFixed(6));
  return [
    threshold("latency p95", "<=", slo.latencyP95Ms, round(m.latency.p95), "ms"),
    threshold("error ratio", "<=", budget, Number(m.errorRatio.toFixed(6)), ""),
    threshold("throughput", ">=", round(Math.min(slo.minThroughputRps, offeredRps) * THROUGHPUT_SLACK), round(m.throughputRps), "req/s"),
  ];
}

/** Round to two decimals for reports. */
export function round(v: number): number {
  return Math.round(v * 100) / 100;
}
