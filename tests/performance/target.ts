/**
 * Reference target: a small HTTP service on loopback that stands in for a
 * catalog service when load tests run with `--env local`, so the framework
 * itself can be tested. Every path answers with a small JSON body after the
 * configured latency; a configurable share of requests fails with 503; an
 * optional concurrency limit queues requests (FIFO) like a pod with a fixed
 * number of workers, which gives the target a real capacity and a knee.
 *
 * Load runs start it in a process of its own (`startTargetProcess`), so the
 * generator and the target do not share an event loop and the target's own
 * CPU time and resident memory can be sampled (`process.cpuUsage()`,
 * `process.memoryUsage().rss`) and reported against the utilisation budget.
 *
 * Run alone: `npx tsx tests/performance/target.ts --latency-ms 20 --port 8080`.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
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
  /** Requests received so far, and by `"<METHOD> <path>"` (the request mix the target saw). */
  readonly stats: { received: number; maxQueued: number; requests: Record<string, number> };
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
  const stats = { received: 0, maxQueued: 0, requests: {} as Record<string, number> };
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
    const key = `${req.method} ${req.url}`;
    stats.requests[key] = (stats.requests[key] ?? 0) + 1;
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

/** CPU time and resident memory of the target's process at one moment. */
export interface UsageSample {
  /** Epoch milliseconds (sub-millisecond precision). */
  readonly atMs: number;
  /** User + system CPU time since the process started, in microseconds. */
  readonly cpuUs: number;
  readonly rssBytes: number;
}

/** This process's usage now. */
export function usageNow(): UsageSample {
  const cpu = process.cpuUsage();
  return { atMs: performance.timeOrigin + performance.now(), cpuUs: cpu.user + cpu.system, rssBytes: process.memoryUsage().rss };
}

/** A reference target running in a child process. */
export interface TargetProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Usage samples pushed by the child every `usageIntervalMs`, plus those taken with `sample()`, in arrival order. */
  readonly samples: readonly UsageSample[];
  /** Ask the child for its usage now. */
  sample(): Promise<UsageSample>;
  /** The child's request counters. */
  stats(): Promise<Target["stats"]>;
  /** Stop the child (by its pid) and wait for it to exit. */
  close(): Promise<void>;
}

type ChildMessage = ({ type: "usage" } & UsageSample) | { type: "stats"; stats: Target["stats"] } | { type: "listening"; url: string; port: number };

/**
 * Start the reference target in a child process (`node --import tsx target.ts`)
 * that reports its own `process.cpuUsage()` and RSS over IPC.
 */
export async function startTargetProcess(options: Omit<TargetOptions, "port"> & { readonly usageIntervalMs?: number } = {}): Promise<TargetProcess> {
  const self = fileURLToPath(import.meta.url);
  const args = [
    "--latency-ms", String(options.latencyMs ?? 0),
    "--jitter-ms", String(options.jitterMs ?? 0),
    "--error-rate", String(options.errorRate ?? 0),
    "--concurrency", String(options.concurrency ?? 0),
    "--seed", String(options.seed ?? 1),
    "--usage-interval-ms", String(options.usageIntervalMs ?? 250),
  ];
  const child = spawn(process.execPath, ["--import", "tsx", self, ...args], {
    cwd: path.resolve(path.dirname(self), "..", ".."),
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr!.on("data", (c) => (stderr += c));
  const samples: UsageSample[] = [];
  const waiting: { usage: Array<(s: UsageSample) => void>; stats: Array<(s: Target["stats"]) => void> } = { usage: [], stats: [] };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const listening = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the reference target process did not start within 30 s: ${stderr.trim()}`)), 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the reference target process exited with ${code} before listening: ${stderr.trim().split("\n").at(-1) ?? ""}`));
    });
    child.on("message", (m: ChildMessage) => {
      if (m.type === "listening") {
        clearTimeout(timer);
        resolve({ url: m.url, port: m.port });
      } else if (m.type === "usage") {
        const sample = { atMs: m.atMs, cpuUs: m.cpuUs, rssBytes: m.rssBytes };
        samples.push(sample);
        waiting.usage.shift()?.(sample);
      } else if (m.type === "stats") waiting.stats.shift()?.(m.stats);
    });
  });
  let address: { url: string; port: number };
  try {
    address = await listening;
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  const ask = <T>(type: "usage" | "stats"): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) return reject(new Error("the reference target process is gone"));
      (waiting[type] as Array<(v: T) => void>).push(resolve);
      child.send({ type });
    });
  return {
    ...address,
    pid: child.pid!,
    samples,
    sample: () => ask<UsageSample>("usage"),
    stats: () => ask<Target["stats"]>("stats"),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
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
      seed: { type: "string", default: "1" },
      "usage-interval-ms": { type: "string", default: "0" },
    },
  });
  const target = await startTarget({
    port: Number(values.port),
    latencyMs: Number(values["latency-ms"]),
    jitterMs: Number(values["jitter-ms"]),
    errorRate: Number(values["error-rate"]),
    concurrency: Number(values.concurrency),
    seed: Number(values.seed),
  });
  let sampler: NodeJS.Timeout | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(sampler);
    void target.close().then(() => {
      if (process.connected) process.disconnect();
      else console.log(`served ${target.stats.received} requests`);
    });
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (process.send) {
    // Started by startTargetProcess: report over IPC, and stop with the parent.
    const send = (m: ChildMessage) => process.send?.(m);
    send({ type: "listening", url: target.url, port: target.port });
    process.on("message", (m: { type: string }) => {
      if (m.type === "usage") send({ type: "usage", ...usageNow() });
      else if (m.type === "stats") send({ type: "stats", stats: target.stats });
    });
    process.once("disconnect", stop);
    const every = Number(values["usage-interval-ms"]);
    if (every > 0) sampler = setInterval(() => send({ type: "usage", ...usageNow() }), every);
  } else console.log(`reference target listening on ${target.url}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  });
}
