/**
 * Collects one outcome per request and turns them into the figures a run
 * reports: an HDR-histogram latency summary, errors by kind, a per-second
 * timeline, and per-window samples for the regression detector.
 *
 * Latency is always `done - intended send time`: for the open model the
 * intended time comes from the schedule, so queueing anywhere (event loop,
 * connection pool, server) is included, which avoids coordinated omission.
 */
import * as hdr from "hdr-histogram-js";
import { quantile } from "./stats";

/** Latency percentiles in milliseconds, from an HDR histogram (3 significant digits). */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** One second of a run. */
export interface TimelinePoint {
  /** Second since the start of the run. */
  readonly second: number;
  /** Requests whose intended send time falls in this second. */
  readonly offered: number;
  /** Successful responses completed in this second (throughput). */
  readonly ok: number;
  /** Failed requests (any kind) whose intended send time falls in this second. */
  readonly errors: number;
  /** Latency percentiles of the successful requests intended in this second; null when there were none. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

/** Repeated samples of the run, one per window, that the regression detector compares. */
export interface Samples {
  readonly windowMs: number;
  readonly p95Ms: number[];
  readonly throughputRps: number[];
}

/** What a recorded run measured. */
export interface Measurements {
  readonly requests: { readonly sent: number; readonly ok: number; readonly errors: number };
  /** Successful responses per second between the first and the last successful response. */
  readonly throughputRps: number;
  readonly errorRatio: number;
  readonly latency: LatencySummary;
  readonly errors: Record<string, number>;
  readonly timeline: TimelinePoint[];
  readonly samples: Samples;
}

/** Records request outcomes; offsets are milliseconds from the start of the run. */
export class Recorder {
  private readonly send: number[] = [];
  private readonly done: number[] = [];
  /** "" for success, otherwise the error kind. */
  private readonly kind: string[] = [];

  /** A successful response. */
  ok(sendOffsetMs: number, doneOffsetMs: number): void {
    this.push(sendOffsetMs, doneOffsetMs, "");
  }

  /** A failed request; `kind` is e.g. "http 503", "timeout", "ECONNREFUSED", "client saturated". */
  error(kind: string, sendOffsetMs: number, doneOffsetMs: number): void {
    this.push(sendOffsetMs, doneOffsetMs, kind);
  }

  /** Every outcome so far, in recording order: intended send and completion offsets in ms, "" or the error kind. */
  outcomes(): { readonly send: readonly number[]; readonly done: readonly number[]; readonly kind: readonly string[] } {
    return { send: this.send, done: this.done, kind: this.kind };
  }

  /** Number of outcomes recorded so far. */
  get count(): number {
    return this.send.length;
  }

  /** Add every outcome of `other`, shifted by `offsetMs` (stages of a stress run into one timeline). */
  append(other: Recorder, offsetMs: number): void {
    for (let i = 0; i < other.send.length; i++) this.push(other.send[i] + offsetMs, other.done[i] + offsetMs, other.kind[i]);
  }

  private push(s: number, d: number, k: string): void {
    this.send.push(s);
    this.done.push(d);
    this.kind.push(k);
  }

  /**
   * Summarise the run. `measuredS` is the length of the load window (the
   * profile's duration, or the closed-model run's duration): throughput is
   * successful requests divided by it. `windowMs` sets the sample windows;
   * the first window is dropped as warm-up when there are at least four.
   */
  summarize(measuredS: number, windowMs = 1000): Measurements {
    const hist = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
    const errors: Record<string, number> = {};
    // The timeline runs on past the load window while the last responses drain.
    const lastDone = this.done.reduce((a, d) => Math.max(a, d), 0);
    const seconds = Math.max(1, Math.ceil(Math.max(measuredS, lastDone / 1000) - 1e-9));
    let lastOk = 0;
    let firstOk = Infinity;
    const offered = new Array<number>(seconds).fill(0);
    const okDone = new Array<number>(seconds).fill(0);
    const errs = new Array<number>(seconds).fill(0);
    const lat: number[][] = Array.from({ length: seconds }, () => []);
    const windows = Math.max(1, Math.floor((measuredS * 1000 + 1e-6) / windowMs));
    const winLat: number[][] = Array.from({ length: windows }, () => []);
    const winOk = new Array<number>(windows).fill(0);
    let ok = 0;
    let sum = 0;
    for (let i = 0; i < this.send.length; i++) {
      const sec = Math.min(seconds - 1, Math.floor(this.send[i] / 1000));
      offered[sec]++;
      if (this.kind[i] !== "") {
        errors[this.kind[i]] = (errors[this.kind[i]] ?? 0) + 1;
        errs[sec]++;
        continue;
      }
      const ms = this.done[i] - this.send[i];
      ok++;
      sum += ms;
      hist.recordValue(Math.max(1, Math.round(ms * 1000))); // microseconds
      lat[sec].push(ms);
      lastOk = Math.max(lastOk, this.done[i]);
      firstOk = Math.min(firstOk, this.done[i]);
      okDone[Math.min(seconds - 1, Math.floor(this.done[i] / 1000))]++;
      const w = Math.floor(this.send[i] / windowMs);
      if (w < windows) winLat[w].push(ms);
      // Throughput samples count completions, so a server that cannot keep up shows its real rate.
      const wd = Math.floor(this.done[i] / windowMs);
      if (wd < windows) winOk[wd]++;
    }
    const pct = (p: number) => (ok === 0 ? 0 : hist.getValueAtPercentile(p) / 1000);
    const latency: LatencySummary = {
      count: ok,
      mean: ok === 0 ? 0 : sum / ok,
      p50: pct(50),
      p90: pct(90),
      p95: pct(95),
      p99: pct(99),
      max: ok === 0 ? 0 : hist.maxValue / 1000,
    };
    const timeline: TimelinePoint[] = offered.map((n, s) => ({
      second: s,
      offered: n,
      ok: okDone[s],
      errors: errs[s],
      p50Ms: lat[s].length ? quantile(lat[s], 0.5) : null,
      p95Ms: lat[s].length ? quantile(lat[s], 0.95) : null,
      p99Ms: lat[s].length ? quantile(lat[s], 0.99) : null,
    }));
    const first = windows >= 4 ? 1 : 0;
    const samples: Samples = {
      windowMs,
      p95Ms: winLat.slice(first).map((l) => (l.length ? quantile(l, 0.95) : Number.NaN)).filter((v) => !Number.isNaN(v)),
      throughputRps: winOk.slice(first).map((n) => (n * 1000) / windowMs),
    };
    const sent = this.send.length;
    return {
      requests: { sent, ok, errors: sent - ok },
      // Between the first and the last successful response: a server slower than the offered
      // rate drains late and shows its real rate, and a healthy one's latency shifts both ends alike.
      throughputRps: ok < 2 || lastOk <= firstOk ? ok / measuredS : ((ok - 1) * 1000) / (lastOk - firstOk),
      errorRatio: sent === 0 ? 0 : (sent - ok) / sent,
      latency,
      errors,
      timeline,
      samples,
    };
  }
}
