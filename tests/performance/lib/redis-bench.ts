/**
 * Redis scenario: redis-benchmark against a server. redis-benchmark prints
 * per-command latency percentiles (`--csv`) but no per-request log, so the
 * run is repeated and each repetition is one sample for the regression
 * detector.
 */
import type { Samples } from "./recorder";
import { median } from "./stats";
import { runTool } from "./tool";

const run = (bin: string, args: string[], options: { timeout: number; maxBuffer?: number }) => runTool("redis-benchmark", bin, args, options);

/** Options of a redis-benchmark run. */
export interface RedisBenchOptions {
  readonly host: string;
  readonly port: number;
  /** Parallel connections. @default 50 */
  readonly clients?: number;
  /** Requests per command per repetition. @default 100000 */
  readonly requests?: number;
  /** Repetitions (samples). @default 5 */
  readonly repeat?: number;
  /** Commands. @default ["get", "set", "incr", "lpush"] */
  readonly tests?: readonly string[];
  /** Password, passed with `-a`. */
  readonly password?: string;
  /** redis-benchmark binary. @default "redis-benchmark" */
  readonly bin?: string;
}

/** One command's figures (medians over repetitions). */
export interface RedisCommandRow {
  readonly command: string;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** What a redis-benchmark run measured. */
export interface RedisBenchRun {
  readonly commands: readonly RedisCommandRow[];
  /** Median over repetitions of each repetition's worst command p95. */
  readonly p95Ms: number;
  /** Throughput over all commands (median over repetitions). */
  readonly throughputRps: number;
  /** Per repetition: worst command p95 and overall throughput. */
  readonly samples: Samples;
  readonly command: string;
}

/** Parse `redis-benchmark --csv` output into rows keyed by command. */
export function parseRedisCsv(csv: string): Map<string, Omit<RedisCommandRow, "command">> {
  const rows = new Map<string, Omit<RedisCommandRow, "command">>();
  const lines = csv.trim().split("\n").map((l) => l.split(",").map((c) => c.replace(/^"|"$/g, "")));
  const header = lines[0];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`redis-benchmark --csv output has no "${name}" column; got ${header.join(",")}`);
    return i;
  };
  const [t, rps, p50, p95, p99, max] = ["test", "rps", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "max_latency_ms"].map(col);
  for (const l of lines.slice(1)) {
    rows.set(l[t], { rps: Number(l[rps]), p50Ms: Number(l[p50]), p95Ms: Number(l[p95]), p99Ms: Number(l[p99]), maxMs: Number(l[max]) });
  }
  return rows;
}

/** Run redis-benchmark `repeat` times and summarise. */
export async function runRedisBench(o: RedisBenchOptions): Promise<RedisBenchRun> {
  const bin = o.bin ?? "redis-benchmark";
  const tests = o.tests ?? ["get", "set", "incr", "lpush"];
  const requests = o.requests ?? 100_000;
  const args = ["-h", o.host, "-p", String(o.port), "-c", String(o.clients ?? 50), "-n", String(requests), "-t", tests.join(","), "--csv"];
  if (o.password) args.push("-a", o.password, "--no-auth-warning");
  const reps: Map<string, Omit<RedisCommandRow, "command">>[] = [];
  for (let i = 0; i < (o.repeat ?? 5); i++) {
    const { stdout } = await run(bin, args, { timeout: 300_000 });
    reps.push(parseRedisCsv(stdout));
  }
  const names = [...reps[0].keys()];
  const commands = names.map((command) => {
    const of = (k: keyof Omit<RedisCommandRow, "command">) => median(reps.map((r) => r.get(command)?.[k] ?? Number.NaN));
    return { command, rps: of("rps"), p50Ms: of("p50Ms"), p95Ms: of("p95Ms"), p99Ms: of("p99Ms"), maxMs: of("maxMs") };
  });
  // Every command sends `requests`, so overall throughput is total requests over total time.
  const repThroughput = reps.map((r) => (r.size * requests) / [...r.values()].reduce((s, v) => s + requests / v.rps, 0));
  const repP95 = reps.map((r) => Math.max(...[...r.values()].map((v) => v.p95Ms)));
  const shown = args.map((a, i) => (args[i - 1] === "-a" ? "***" : a));
  return {
    commands,
    p95Ms: median(repP95),
    throughputRps: median(repThroughput),
    samples: { windowMs: 0, p95Ms: repP95, throughputRps: repThroughput },
    command: `${bin} ${shown.join(" ")}`,
  };
}
