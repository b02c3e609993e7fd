/**
 * PostgreSQL scenario: pgbench against a server, with the p95 transaction
 * latency computed from pgbench's per-transaction log (`--log`), because
 * pgbench's own summary gives only the average. The log times whole
 * transactions (tpcb-like: five queries), not single queries, so the issue's
 * 10 ms per-query target is applied to each transaction: a stricter test. With `rateTps`, pgbench
 * schedules transactions at that rate (`-R`) and its logged latency is
 * measured from the scheduled start, so this is an open model too.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Recorder, type Measurements } from "./recorder";
import { runTool } from "./tool";

const run = (bin: string, args: string[], options: { timeout: number; maxBuffer?: number }) => runTool("pgbench", bin, args, options);

export const PGBENCH_SCRIPTS = ["tpcb-like", "simple-update", "select-only"] as const;

/**
 * Queries in one transaction of a built-in script, BEGIN/END not counted
 * (https://www.postgresql.org/docs/15/pgbench.html, "Built-in Scripts"):
 * tpcb-like updates accounts, tellers and branches, selects a balance and
 * inserts into history; simple-update leaves out the tellers and branches updates.
 */
export function statementsPerTransaction(script: (typeof PGBENCH_SCRIPTS)[number]): number {
  return { "tpcb-like": 5, "simple-update": 3, "select-only": 1 }[script];
}

/** Options of a pgbench run. */
export interface PgbenchOptions {
  readonly host: string;
  readonly port: number;
  /** @default "postgres" */
  readonly user?: string;
  /** @default "postgres" */
  readonly database?: string;
  /** Client connections. @default 4 */
  readonly clients?: number;
  readonly durationS: number;
  /** Scheduled transactions per second (open model); unset runs as fast as the clients can (closed model). */
  readonly rateTps?: number;
  /** Built-in script. @default "tpcb-like" */
  readonly script?: (typeof PGBENCH_SCRIPTS)[number];
  /** Create the pgbench tables first (`pgbench -i`); this drops existing pgbench_* tables. @default false */
  readonly init?: boolean;
  /** Scale factor of `-i`. @default 1 */
  readonly scale?: number;
  /** Sample window for the regression detector. @default 1000 */
  readonly windowMs?: number;
  /** pgbench binary. @default "pgbench" */
  readonly bin?: string;
}

/** What a pgbench run measured. */
export interface PgbenchRun {
  readonly measurements: Measurements;
  readonly command: string;
}

/** Run pgbench and compute latency percentiles and a per-second timeline from its transaction log. */
export async function runPgbench(o: PgbenchOptions): Promise<PgbenchRun> {
  const bin = o.bin ?? "pgbench";
  const conn = ["-h", o.host, "-p", String(o.port), "-U", o.user ?? "postgres"];
  const db = o.database ?? "postgres";
  if (o.init) await run(bin, ["-i", "-q", "-s", String(o.scale ?? 1), ...conn, db], { timeout: 120_000 });
  const clients = o.clients ?? 4;
  const dir = mkdtempSync(path.join(tmpdir(), "pgbench-log-"));
  try {
    const args = [
      ...conn,
      "-c", String(clients),
      "-j", String(Math.min(clients, 2)),
      "-T", String(Math.max(1, Math.round(o.durationS))),
      "-b", o.script ?? "tpcb-like",
      ...(o.rateTps ? ["-R", String(o.rateTps)] : []),
      "--log", `--log-prefix=${path.join(dir, "tx")}`,
      db,
    ];
    await run(bin, args, { timeout: (o.durationS + 120) * 1000, maxBuffer: 10 * 1024 * 1024 });
    const lines = readdirSync(dir)
      .filter((f) => f.startsWith("tx."))
      .flatMap((f) => readFileSync(path.join(dir, f), "utf8").split("\n"))
      .filter((l) => l.trim() !== "");
    return { measurements: parsePgbenchLog(lines, Math.max(1, Math.round(o.durationS)), o.windowMs), command: `${bin} ${args.join(" ")}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Turn pgbench per-transaction log lines
 * (`client_id transaction_no time script_no time_epoch time_us [schedule_lag ...]`,
 * `time` in microseconds or "failed"/"skipped") into measurements.
 */
export function parsePgbenchLog(lines: readonly string[], durationS: number, windowMs = 1000): Measurements {
  const rows = lines.map((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) throw new Error(`unexpected pgbench log line: ${line}`);
    const endUs = Number(f[4]) * 1e6 + Number(f[5]);
    return { time: f[2], endUs };
  });
  const latUs = (r: { time: string }) => (/^\d+$/.test(r.time) ? Number(r.time) : 0);
  const startUs = Math.min(...rows.map((r) => r.endUs - latUs(r)));
  const recorder = new Recorder();
  for (const r of rows) {
    const done = (r.endUs - startUs) / 1000;
    if (/^\d+$/.test(r.time)) recorder.ok(done - Number(r.time) / 1000, done);
    else recorder.error(`transaction ${r.time}`, done, done);
  }
  return recorder.summarize(durationS, windowMs);
}
