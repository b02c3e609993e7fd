/**
 * Recovery of a service under load after a fault: from the outcome of every
 * request of an open-model run and the moment of the fault, when errors
 * stopped and when latency came back under the SLO, judged against an RTO.
 *
 * When errors stopped is exact (the intended send time of the first request
 * after the last failure). Latency needs windows: they start at the fault and
 * are one second wide by default, as the report's timeline; a p95 over a
 * quarter second is the second-worst of ~40 requests at 150 req/s, and one
 * scheduling hiccup on a busy machine would then read as an SLO breach.
 */
import { quantile } from "./stats";

/** Request outcomes as `Recorder.outcomes()` returns them (offsets in ms from the start of the load). */
export interface Outcomes {
  readonly send: readonly number[];
  readonly done: readonly number[];
  /** "" for success, otherwise the error kind. */
  readonly kind: readonly string[];
}

/** What to judge. */
export interface RecoveryInput {
  readonly outcomes: Outcomes;
  /** The fault, in ms from the start of the load. */
  readonly faultAtMs: number;
  /** Latency p95 objective in ms. */
  readonly sloP95Ms: number;
  /** Recovery time objective in seconds. */
  readonly rtoSeconds: number;
  /** Width of the latency windows after the fault. @default 1000 */
  readonly windowMs?: number;
}

/** One latency window after the fault, by intended send time. */
export interface RecoveryWindow {
  /** Seconds after the fault the window starts. */
  readonly fromS: number;
  readonly requests: number;
  readonly errors: number;
  /** p95 of the successful requests; null when none succeeded. */
  readonly p95Ms: number | null;
}

/** When the service recovered. Every duration is in seconds after the fault; null when it did not happen before the load ended. */
export interface RecoveryAnalysis {
  readonly faultAtS: number;
  /** Failed requests that completed before the fault (a healthy system has none). */
  readonly errorsBeforeFault: number;
  /** Failed requests that completed at or after the fault (including those in flight when it struck). */
  readonly errorsAfterFault: number;
  readonly errorsByKind: Record<string, number>;
  /** Intended send time of the last failed request, after the fault. */
  readonly lastErrorS: number | null;
  /** The first request after the last failure was due this long after the fault (0 when nothing failed). */
  readonly errorsStoppedAfterS: number | null;
  /** Start of the first window from which every window's p95 is within the SLO (0 when it never left it). */
  readonly latencyBackAfterS: number | null;
  /** The later of the two: the service answers, and in time, from here on. */
  readonly recoveredAfterS: number | null;
  readonly rtoSeconds: number;
  readonly sloP95Ms: number;
  readonly windowMs: number;
  /** recoveredAfterS <= rtoSeconds. */
  readonly met: boolean;
  readonly windows: readonly RecoveryWindow[];
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** Judge recovery after the fault at `faultAtMs`. */
export function analyzeRecovery(input: RecoveryInput): RecoveryAnalysis {
  const { send, done, kind } = input.outcomes;
  const fault = input.faultAtMs;
  const windowMs = input.windowMs ?? 1000;
  if (!(windowMs > 0)) throw new Error(`windowMs must be > 0; got ${windowMs}`);
  if (!(input.sloP95Ms > 0)) throw new Error(`sloP95Ms must be > 0; got ${input.sloP95Ms}`);
  const order = send.map((_, i) => i).sort((a, b) => send[a] - send[b]);

  let errorsBeforeFault = 0;
  let errorsAfterFault = 0;
  const errorsByKind: Record<string, number> = {};
  let lastError: number | null = null;
  for (const i of order) {
    if (kind[i] === "") continue;
    if (done[i] < fault) {
      errorsBeforeFault++;
      continue;
    }
    errorsAfterFault++;
    errorsByKind[kind[i]] = (errorsByKind[kind[i]] ?? 0) + 1;
    lastError = lastError === null ? send[i] : Math.max(lastError, send[i]);
  }
  let errorsStopped: number | null = 0;
  if (lastError !== null) {
    const after = order.find((i) => send[i] > lastError! && kind[i] === "");
    errorsStopped = after === undefined ? null : Math.max(0, send[after] - fault);
  }

  // Latency windows from the fault on; a request in flight at the fault belongs to the first window.
  const windows: { requests: number; errors: number; lat: number[] }[] = [];
  for (const i of order) {
    if (done[i] < fault) continue;
    const w = Math.max(0, Math.floor((send[i] - fault) / windowMs));
    while (windows.length <= w) windows.push({ requests: 0, errors: 0, lat: [] });
    windows[w].requests++;
    if (kind[i] === "") windows[w].lat.push(done[i] - send[i]);
    else windows[w].errors++;
  }
  const summary: RecoveryWindow[] = windows.map((w, k) => ({
    fromS: r3((k * windowMs) / 1000),
    requests: w.requests,
    errors: w.errors,
    p95Ms: w.lat.length ? r3(quantile(w.lat, 0.95)) : null,
  }));
  // Walk back from the end: the latency is back from the first window of the final run of windows within the SLO.
  // Windows without requests (none were due) say nothing either way.
  let latencyBack: number | null = 0;
  for (let k = summary.length - 1; k >= 0; k--) {
    const w = summary[k];
    if (w.requests > 0 && (w.p95Ms === null || w.p95Ms > input.sloP95Ms)) {
      latencyBack = k === summary.length - 1 ? null : (k + 1) * windowMs;
      break;
    }
  }

  const recovered = errorsStopped === null || latencyBack === null ? null : Math.max(errorsStopped, latencyBack);
  return {
    faultAtS: r3(fault / 1000),
    errorsBeforeFault,
    errorsAfterFault,
    errorsByKind,
    lastErrorS: lastError === null ? null : r3(lastError / 1000),
    errorsStoppedAfterS: errorsStopped === null ? null : r3(errorsStopped / 1000),
    latencyBackAfterS: latencyBack === null ? null : r3(latencyBack / 1000),
    recoveredAfterS: recovered === null ? null : r3(recovered / 1000),
    rtoSeconds: input.rtoSeconds,
    sloP95Ms: input.sloP95Ms,
    windowMs,
    met: recovered !== null && recovered / 1000 <= input.rtoSeconds,
    windows: summary,
  };
}
