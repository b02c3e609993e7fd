/**
 * `npm run chaos` end to end for PostgreSQL and for Redis (primary, replica
 * and three Sentinels): a sandbox of its own (temp directory, free ports,
 * started and stopped by the command for each target), the database-backed
 * target under an open-model load, the chaos runbook killing the primary, and
 * the evidence report. Recovery times depend on the machine:
 * they are checked against the verdicts they produced, never against a clock.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { down } from "../../runbooks/lib/sandbox.mjs";
import { LOCAL_RECOVERY } from "../../runbooks/lib/targets/local.mjs";
import { recoveriesOf } from "../../scripts/docs/drills";

const chaosCli = path.join(import.meta.dirname, "chaos.ts");
let dir: string;
let drills: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-sandbox-chaos-"));
  drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-drills-chaos-"));
});

afterAll(async () => {
  await down({ dir }); // only when a failed run left it up
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(drills, { recursive: true, force: true });
});

/** Run the command as `npm run chaos` does, without blocking the test's event loop. */
function chaos(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", chaosCli, ...args], {
      env: { ...process.env, GROUNDWORK_SANDBOX_DIR: dir, GROUNDWORK_DRILLS_DIR: drills },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** What each target's experiment is expected to involve. */
const EXPECT = {
  postgres: { rto: LOCAL_RECOVERY.rtoSeconds.database, slo: { service: "content-processing", latencyP95Ms: 200 }, nodes: ["pg-a", "pg-b"] },
  // Sentinel promotes the replica r2; the runbook restarts r1 as its replica.
  redis: { rto: LOCAL_RECOVERY.rtoSeconds.cache, slo: { service: "api-gateway", latencyP95Ms: 200 }, nodes: ["r1", "r2"] },
} as const;

/**
 * Run `npm run chaos -- --target <target>` against the test's own sandbox
 * directory and check the evidence's structure and that every verdict and the
 * exit code follow the measurements.
 */
async function chaosUnderLoad(target: keyof typeof EXPECT): Promise<void> {
  const before = new Set(fs.existsSync(path.join(drills, "records")) ? fs.readdirSync(path.join(drills, "records")) : []);
  const r = await chaos(["--target", target, "--rate", "150", "--before", "2s", "--after", "2s"]);
  const records = path.join(drills, "records");
  const files = fs.readdirSync(records).filter((f) => !before.has(f));
  const [json] = files.filter((f) => f.endsWith("-chaos-load-local.json"));
  expect(json, `${r.stdout}\n${r.stderr}`).toBeDefined();
  const e = JSON.parse(fs.readFileSync(path.join(records, json), "utf8"));
  const { rto, slo, nodes } = EXPECT[target];

  // Structure: the run, its steps, the runbook's own evidence beside it.
  expect(e).toMatchObject({ runbook: "chaos-load", env: "local", params: { target, rateRps: 150, beforeS: 2, afterS: 2, windowMs: 1000 } });
  expect(e.steps.map((s: { title: string; outcome: string }) => [s.title, s.outcome])).toEqual([
    [`start the ${target}-backed target`, "succeeded"],
    ["load before the fault", "succeeded"],
    [`kill the ${target} primary: runbook chaos --env local --target ${target}`, "succeeded"],
    ["load after the recovery", "succeeded"],
    ["judge recovery against the RTO", "succeeded"],
  ]);
  const m = e.measurements;
  expect(m).toMatchObject({ target, rtoSeconds: rto, slo });
  expect(path.dirname(m.runbookEvidence)).toBe(records);
  expect(JSON.parse(fs.readFileSync(m.runbookEvidence, "utf8"))).toMatchObject({ runbook: "chaos", outcome: "succeeded", params: { target } });

  // Errors occurred after the fault and then stopped: no failure after the last one, and the load went on.
  const u = m.underLoad;
  expect(u.errorsBeforeFault).toBe(0);
  expect(u.errorsAfterFault).toBeGreaterThan(0);
  expect(u.errorsStoppedAfterS).toEqual(expect.any(Number));
  const windows: Array<{ fromS: number; requests: number; errors: number }> = e.recoveryWindows;
  const lastFailing = windows.findLastIndex((w) => w.errors > 0);
  expect(lastFailing).toBeGreaterThanOrEqual(0);
  expect(windows.slice(lastFailing + 1).length).toBeGreaterThan(0);
  expect(windows.slice(lastFailing + 1).every((w) => w.requests > 0 && w.errors === 0)).toBe(true);
  // The old primary served before the fault, the promoted one after it.
  expect(Object.keys(m.servedBy).sort()).toEqual(nodes);
  const seconds = e.timeline.map((p: { offered: number; ok: number; errors: number }) => p.ok + p.errors);
  expect(seconds.reduce((a: number, b: number) => a + b, 0)).toBe(m.load.sent);

  // Verdict semantics: each objective is met exactly when its measurement is within the RTO, and the exit code follows.
  const [runbook, errorsStop, latencyBack] = m.verdicts;
  // The runbook fails exactly when its own write-probe RTO misses the target (a loaded machine can miss it).
  expect(runbook.met).toBe(runbook.measured === "succeeded");
  expect(errorsStop).toEqual({ what: `${target} errors under load stop within the RTO (s)`, measured: u.errorsStoppedAfterS, target: `<= ${rto}`, met: u.errorsStoppedAfterS <= rto });
  expect(latencyBack.what).toBe(`${target} p95 back under the SLO (${slo.latencyP95Ms} ms, ${slo.service}) within the RTO (s)`);
  expect(latencyBack.measured).toBe(u.latencyBackAfterS);
  expect(latencyBack.met).toBe(u.latencyBackAfterS !== null && u.latencyBackAfterS <= rto);
  expect(u.rtoSeconds).toBe(u.latencyBackAfterS === null ? null : Math.max(u.errorsStoppedAfterS, u.latencyBackAfterS));
  const met = runbook.met && errorsStop.met && latencyBack.met;
  expect(e.outcome).toBe(met ? "succeeded" : "failed");
  expect(r.status).toBe(met ? 0 : 1);
  expect(r.stdout).toMatch(met ? /^PASS$/m : /^FAIL$/m);

  // Markdown and HTML beside the JSON; the docs site reads the recovery as "under load".
  const base = path.join(records, json.replace(/\.json$/, ""));
  const md = fs.readFileSync(`${base}.md`, "utf8");
  expect(md).toContain(`| ${target} errors under load stop within the RTO (s) | ${u.errorsStoppedAfterS} | <= ${rto} | ${errorsStop.met ? "met" : "MISSED"} |`);
  expect(md).toMatch(/^\| \d+ \| \d+ \| \d+ \| \d+ \| [\d.]+ \| fault at [\d.]+ s \|$/m);
  expect(fs.readFileSync(`${base}.html`, "utf8")).toContain("<svg");
  expect(recoveriesOf(m)).toContainEqual({ what: "under load", rtoSeconds: u.rtoSeconds, rpoSeconds: null, lostWrites: null });

  // The command started the sandbox, so it stopped it.
  expect(fs.existsSync(path.join(dir, "state.json"))).toBe(false);
}

describe("npm run chaos", () => {
  it("postgres: kills the primary under load, measures when errors stop and p95 returns, and writes the evidence", async () => {
    await chaosUnderLoad("postgres");
  });

  it("redis: kills the primary under load, Sentinel fails over, and the verdicts follow the measurements", async () => {
    await chaosUnderLoad("redis");
  });

  it("fails with a one-line message and exit 2 on bad input", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", chaosCli, "--target", "mysql"], { encoding: "utf8", env: { ...process.env, GROUNDWORK_SANDBOX_DIR: dir } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("chaos: --target mysql is not allowed; expected one of postgres, redis, all");
    const rate = spawnSync(process.execPath, ["--import", "tsx", chaosCli, "--rate", "0"], { encoding: "utf8", env: { ...process.env, GROUNDWORK_SANDBOX_DIR: dir } });
    expect([rate.status, rate.stderr.trim()]).toEqual([2, "chaos: --rate 0 is not allowed; expected a number > 0"]);
  });
});
