/**
 * Throwaway PostgreSQL and Redis servers on loopback for the framework's own
 * tests (the shared sandbox, scripts/sandbox.mjs, is built separately).
 * PostgreSQL refuses to run as root, so it runs as `nobody` with its data
 * directory chowned to that user.
 */
import { execFile, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const PG_BIN = "/usr/lib/postgresql/15/bin";

/** A server started for one test file. */
export interface Throwaway {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const asNobody = (cmd: string, args: string[]) => run("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", cmd, ...args], { timeout: 60_000 });

/** initdb + pg_ctl start in a temp dir, trust auth for user "postgres", fsync off. */
export async function startPostgres(): Promise<Throwaway> {
  const dir = mkdtempSync(path.join(tmpdir(), "perf-pg-"));
  chownSync(dir, 65534, 65534);
  const data = path.join(dir, "data");
  const port = await freePort();
  await asNobody(`${PG_BIN}/initdb`, ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  await asNobody(`${PG_BIN}/pg_ctl`, [
    "-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "60",
    "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`,
    "start",
  ]);
  return {
    host: "127.0.0.1",
    port,
    stop: async () => {
      await asNobody(`${PG_BIN}/pg_ctl`, ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `redis-server --port <free> --save ''` on 127.0.0.1, stopped by pid. */
export async function startRedis(): Promise<Throwaway> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.end();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: "127.0.0.1",
    port,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
