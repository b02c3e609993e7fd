/**
 * Cross-check of the load generators against wrk on the same local target:
 * `npx tsx tests/performance/bench-wrk.ts [--duration 5] [--connections 16]`.
 * Starts the reference target in its own process (so generator and target do
 * not share an event loop), then runs wrk, autocannon (closed model, through
 * closed-model.ts) and the open-model generator, and prints a Markdown table
 * for BENCHMARKS.md. Loopback only.
 */
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { runClosedModel } from "./lib/closed-model";
import type { Endpoint } from "./lib/mix";
import { runOpenModel } from "./lib/open-model";
import { buildProfile } from "./lib/profile";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const endpoint: Endpoint[] = [{ name: "get", method: "GET", path: "/v1/content/42", weight: 1 }];

/** Start target.ts in a child process; resolves with its URL and a stop function. */
async function targetProcess(latencyMs: number): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "target.ts"), "--latency-ms", String(latencyMs)], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (b: Buffer) => {
      const m = /listening on (\S+)/.exec(String(b));
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`target exited with ${code}`)));
  });
  return { url, stop: () => child.kill("SIGTERM") };
}

/** Run wrk and read its throughput and latency distribution (ms). */
async function wrk(url: string, connections: number, durationS: number) {
  const { stdout } = await run("wrk", ["-t1", `-c${connections}`, `-d${durationS}s`, "--latency", `${url}/v1/content/42`]);
  const ms = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit];
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(stdout);
    return m ? ms(m[1], m[2]) : Number.NaN;
  };
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]), p50: pct("50"), p90: pct("90"), p99: pct("99") };
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: "string", default: "5" }, connections: { type: "string", default: "16" } } });
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
  console.log("| target latency | tool | model | req/s | p50 ms | p90 ms | p99 ms | note |");
  console.log("|---|---|---|---:|---:|---:|---:|---|");
  for (const latencyMs of [0, 20]) {
    const target = await targetProcess(latencyMs);
    try {
      const w = await wrk(target.url, connections, durationS);
      console.log(`| ${latencyMs} ms | wrk 4 (-t1 -c${connections}) | closed | ${fmt(w.rps)} | ${fmt(w.p50)} | ${fmt(w.p90)} | ${fmt(w.p99)} | |`);
      const settle = () => new Promise((r) => setTimeout(r, 1000)); // let the previous tool's connections close
      await settle();
      const a = await runClosedModel({ baseUrl: target.url, endpoints: endpoint, connections, durationS });
      const am = a.recorder.summarize(durationS);
      console.log(`| ${latencyMs} ms | autocannon 9 (${connections} conns) | closed | ${fmt(am.throughputRps)} | ${fmt(am.latency.p50)} | ${fmt(am.latency.p90)} | ${fmt(am.latency.p99)} | |`);
      // At 5000 req/s (5x the catalog's expected load) when the target can take it, and at half of wrk's rate.
      for (const rate of [...new Set([Math.min(5000, Math.round(w.rps / 2)), Math.round(w.rps / 2)])]) {
        await settle();
        const o = await runOpenModel({ baseUrl: target.url, profile: buildProfile("steady", rate, durationS), endpoints: endpoint });
        const om = o.recorder.summarize(durationS);
        console.log(
          `| ${latencyMs} ms | open-model generator | open @ ${rate} req/s | ${fmt(om.throughputRps)} | ${fmt(om.latency.p50)} | ${fmt(om.latency.p90)} | ${fmt(om.latency.p99)} | dispatch lag p99 ${fmt(o.dispatchLagMs.p99)} ms |`,
        );
      }
    } finally {
      target.stop();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
