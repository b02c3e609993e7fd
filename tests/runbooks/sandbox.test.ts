/**
 * Runbooks against real servers: a sandbox of PostgreSQL and Redis started in
 * its own temp directory (parallel test files do not collide) and stopped in
 * afterAll. Recovery times are recorded, never asserted; RPO = 0 is asserted
 * where replication is synchronous.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import dbFailover from "../../runbooks/db-failover.mjs";
import dbRestore from "../../runbooks/db-restore.mjs";
import { repoRoot } from "../../runbooks/lib/paths.mjs";
import type { ProbeMeasurement } from "../../runbooks/lib/probe.mjs";
import { execute, type Runbook } from "../../runbooks/lib/runbook.mjs";
import { pgQuery, readState, redisCommand, requireState, sentinelMaster, setReplicationMode, status, up } from "../../runbooks/lib/sandbox.mjs";
import redisFailover from "../../runbooks/redis-failover.mjs";
import { startSandbox, stopSandbox } from "./sandbox-fixture";

let dir: string;
let drills: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ dir, drills, env } = await startSandbox("main"));
});

afterAll(() => stopSandbox({ dir, drills }));

async function run(decl: Runbook, argv: string[]) {
  let out = "";
  const r = await execute(decl, argv, { env, out: (s) => (out += s), isTTY: false });
  return { r, out, probe: r.measurements.probe as ProbeMeasurement };
}

const primaryPort = () => {
  const s = requireState(dir);
  return s.postgres.nodes[s.postgres.primary].port;
};

/** Everything a runbook could change: roles, pids, replication, rows, Redis keys. */
async function snapshot() {
  const s = readState(dir)!;
  const servers = (await status({ dir }))!.map(({ server, role, healthy, pid, detail }) => ({ server, role, healthy, pid, detail }));
  const [[rows]] = await pgQuery(primaryPort(), "SELECT count(*) FROM probe_writes");
  const master = await sentinelMaster(s);
  const keys = await redisCommand(master.port, ["DBSIZE"]);
  const files = fs.readdirSync(path.join(dir, "postgres")).sort();
  return { state: fs.readFileSync(path.join(dir, "state.json"), "utf8"), servers, rows, keys, master, files };
}

describe("sandbox", () => {
  it("reports every server's role and health, and up is idempotent", async () => {
    const first = await status({ dir });
    expect(first!.map((r) => [r.server, r.role, r.healthy])).toEqual([
      ["pg-a", "primary", true],
      ["pg-b", "standby", true],
      ["r1", "primary", true],
      ["r2", "replica", true],
      ["s1", "sentinel", true],
      ["s2", "sentinel", true],
      ["s3", "sentinel", true],
    ]);
    expect(first![0].detail).toBe("pg-b streaming sync");
    const pids = first!.map((r) => r.pid);
    await up({ dir });
    expect((await status({ dir }))!.map((r) => r.pid)).toEqual(pids);
  });
});

describe("bad input and dry runs change nothing", () => {
  it("fails when a parameter is bad, with exit code 2 and the servers untouched", async () => {
    const before = await snapshot();
    const bad = await run(dbFailover, ["--max-lag-bytes", "-5", "--yes"]);
    expect(bad.r.exitCode).toBe(2);
    expect(bad.out.trim()).toBe('db-failover: --max-lag-bytes: got "-5", allowed: an integer >= 0');
    const badTime = await run(dbRestore, ["--time", "last tuesday"]);
    expect(badTime.r.exitCode).toBe(2);
    expect(await snapshot()).toEqual(before);
  });

  it("--dry-run prints every step and command and leaves the servers exactly as they were", async () => {
    const before = await snapshot();
    const failover = await run(dbFailover, ["--dry-run"]);
    expect(failover.r.outcome).toBe("dry-run");
    expect(failover.out).toMatch(/would fence pg-a: SIGSTOP then SIGKILL postmaster \d+/);
    expect(failover.out).toMatch(/would run: .*pg_ctl promote -D \S+pg-b/);
    expect(failover.out).toMatch(/would run: .*pg_rewind -D \S+pg-a/);
    const redis = await run(redisFailover, ["--dry-run"]);
    expect(redis.out).toContain("CLIENT PAUSE");
    expect(redis.out).toContain("SENTINEL FAILOVER groundwork");
    const restore = await run(dbRestore, ["--dry-run", "--time", new Date(Date.now() - 50).toISOString()]);
    expect(restore.r.outcome).toBe("dry-run");
    expect(restore.out).toMatch(/would run: .*cp -a \S+backups/);
    expect(await snapshot()).toEqual(before);
    expect(fs.existsSync(path.join(drills, "journal"))).toBe(false);
  });
});

describe("db-failover", () => {
  it("with a synchronous standby loses no acknowledged write and records the RTO", async () => {
    const { r, probe } = await run(dbFailover, ["--yes"]);
    expect(r.error).toBeNull();
    expect(r.exitCode).toBe(0);
    expect(probe.ackedWrites).toBeGreaterThan(0);
    expect(probe.lostWrites).toBe(0);
    expect(probe.rpoSeconds).toBe(0);
    expect(probe.rtoSeconds).toEqual(expect.any(Number));
    expect([probe.oldPrimary, probe.newPrimary]).toEqual(["pg-a", "pg-b"]);
    const roles = (await status({ dir }))!.slice(0, 2).map((s) => [s.server, s.role, s.detail]);
    expect(roles).toEqual([
      ["pg-a", "standby", expect.stringMatching(/^streaming from port/)],
      ["pg-b", "primary", "pg-a streaming sync"],
    ]);
    const evidence = JSON.parse(fs.readFileSync(r.report!.json, "utf8"));
    expect(evidence).toMatchObject({ runbook: "db-failover", env: "local", outcome: "succeeded" });
    expect(evidence.measurements.probe.rtoSeconds).toBe(probe.rtoSeconds);
    expect(fs.readFileSync(r.report!.md, "utf8")).toContain(`| probe.rtoSeconds | ${probe.rtoSeconds} |`);
  });

  it("a run killed mid-step resumes from the journal and finishes", async () => {
    const zx = path.join(repoRoot, "node_modules/zx/build/cli.js");
    const script = path.join(repoRoot, "runbooks/db-failover.mjs");
    const before = requireState(dir).postgres.primary;
    const other = before === "pg-a" ? "pg-b" : "pg-a";
    const killed = spawnSync(process.execPath, [zx, script, "--yes"], { env: { ...env, GROUNDWORK_KILL_AT_STEP: "2" }, encoding: "utf8" });
    expect(killed.signal).toBe("SIGKILL");
    expect(requireState(dir).postgres.primary).toBe(other); // promoted; the old primary not yet rejoined
    const runId = fs.readdirSync(path.join(drills, "journal")).filter((f) => f.includes("db-failover")).sort().pop()!.replace(".jsonl", "");
    const entries = () => fs.readFileSync(path.join(drills, "journal", `${runId}.jsonl`), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const steps = () => entries().filter((e) => e.type.startsWith("step-")).map((e) => [e.type, e.index]);
    expect(steps()).toEqual([
      ["step-start", 0],
      ["step-end", 0],
      ["step-start", 1],
    ]);
    expect(entries().some((e) => e.type === "command" && /pg_ctl promote/.test(e.command))).toBe(true);

    const resumed = spawnSync(process.execPath, [zx, script, "--resume", runId, "--yes"], { env, encoding: "utf8" });
    expect(resumed.stderr).toBe("");
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).not.toContain("[1/3]");
    expect(resumed.stdout).toContain("[2/3] fail over to the standby");
    expect(resumed.stdout).toContain("[3/3] old primary follows the new one");
    expect(entries().pop()).toMatchObject({ type: "run-end", outcome: "succeeded" });
    expect(steps().slice(3)).toEqual([
      ["step-start", 1],
      ["step-end", 1],
      ["step-start", 2],
      ["step-end", 2],
    ]);
    const roles = (await status({ dir }))!.filter((x) => x.kind === "postgres").map((x) => [x.server, x.role, x.healthy]);
    expect(roles.sort()).toEqual([
      [before, "standby", true],
      [other, "primary", true],
    ].sort());
  });

  it("with an asynchronous standby measures the RPO from the probe, not assumed", async () => {
    const s = requireState(dir);
    await setReplicationMode(s, "async");
    // Hold back replication: the primary acknowledges writes the standby never receives.
    const [[walsender]] = await pgQuery(primaryPort(), "SELECT pid FROM pg_stat_replication");
    process.kill(Number(walsender), "SIGSTOP");
    const { r, probe } = await run(dbFailover, ["--yes"]);
    expect(r.exitCode).toBe(0);
    expect(probe.lostWrites).toBeGreaterThan(0);
    expect(probe.rpoSeconds).toBeGreaterThan(0);
    // Check against the new primary directly: the lost writes are missing, the rest are there.
    const newPrimary = primaryPort();
    const [[missing]] = await pgQuery(newPrimary, `SELECT count(*) FROM probe_writes WHERE run_id LIKE '${r.runId}%' AND seq IN (${probe.lostSeqs.join(",")})`);
    const [[kept]] = await pgQuery(newPrimary, `SELECT count(*) FROM probe_writes WHERE run_id LIKE '${r.runId}%'`);
    expect(Number(missing)).toBe(0);
    expect(Number(kept)).toBe(probe.ackedWrites - probe.lostWrites);
    await setReplicationMode(requireState(dir), "sync");
  });
});

describe("db-restore", () => {
  it("restores exactly the rows committed before the given time", async () => {
    const port = primaryPort();
    await pgQuery(port, "CREATE TABLE IF NOT EXISTS restore_test (id serial PRIMARY KEY, label text)");
    for (let i = 0; i < 5; i++) await pgQuery(port, `INSERT INTO restore_test (label) VALUES ('before-${i}')`);
    await new Promise((r) => setTimeout(r, 30));
    const time = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 30));
    for (let i = 0; i < 5; i++) await pgQuery(port, `INSERT INTO restore_test (label) VALUES ('after-${i}')`);

    const { r, out } = await run(dbRestore, ["--time", time, "--name", "restore-test"]);
    expect(r.error).toBeNull();
    expect(out).toContain("restore_test: 5 restored, 5 in the source before the time: match");
    const restored = requireState(dir).postgres.restores["restore-test"];
    const labels = (await pgQuery(restored.port, "SELECT label FROM restore_test ORDER BY id")).map((row) => row[0]);
    expect(labels).toEqual(["before-0", "before-1", "before-2", "before-3", "before-4"]);
    expect(r.measurements.restoreSeconds).toEqual(expect.any(Number));
  });
});

describe("redis-failover", () => {
  it("moves clients to the new primary through Sentinel without losing acknowledged writes", async () => {
    const before = await sentinelMaster(requireState(dir));
    const { r, probe } = await run(redisFailover, ["--yes"]);
    expect(r.error).toBeNull();
    const after = await sentinelMaster(requireState(dir));
    expect(after.name).not.toBe(before.name);
    expect(probe.newPrimary).toBe(after.name);
    expect(probe.rtoSeconds).toEqual(expect.any(Number));
    expect(probe.lostWrites).toBe(0);
    const oldRole = (await redisCommand(requireState(dir).redis.nodes[before.name].port, ["ROLE"])) as unknown[];
    expect(oldRole[0]).toBe("slave");
  });
});

describe("lag checks refuse before anything changes", () => {
  /** Who is primary and whether it takes writes: what a refused failover must leave alone. */
  const roles = async () => (await status({ dir }))!.map(({ server, role, healthy, pid }) => ({ server, role, healthy, pid }));

  it("db-failover fails when the standby is further behind than --max-lag-bytes, leaving the primary as it was", async () => {
    await setReplicationMode(requireState(dir), "async");
    const s = requireState(dir);
    const primary = s.postgres.nodes[s.postgres.primary];
    const standby = Object.values(s.postgres.nodes).find((n) => n.name !== primary.name)!;
    await pgQuery(standby.port, "SELECT pg_wal_replay_pause()");
    try {
      // The primary moves on; the standby receives the WAL but does not replay it.
      await pgQuery(primary.port, "CREATE TABLE IF NOT EXISTS lag_test (id serial PRIMARY KEY); INSERT INTO lag_test DEFAULT VALUES");
      const before = await roles();
      const { r, out } = await run(dbFailover, ["--max-lag-bytes", "0", "--yes"]);
      expect(r.exitCode).toBe(1);
      expect(r.outcome).toBe("failed");
      expect(r.error).toMatch(new RegExp(`^step 1 \\(standby is healthy and close\\) check failed: ${standby.name} is [1-9]\\d* bytes behind, above --max-lag-bytes 0$`));
      expect(r.steps.map((x) => x.outcome)).toEqual(["check-failed", "pending", "pending"]);
      expect(out).not.toContain("pg_ctl promote");
      expect(await roles()).toEqual(before);
      expect(requireState(dir).postgres.primary).toBe(primary.name);
      const [[inRecovery]] = await pgQuery(primary.port, "SELECT pg_is_in_recovery()");
      expect(inRecovery).toBe("f");
      expect(await pgQuery(primary.port, "INSERT INTO lag_test DEFAULT VALUES RETURNING true")).toEqual([["t"]]);
    } finally {
      await pgQuery(standby.port, "SELECT pg_wal_replay_resume()");
      await setReplicationMode(requireState(dir), "sync");
    }
  });

  it("redis-failover fails when the replica is further behind than --max-lag-bytes, leaving the primary as it was", async () => {
    const s = requireState(dir);
    const master = await sentinelMaster(s);
    const [, replica] = Object.entries(s.redis.nodes).find(([name]) => name !== master.name)!;
    // Signal only the recorded server itself, never a process that reused its pid.
    expect(fs.readFileSync(`/proc/${replica.pid}/cmdline`, "utf8")).toContain(`:${replica.port}`);
    // A stopped replica acknowledges nothing more: the primary's offset runs ahead of it.
    process.kill(replica.pid, "SIGSTOP");
    try {
      expect(await redisCommand(master.port, ["SET", "lag-test", "1"])).toBe("OK");
      const before = await roles();
      const { r } = await run(redisFailover, ["--max-lag-bytes", "0", "--yes"]);
      expect(r.exitCode).toBe(1);
      expect(r.error).toMatch(/^step 1 \(replica is in sync and Sentinel has quorum\) check failed: replica is [1-9]\d* bytes behind, above --max-lag-bytes 0$/);
      expect(r.steps.map((x) => x.outcome)).toEqual(["check-failed", "pending", "pending"]);
      expect(await roles()).toEqual(before);
      expect((await sentinelMaster(requireState(dir))).name).toBe(master.name);
      expect(((await redisCommand(master.port, ["ROLE"])) as unknown[])[0]).toBe("master");
      expect(await redisCommand(master.port, ["SET", "lag-test", "2"])).toBe("OK");
    } finally {
      process.kill(replica.pid, "SIGCONT");
    }
  });
});
