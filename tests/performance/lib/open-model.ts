/**
 * Open-model load generator: requests are sent at the times a rate profile
 * dictates, whatever the server does, and latency is measured from the
 * *intended* send time. A slow server therefore cannot slow the generator
 * down and hide its own latency (no coordinated omission).
 *
 * Why not autocannon for this: autocannon is a closed-model tool. Its
 * `overallRate`/`connectionRate` only cap how many requests each connection
 * may send per second; a connection still waits for its response before it
 * sends again, so a slow server lowers the arrival rate. Its coordinated
 * omission correction calls `recordValueWithExpectedInterval(latency,
 * Math.ceil(1 / rate))`, i.e. an expected interval of 1 ms whatever the rate
 * (autocannon 9.0.0, lib/run.js). So the open model is our own scheduler
 * over Node's keep-alive `http.Agent`; autocannon drives the closed model
 * (see closed-model.ts), and both are checked against wrk in BENCHMARKS.md.
 */
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { errorKind, mixPicker, type Endpoint } from "./mix";
import { profileDurationS, sendTimesMs, type Segment } from "./profile";
import { Recorder } from "./recorder";
import * as hdr from "hdr-histogram-js";

/** Options of an open-model run. */
export interface OpenModelOptions {
  /** Base URL of the service, e.g. `http://127.0.0.1:8080` or `https://api.example.com/prefix`. */
  readonly baseUrl: string;
  readonly profile: readonly Segment[];
  readonly endpoints: readonly Endpoint[];
  /** A request without a response this long after its intended send time is a "timeout" error. @default 10000 */
  readonly timeoutMs?: number;
  /** Requests outstanding at once; beyond it a due request is counted as a "client saturated" error instead of sent. @default 10000 */
  readonly maxInFlight?: number;
  /** Keep-alive sockets of the agent; further requests wait in the agent's queue (and that wait is measured). @default 1024 */
  readonly maxSockets?: number;
  /** Seed of the request mix. @default 1 */
  readonly seed?: number;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Stop early: requests due after the abort are not sent, and the load
   * window ends at the abort (a chaos run holds the load until the fault's
   * recovery is over, however long that takes).
   * @default - the whole profile is sent
   */
  readonly signal?: AbortSignal;
}

/** What an open-model run produced. */
export interface OpenModelRun {
  readonly recorder: Recorder;
  /** Length of the load window (the profile), in seconds. */
  readonly durationS: number;
  /** How late the generator dispatched requests against their schedule, in ms: a high p99 means the generator itself was the bottleneck. */
  readonly dispatchLagMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** Run an open-model load against `baseUrl`, bounded by the profile's request count and duration plus `timeoutMs`. */
export async function runOpenModel(options: OpenModelOptions): Promise<OpenModelRun> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 10_000;
  const base = new URL(options.baseUrl);
  const transport = base.protocol === "https:" ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 1024 });
  const prefix = base.pathname.replace(/\/$/, "");
  const pick = mixPicker(options.endpoints, options.seed ?? 1);
  const recorder = new Recorder();
  const lags = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2 }); // microseconds
  const inFlight = new Map<http.ClientRequest, number>(); // request -> intended send offset
  const times = sendTimesMs(options.profile);
  const t0 = performance.now();
  const now = () => performance.now() - t0;

  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let allSent = false;
  const maybeFinish = () => {
    if (allSent && inFlight.size === 0) finish();
  };

  const fire = (intended: number) => {
    const at = now();
    lags.recordValue(Math.max(1, Math.round((at - intended) * 1000)));
    if (inFlight.size >= maxInFlight) {
      recorder.error("client saturated", intended, at);
      return;
    }
    const endpoint = pick();
    let settled = false;
    const settle = (kind: string) => {
      if (settled) return;
      settled = true;
      inFlight.delete(req);
      if (kind === "") recorder.ok(intended, now());
      else recorder.error(kind, intended, now());
      maybeFinish();
    };
    const body = endpoint.body;
    const req = transport.request(
      {
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port,
        path: prefix + endpoint.path,
        method: endpoint.method,
        agent,
        timeout: timeoutMs,
        headers: {
          ...options.headers,
          ...(body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.on("error", (err) => settle(errorKind(err)));
        res.on("end", () => settle(status >= 200 && status < 400 ? "" : `http ${status}`));
        res.resume();
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) => settle(errorKind(err)));
    inFlight.set(req, intended);
    req.end(body);
  };

  let next = times.next();
  let timer: NodeJS.Timeout | undefined;
  let abortedAt: number | undefined;
  const tick = () => {
    const t = now();
    // Catch up on every request that is due: a late timer must not drop or delay the schedule.
    while (!next.done && next.value <= t) {
      fire(next.value);
      next = times.next();
    }
    if (options.signal?.aborted) abortedAt ??= t;
    if (next.done || abortedAt !== undefined) {
      allSent = true;
      maybeFinish();
      return;
    }
    timer = setTimeout(tick, Math.max(0, next.value - now() - 1));
  };
  tick();

  // Bound the run: whatever is still outstanding `timeoutMs` after the last send is a timeout.
  const expire = () => {
    for (const req of inFlight.keys()) req.destroy(new Error("timed out"));
  };
  let deadline = setTimeout(expire, profileDurationS(options.profile) * 1000 + timeoutMs);
  const onAbort = () => {
    clearTimeout(timer);
    tick();
    clearTimeout(deadline);
    deadline = setTimeout(expire, timeoutMs);
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  await finished;
  options.signal?.removeEventListener("abort", onAbort);
  clearTimeout(deadline);
  agent.destroy();
  return {
    recorder,
    durationS: abortedAt === undefined ? profileDurationS(options.profile) : abortedAt / 1000,
    dispatchLagMs: { p50: lags.getValueAtPercentile(50) / 1000, p99: lags.getValueAtPercentile(99) / 1000, max: lags.maxValue / 1000 },
  };
}
