/**
 * Database-backed reference target: a small HTTP service on loopback whose
 * every request writes one row (PostgreSQL) or key (Redis) on the local
 * sandbox's primary and reads it back, so a load run sees what a real service
 * sees when the primary dies. It follows the primary as clients do: for
 * PostgreSQL it connects to whichever sandbox node answers
 * `pg_is_in_recovery() = false`; for Redis it asks a Sentinel
 * (`SENTINEL GET-MASTER-ADDR-BY-NAME`). A request that fails is answered with
 * 503 and the connection it used is dropped; the next request reconnects.
 *
 * Run alone (sandbox up first):
 * `npx tsx tests/performance/db-target.ts --backend postgres|redis [--port 8080] [--pool 8]`.
 */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { sandboxDir } from "../../runbooks/lib/paths.mjs";
import { PgConnection } from "../../runbooks/lib/pgwire.mjs";
import { RespConnection } from "../../runbooks/lib/resp.mjs";
import { readState, REDIS_MASTER_NAME } from "../../runbooks/lib/sandbox.mjs";
import { UsageError } from "./lib/errors";

export const BACKENDS = ["postgres", "redis"] as const;
export type Backend = (typeof BACKENDS)[number];

/** Behaviour of the database-backed target. */
export interface DbTargetOptions {
  readonly backend: Backend;
  /** Sandbox state directory. @default GROUNDWORK_SANDBOX_DIR or .sandbox/ */
  readonly sandboxDir?: string;
  /** Port on 127.0.0.1. @default 0 - a free port */
  readonly port?: number;
  /** PostgreSQL connections (one query at a time each); Redis pipelines on one connection. @default 8 */
  readonly poolSize?: number;
  /** A query or command without an answer this long fails the request. @default 1000 */
  readonly queryTimeoutMs?: number;
}

/** A running database-backed target. */
export interface DbTarget {
  readonly url: string;
  readonly port: number;
  readonly backend: Backend;
  /** Requests answered, and by which server the successful ones were served. */
  readonly stats: { received: number; ok: number; failed: number; servedBy: Record<string, number> };
  close(): Promise<void>;
}

/** A connection to the current primary that runs one write+read and says which server answered. */
interface Backend_ {
  /** Write one record keyed by `seq` and read it back; resolves to the server's name. */
  writeRead(seq: number): Promise<string>;
  close(): void;
}

/** Start the target; fails when the sandbox is not up or its primary cannot take the first write. */
export async function startDbTarget(options: DbTargetOptions): Promise<DbTarget> {
  if (!(BACKENDS as readonly string[]).includes(options.backend)) throw new UsageError(`--backend ${options.backend} is not allowed; expected one of ${BACKENDS.join(", ")}`);
  const poolSize = options.poolSize ?? 8;
  if (!(Number.isInteger(poolSize) && poolSize >= 1)) throw new UsageError(`--pool ${poolSize} is not allowed; expected an integer >= 1`);
  const dir = options.sandboxDir ?? sandboxDir();
  if (!readState(dir)) throw new Error(`no sandbox in ${dir}: start it with "node scripts/sandbox.mjs up"`);
  const timeoutMs = options.queryTimeoutMs ?? 1000;
  // One run's keys never collide with another's (the tables outlive a target).
  const run = crypto.randomBytes(6).toString("hex");
  const db = options.backend === "postgres" ? await postgresBackend(dir, run, poolSize, timeoutMs) : redisBackend(dir, run, timeoutMs);
  let seq = 0;
  // Fail fast here rather than with a run of 503s.
  await db.writeRead(++seq);

  const stats = { received: 0, ok: 0, failed: 0, servedBy: {} as Record<string, number> };
  const server = http.createServer((req, res) => {
    stats.received++;
    req.resume();
    req.on("end", () => {
      const answer = (status: number, body: string) => {
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.end(body);
      };
      db.writeRead(++seq).then(
        (server) => {
          stats.ok++;
          stats.servedBy[server] = (stats.servedBy[server] ?? 0) + 1;
          answer(200, JSON.stringify({ ok: true, server }));
        },
        (err: unknown) => {
          stats.failed++;
          answer(503, JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
        },
      );
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
    backend: options.backend,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          db.close();
          resolve();
        });
      }),
  };
}

/** A connection to a sandbox primary and the name of the node it reached. */
export interface PrimaryConnection<C> {
  readonly conn: C;
  readonly name: string;
}

/**
 * Connect to the sandbox's PostgreSQL primary as clients find it: the node
 * that answers `pg_is_in_recovery() = false`, the recorded primary tried first.
 */
export async function connectPostgresPrimary(dir: string, applicationName = "groundwork-load"): Promise<PrimaryConnection<PgConnection>> {
  const state = readState(dir);
  if (!state) throw new Error(`no sandbox in ${dir}`);
  // The recorded primary first; after a failover the runbook records the new one, but clients must not wait for that.
  const nodes = Object.values(state.postgres.nodes).sort((a, b) => Number(b.name === state.postgres.primary) - Number(a.name === state.postgres.primary));
  const tried: string[] = [];
  for (const n of nodes) {
    let conn: PgConnection | null = null;
    try {
      conn = await PgConnection.connect({ port: n.port, timeoutMs: 250, applicationName });
      const [[inRecovery]] = await conn.query("SELECT pg_is_in_recovery()", 500);
      if (inRecovery === "f") return { conn, name: n.name };
      tried.push(`${n.name} is a standby`);
    } catch (err) {
      tried.push(`${n.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    conn?.close();
  }
  throw new Error(`no PostgreSQL primary (${tried.join("; ")})`);
}

/** Connect to the sandbox's Redis primary as Sentinel names it (`SENTINEL GET-MASTER-ADDR-BY-NAME`). */
export async function connectRedisPrimary(dir: string): Promise<PrimaryConnection<RespConnection>> {
  const state = readState(dir);
  if (!state) throw new Error(`no sandbox in ${dir}`);
  const errors: string[] = [];
  for (const [name, s] of Object.entries(state.redis.sentinels)) {
    let sentinel: RespConnection | null = null;
    let port: number;
    try {
      sentinel = await RespConnection.connect({ port: s.port, timeoutMs: 250 });
      const reply = (await sentinel.command(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", REDIS_MASTER_NAME], 500)) as string[];
      port = Number(reply[1]);
    } catch (err) {
      errors.push(`sentinel ${name}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    } finally {
      sentinel?.close();
    }
    const node = Object.entries(state.redis.nodes).find(([, n]) => n.port === port)?.[0] ?? `port ${port}`;
    return { conn: await RespConnection.connect({ port, timeoutMs: 250 }), name: node };
  }
  throw new Error(`no Sentinel answered (${errors.join("; ")})`);
}

/**
 * PostgreSQL: a pool of connections to the primary. Each request inserts a row
 * and selects it in one round trip (a simple query with two statements runs as
 * one transaction); a connection that fails once is closed, not reused.
 */
async function postgresBackend(dir: string, run: string, poolSize: number, timeoutMs: number): Promise<Backend_> {
  type Conn = PrimaryConnection<PgConnection>;
  const idle: Conn[] = [];
  const waiting: Array<(c: Conn | null) => void> = [];
  let open = 0;
  let closed = false;

  const connectPrimary = () => connectPostgresPrimary(dir);
  const acquire = async (): Promise<Conn> => {
    const c = idle.pop();
    if (c) return c;
    if (open < poolSize) {
      open++;
      try {
        return await connectPrimary();
      } catch (err) {
        open--;
        wakeOne();
        throw err;
      }
    }
    const next = await new Promise<Conn | null>((resolve) => waiting.push(resolve));
    return next ?? acquire();
  };
  // A slot freed without a connection: let a waiting request open its own.
  const wakeOne = () => waiting.shift()?.(null);
  const release = (c: Conn, healthy: boolean) => {
    if (!healthy || closed) {
      c.conn.close();
      open--;
      wakeOne();
      return;
    }
    const w = waiting.shift();
    if (w) w(c);
    else idle.push(c);
  };

  const first = await connectPrimary();
  await first.conn.query(
    "CREATE TABLE IF NOT EXISTS load_requests (run text NOT NULL, seq bigint NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (run, seq))",
    30_000,
  );
  first.conn.close();

  return {
    async writeRead(seq) {
      const c = await acquire();
      try {
        const rows = await c.conn.query(`INSERT INTO load_requests (run, seq) VALUES ('${run}', ${seq}); SELECT seq FROM load_requests WHERE run = '${run}' AND seq = ${seq}`, timeoutMs);
        if (rows.length !== 1 || rows[0][0] !== String(seq)) throw new Error(`read back ${JSON.stringify(rows)} after writing ${seq}`);
        release(c, true);
        return c.name;
      } catch (err) {
        release(c, false);
        throw err;
      }
    },
    close() {
      closed = true;
      for (const c of idle.splice(0)) c.conn.close();
      for (const w of waiting.splice(0)) w(null);
    },
  };
}

/**
 * Redis: one pipelined connection to the primary Sentinel names. Each request
 * sets a key (expiring in a minute) and gets it back.
 */
function redisBackend(dir: string, run: string, timeoutMs: number): Backend_ {
  type Conn = PrimaryConnection<RespConnection>;
  let current: Promise<Conn> | null = null;

  const connectPrimary = () => connectRedisPrimary(dir);
  const drop = (failed: Promise<Conn>) => {
    // Only the connection that failed: a request that fails late must not drop its successor.
    if (current !== failed) return;
    current = null;
    failed.then((c) => c.conn.close(), () => {});
  };

  return {
    async writeRead(seq) {
      const conn = (current ??= connectPrimary());
      try {
        const c = await conn;
        const key = `load:${run}:${seq}`;
        const [set, got] = await Promise.all([c.conn.command(["SET", key, String(seq), "EX", 60], timeoutMs), c.conn.command(["GET", key], timeoutMs)]);
        if (set !== "OK" || got !== String(seq)) throw new Error(`read back ${JSON.stringify(got)} after writing ${seq} (${JSON.stringify(set)})`);
        return c.name;
      } catch (err) {
        drop(conn);
        throw err;
      }
    },
    close() {
      if (current) drop(current);
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { backend: { type: "string" }, port: { type: "string", default: "0" }, pool: { type: "string", default: "8" } } });
  const backend = values.backend as Backend;
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`--backend ${values.backend ?? "(missing)"} is not allowed; expected one of ${BACKENDS.join(", ")}`);
  const port = Number(values.port);
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new UsageError(`--port ${values.port} is not allowed; expected a port number (0: a free one)`);
  const target = await startDbTarget({ backend, port, poolSize: Number(values.pool) });
  console.log(`${backend}-backed target listening on ${target.url}`);
  const stop = () => void target.close().then(() => console.log(`served ${target.stats.ok} requests, ${target.stats.failed} failed: ${JSON.stringify(target.stats.servedBy)}`));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err: unknown) => {
    console.error(`db-target: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  });
}
