/**
 * `node scripts/sandbox.mjs up|down|status` as operators run it: one real
 * sandbox in a temp directory shared by the cases in order (each `up` costs
 * seconds), and, when the tests run as root, a second one started by an
 * unprivileged user to exercise the normal-user path. afterAll stops both.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../runbooks/lib/paths.mjs";
import { down, pidAlive, readState, writeState, type ServerStatus } from "../../runbooks/lib/sandbox.mjs";

const script = path.join(repoRoot, "scripts/sandbox.mjs");
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the sandbox CLI with GROUNDWORK_SANDBOX_DIR=dir, optionally as `nobody` (root only). */
function cli(dir: string, args: string[], opts: { asNobody?: boolean } = {}): Promise<CliResult> {
  const argv = [process.execPath, script, ...args];
  const command = opts.asNobody ? ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", ...argv] : argv;
  const env = { ...process.env, GROUNDWORK_SANDBOX_DIR: dir, ...(opts.asNobody ? { HOME: dir, USER: "nobody" } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function statusJson(dir: string, opts: { asNobody?: boolean } = {}): Promise<ServerStatus[]> {
  const r = await cli(dir, ["status", "--json"], opts);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** psql against a sandbox server: rows as "a|b" lines. */
async function psql(port: number, sql: string): Promise<string> {
  const child = spawn("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-XAtc", sql], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`psql: ${err}`);
  return out.trim();
}

/** Every process of the sandbox's servers: the recorded pids plus PostgreSQL's children. */
function serverPids(rows: ServerStatus[]): number[] {
  const pids = rows.map((r) => r.pid);
  for (const r of rows.filter((x) => x.kind === "postgres")) {
    const children = fs.readFileSync(`/proc/${r.pid}/task/${r.pid}/children`, "utf8").trim();
    pids.push(...children.split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}

const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

const primaryPort = (rows: ServerStatus[]) => rows.find((r) => r.kind === "postgres" && r.role === "primary")!.port;

let dir: string;
let userDir: string;
let foreign: ChildProcess | undefined;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-sandbox-cli-"));
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-sandbox-user-"));
  if (isRoot) fs.chownSync(userDir, NOBODY, NOBODY);
});

afterAll(async () => {
  // Whatever a failed case left running: `down` as root stops the servers of either sandbox.
  await down({ dir });
  await down({ dir: userDir });
  foreign?.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(userDir, { recursive: true, force: true });
});

describe("node scripts/sandbox.mjs", () => {
  it("up starts every server; status reports each one's role and health", async () => {
    const up = await cli(dir, ["up"]);
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/postgres: synchronous standby pg-b on port \d+ \(pid \d+\)/);

    const status = await cli(dir, ["status"]);
    expect(status.code).toBe(0);
    const lines = status.stdout.trim().split("\n");
    const pgPort = (name: string) => readState(dir)!.postgres.nodes[name].port;
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^ok +pg-a +postgres +port ${pgPort("pg-a")} +pid \\d+ +primary +pg-b streaming sync$`)),
      expect.stringMatching(new RegExp(`^ok +pg-b +postgres +port ${pgPort("pg-b")} +pid \\d+ +standby +streaming from port ${pgPort("pg-a")}$`)),
      expect.stringMatching(/^ok +r1 +redis +port \d+ +pid \d+ +primary +1 replica\(s\)$/),
      expect.stringMatching(/^ok +r2 +redis +port \d+ +pid \d+ +replica +of port \d+, connected$/),
      expect.stringMatching(/^ok +s1 +sentinel +port \d+ +pid \d+ +sentinel +primary at port \d+$/),
      expect.stringMatching(/^ok +s2 +sentinel /),
      expect.stringMatching(/^ok +s3 +sentinel /),
    ]);
    expect(fs.statSync(path.join(dir, "state.json")).isFile()).toBe(true);
  });

  it("up is idempotent: a second up starts nothing", async () => {
    const before = await statusJson(dir);
    const again = await cli(dir, ["up"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`sandbox already up in ${dir}`);
    expect(again.stdout).not.toContain("initdb");
    expect((await statusJson(dir)).map((r) => [r.server, r.pid])).toEqual(before.map((r) => [r.server, r.pid]));
  });

  it("up --async makes the standby asynchronous, and up makes it synchronous again", async () => {
    const rows = await statusJson(dir);
    const pids = rows.map((r) => r.pid);
    expect((await cli(dir, ["up", "--async"])).code).toBe(0);
    expect(await psql(primaryPort(rows), "SELECT application_name, state, sync_state FROM pg_stat_replication")).toBe("pg-b|streaming|async");
    expect(readState(dir)!.postgres.mode).toBe("async");
    expect((await cli(dir, ["up"])).code).toBe(0);
    expect(await psql(primaryPort(rows), "SELECT application_name, state, sync_state FROM pg_stat_replication")).toBe("pg-b|streaming|sync");
    expect((await statusJson(dir)).map((r) => r.pid)).toEqual(pids);
  });

  it("down stops every process up started, by pid, spares a recorded pid that is not its own, and keeps the logs", async () => {
    const rows = await statusJson(dir);
    const started = serverPids(rows);
    expect(started.length).toBeGreaterThan(rows.length); // PostgreSQL's children are counted too
    // A recorded pid now used by another process (pid reuse): down must not touch it.
    foreign = spawn("sleep", ["600"], { stdio: "ignore" });
    const state = readState(dir)!;
    state.postgres.nodes["pg-a"].pid = foreign.pid!;
    // A restored instance's log is kept beside the data directories (runbooks/lib/targets/local.mjs).
    const restoreLog = path.join(dir, "postgres", "restore-x.log");
    fs.writeFileSync(restoreLog, "restore-x log\n");
    state.postgres.restores["restore-x"] = { name: "restore-x", port: 1, dataDir: path.join(dir, "postgres", "restore-x"), logFile: restoreLog, pid: 0 };
    writeState(state);

    const result = await cli(dir, ["down"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe("sandbox down: stopped 7 process(es)");
    expect(started.filter((pid) => pidAlive(pid))).toEqual([]);
    expect(pidAlive(foreign.pid!)).toBe(true);
    expect(foreign.exitCode).toBeNull();

    // Data and state are gone; the logs stay for the operator.
    expect(fs.existsSync(path.join(dir, "state.json"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "postgres"))).toBe(false);
    for (const name of ["pg-a", "pg-b"]) expect(fs.readFileSync(path.join(dir, "logs", `${name}.log`), "utf8")).toMatch(/database system is ready to accept (read-only )?connections/);
    for (const name of ["r1", "r2"]) expect(fs.readFileSync(path.join(dir, "logs", `${name}.log`), "utf8")).toContain("Ready to accept connections");
    for (const name of ["s1", "s2", "s3"]) expect(fs.readFileSync(path.join(dir, "logs", `${name}.log`), "utf8")).toContain("+monitor master groundwork");
    expect(fs.readFileSync(path.join(dir, "logs", "restore-x.log"), "utf8")).toBe("restore-x log\n");

    const after = await cli(dir, ["status"]);
    expect(after.code).toBe(1);
    expect(after.stdout.trim()).toBe(`no sandbox in ${dir}`);
    foreign.kill("SIGKILL");
  });

  it.skipIf(!isRoot)("runs as a normal user: up --async, status and down, every server owned by that user", async () => {
    const up = await cli(userDir, ["up", "--async"], { asNobody: true });
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/postgres: asynchronous standby pg-b/);
    expect(readState(userDir)!.postgres.runAs).toBeNull(); // no setpriv: PostgreSQL already runs unprivileged

    const rows = await statusJson(userDir, { asNobody: true });
    expect(rows.map((r) => [r.server, r.role, r.healthy])).toEqual([
      ["pg-a", "primary", true],
      ["pg-b", "standby", true],
      ["r1", "primary", true],
      ["r2", "replica", true],
      ["s1", "sentinel", true],
      ["s2", "sentinel", true],
      ["s3", "sentinel", true],
    ]);
    const started = serverPids(rows);
    expect(started.map(uidOf)).toEqual(started.map(() => NOBODY));
    expect(await psql(primaryPort(rows), "SELECT application_name, sync_state FROM pg_stat_replication")).toBe("pg-b|async");

    const result = await cli(userDir, ["down"], { asNobody: true });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("sandbox down: stopped 7 process(es)");
    expect(started.filter((pid) => pidAlive(pid))).toEqual([]);
    expect(fs.readFileSync(path.join(userDir, "logs", "pg-a.log"), "utf8")).toContain("database system is ready to accept connections");
  });
});
