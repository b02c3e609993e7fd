/**
 * Closed-model load with autocannon: a fixed number of connections, each
 * sending its next request when the previous response arrived. Use it when a
 * scenario models a fixed population of clients (batch workers, a queue
 * consumer's pollers); it must not be used to claim latency at an arrival
 * rate, because a slow server slows the clients down (see open-model.ts).
 */
import autocannon from "autocannon";
import { performance } from "node:perf_hooks";
import { errorKind, mixPicker, type Endpoint } from "./mix";
import { Recorder } from "./recorder";

/** Options of a closed-model run. */
export interface ClosedModelOptions {
  readonly baseUrl: string;
  readonly endpoints: readonly Endpoint[];
  /** Concurrent connections (the client population). */
  readonly connections: number;
  readonly durationS: number;
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
  /** Seed of the request mix. @default 1 */
  readonly seed?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a closed-model run produced. */
export interface ClosedModelRun {
  readonly recorder: Recorder;
  readonly durationS: number;
}

/** Run autocannon against `baseUrl` and record every response in our own recorder (same figures as the open model). */
export async function runClosedModel(options: ClosedModelOptions): Promise<ClosedModelRun> {
  const pick = mixPicker(options.endpoints, options.seed ?? 1);
  // Each connection cycles through this sequence; 100 draws reproduce the mix's weights closely.
  const requests = Array.from({ length: 100 }, () => {
    const e = pick();
    return e.body === undefined
      ? { method: e.method, path: e.path }
      : { method: e.method, path: e.path, body: e.body, headers: { "content-type": "application/json" } };
  });
  const recorder = new Recorder();
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: options.durationS,
        timeout: Math.ceil((options.timeoutMs ?? 10_000) / 1000),
        headers: { ...options.headers },
        requests,
      },
      (err) => (err ? reject(err) : resolve()),
    );
    instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      const done = performance.now() - t0;
      // Closed model: the request was sent when it was sent; there is no other intended time.
      const sent = Math.max(0, done - responseTimeMs);
      if (statusCode >= 200 && statusCode < 400) recorder.ok(sent, done);
      else recorder.error(`http ${statusCode}`, sent, done);
    });
    instance.on("reqError", (err: unknown) => {
      const done = performance.now() - t0;
      recorder.error(errorKind(err), done, done);
    });
  });
  return { recorder, durationS: options.durationS };
}
