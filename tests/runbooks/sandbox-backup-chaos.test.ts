/**
 * db-backup-verify and chaos against real servers: a sandbox of its own
 * (temp directory, free ports), started in beforeAll and stopped in afterAll.
 * Restore and recovery times are recorded in the evidence, never asserted.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import chaos from "../../runbooks/chaos.mjs";
import dbBackupVerify from "../../runbooks/db-backup-verify.mjs";
import type { ProbeMeasurement } from "../../runbooks/lib/probe.mjs";
import { execute, type Runbook } from "../../runbooks/lib/runbook.mjs";
import { pgQuery, requireState, sentinelMaster, status } from "../../runbooks/lib/sandbox.mjs";
import { LocalTarget } from "../../runbooks/lib/targets/local.mjs";
import { startSandbox, stopSandbox } from "./sandbox-fixture";

let dir: string;
let drills: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ dir, drills, env } = await startSandbox("bc"));
});

afterAll(() => stopSandbox({ dir, drills }));

async function run(decl: Runbook, argv: string[]) {
  let out = "";
  const r = await execute(decl, argv, { env, out: (s) => (out += s), isTTY: false });
  return { r, out };
}

const primaryPort = () => {
  const s = requireState(dir);
  return s.postgres.nodes[s.postgres.primary].port;
};

/** Roles and health of every server, for "left as it was" checks. */
async function roles() {
  return (await status({ dir }))!.map((s) => [s.server, s.role, s.healthy]);
}

describe("db-backup-verify", () => {
  it("restores the latest base backup plus WAL into a scratch server, checks it, records the restore time and removes it", async () => {
    const port = primaryPort();
    await pgQuery(port, "CREATE TABLE verify_rows (id serial PRIMARY KEY, label text NOT NULL)");
    for (let i = 0; i < 20; i++) await pgQuery(port, `INSERT INTO verify_rows (label) VALUES ('row-${i}')`);
    const before = await roles();

    const { r, out } = await run(dbBackupVerify, ["--name", "verify-test"]);
    expect(r.error).toBeNull();
    expect(out).toMatch(/ok {6}pg_amcheck: no corruption in \d+ table\(s\) and their indexes/);
    expect(out).toContain("ok      rows verify_rows: 20 restored, 20 in the primary before the restore time");
    expect(r.measurements.restoreSeconds).toEqual(expect.any(Number));
    expect(r.measurements.checks).toContainEqual({ check: "rows verify_rows", ok: true, detail: "20 restored, 20 in the primary before the restore time" });
    // The scratch server is gone: process, data directory and state entry.
    expect(requireState(dir).postgres.restores).toEqual({});
    expect(fs.existsSync(path.join(dir, "postgres", "verify-test"))).toBe(false);
    expect(await roles()).toEqual(before);
    const evidence = JSON.parse(fs.readFileSync(r.report!.json, "utf8"));
    expect(evidence.measurements.restoreSeconds).toBe(r.measurements.restoreSeconds);
  });

  it("fails when a check fails, and still removes the scratch server", async () => {
    // The restore's time is fixed just before a row changes: the primary's rows before that time then differ from the restore.
    const port = primaryPort();
    const restoreTime = Date.now();
    await new Promise((res) => setTimeout(res, 50));
    await pgQuery(port, "UPDATE verify_rows SET label = 'changed' WHERE id = 1");
    await new Promise((res) => setTimeout(res, 50));
    const target = new LocalTarget(dir, { now: () => restoreTime });
    let out = "";
    const r = await execute(dbBackupVerify, ["--name", "verify-drift"], { env, out: (s) => (out += s), isTTY: false, target });
    expect(out).toContain("FAILED  rows verify_rows: 20 restored, 19 in the primary before the restore time, checksums differ");
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe("step 3 (integrity checks pass) run failed: integrity checks failed: rows verify_rows");
    expect(requireState(dir).postgres.restores).toEqual({});
    expect(fs.existsSync(path.join(dir, "postgres", "verify-drift"))).toBe(false);
  });

  it("--dry-run names the backup and changes nothing", async () => {
    const before = fs.readFileSync(path.join(dir, "state.json"), "utf8");
    const { r, out } = await run(dbBackupVerify, ["--dry-run"]);
    expect(r.outcome).toBe("dry-run");
    expect(out).toMatch(/latest backup \d{8}T\d{9}Z, taken /);
    expect(out).toMatch(/would run: .*cp -a \S+backups/);
    expect(fs.readFileSync(path.join(dir, "state.json"), "utf8")).toBe(before);
  });
});

describe("chaos in the sandbox", () => {
  it("SIGKILLs the PostgreSQL primary while the probe writes, recovers, and reports the RTO against the target", async () => {
    const old = requireState(dir).postgres.primary;
    const { r, out } = await run(chaos, ["--yes"]);
    const probe = r.measurements.probe as ProbeMeasurement;
    expect(probe.failedWrites).toBeGreaterThan(0); // the fault was felt
    expect(probe.lostWrites).toBe(0); // synchronous standby
    expect(probe.oldPrimary).toBe(old);
    expect(probe.newPrimary).not.toBe(old);
    // No timing assertion (speed belongs to the benchmarks): the verdict and the outcome follow the measurement.
    const met = probe.rtoSeconds! <= 2;
    expect(out).toMatch(new RegExp(`${met ? "met" : "missed"} +postgres errors stop within the RTO \\(s\\): [\\d.]+ \\(target <= 2\\)`, "i"));
    expect(r.error === null).toBe(met);
    // Redundancy restored: the killed server streams from the new primary.
    expect((await roles()).slice(0, 2).sort()).toEqual([
      [old, "standby", true],
      [probe.newPrimary, "primary", true],
    ].sort());
    expect(fs.readFileSync(r.report!.md, "utf8")).toContain("## Targets");
  });

  it("with --target redis SIGKILLs the Redis primary; Sentinel fails over and the killed node rejoins as a replica", async () => {
    const old = await sentinelMaster(requireState(dir));
    const { r } = await run(chaos, ["--target", "redis", "--yes"]);
    const probe = r.measurements.probe as ProbeMeasurement;
    expect(probe.failedWrites).toBeGreaterThan(0);
    expect(probe.rtoSeconds).toEqual(expect.any(Number));
    const now = await sentinelMaster(requireState(dir));
    expect(now.name).not.toBe(old.name);
    const redis = (await roles()).filter(([server]) => String(server).startsWith("r"));
    expect(redis).toContainEqual([old.name, "replica", true]);
    const met = probe.rtoSeconds! <= 3;
    expect(r.measurements.verdicts).toEqual([{ what: "redis errors stop within the RTO (s)", measured: probe.rtoSeconds, target: "<= 3", met }]);
    expect(r.error === null).toBe(met);
  });

  it("--dry-run kills nothing", async () => {
    const before = await roles();
    const pids = (await status({ dir }))!.map((s) => s.pid);
    const { r, out } = await run(chaos, ["--target", "redis", "--dry-run"]);
    expect(r.outcome).toBe("dry-run");
    expect(out).toMatch(/would SIGKILL redis r\d \(pid \d+\)/);
    expect(await roles()).toEqual(before);
    expect((await status({ dir }))!.map((s) => s.pid)).toEqual(pids);
  });
});
