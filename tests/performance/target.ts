/**
 * Reference target: a small HTTP service on loopback that stands in for a
 * catalog service when load tests run with `--env local`, so the framework
 * itself can be tested. Every path answers with a small JSON body after the
 * configured latency; a configurable share of requests fails with 503; an
 * optional concurrency limit queues requests (FIFO) like a pod with a fixed
 * number of workers, which gives the target a real capacity and a knee.
 *
 * Run alone: `npx tsx tests/performance/target.ts --latency-ms 20 --port 8080`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { seededRandom } from "./lib/stats";

/** Behaviour of the reference target. */
export interface TargetOptions {
  /** Service time of every request in ms. @default 0 */
  readonly latencyMs?: number;
  /** Extra service time, uniform in [0, jitterMs). @default 0 */
  readonly jitterMs?: number;
  /** Share of requests (0..1) answered with 503. @default 0 */
  readonly errorRate?: number;
  /** Requests served at the same time; the rest wait in a FIFO queue. @default 0 - unlimited */
  readonly concurrency?: number;
  /** Port on 127.0.0.1. @default 0 - a free port */
  readonly port?: number;
  /** Seed of the error and jitter draws, so runs are reproducible. @default 1 */
  readonly seed?: number;
}

/** A running reference target. */
export interface Target {
  /** Base URL such as `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Requests received so far. */
  readonly stats: { received: number; maxQueued: number };
  /** Change the service time while running (e.g. to inject a slowdown). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/** Start a reference target on 127.0.0.1. */
export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  let latencyMs = options.latencyMs ?? 0;
  const jitterMs = options.jitterMs ?? 0;
  const errorRate = options.errorRate ?? 0;
  const concurrency = options.concurrency ?? 0;
  if (!(latencyMs >= 0)) throw new Error(`latencyMs must be >= 0; got ${latencyMs}`);
  if (!(errorRate >= 0 && errorRate <= 1)) throw new Error(`errorRate must be between 0 and 1; got ${errorRate}`);
  if (!(Number.isInteger(concurrency) && concurrency >= 0)) throw new Error(`concurrency must be an integer >= 0; got ${concurrency}`);
  const random = seededRandom(options.seed ?? 1);
  const stats = { received: 0, maxQueued: 0 };
  const queue: Array<() => void> = [];
  let busy = 0;

  const serve = (req: http.IncomingMessage, res: http.ServerResponse, release: () => void) => {
    const fail = req.url !== "/healthz" && random() < errorRate;
    const delay = latencyMs + (jitterMs > 0 ? random() * jitterMs : 0);
    const answer = () => {
      const body = fail ? '{"error":"injected"}' : '{"ok":true}';
      res.writeHead(fail ? 503 : 200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
      release();
    };
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  };
  const next = () => {
    busy--;
    const waiting = queue.shift();
    if (waiting) waiting();
  };

  const server = http.createServer((req, res) => {
    stats.received++;
    req.resume(); // discard request bodies
    req.on("end", () => {
      if (concurrency === 0) return serve(req, res, () => {});
      const start = () => {
        busy++;
        serve(req, res, next);
      };
      if (busy < concurrency) start();
      else {
        queue.push(start);
        stats.maxQueued = Math.max(stats.maxQueued, queue.length);
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      "latency-ms": { type: "string", default: "0" },
      "jitter-ms": { type: "string", default: "0" },
      "error-rate": { type: "string", default: "0" },
      concurrency: { type: "string", default: "0" },
    },
  });
  const target = await startTarget({
    port: Number(values.port),
    latencyMs: Number(values["latency-ms"]),
    jitterMs: Number(values["jitter-ms"]),
    errorRate: Number(values["error-rate"]),
    concurrency: Number(values.concurrency),
  });
  console.log(`reference target listening on ${target.url}`);
  const stop = () => void target.close().then(() => console.log(`served ${target.stats.received} requests`));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  });
}
