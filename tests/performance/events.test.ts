/**
 * The event-e2e scenario and the datastore scenarios' endpoint lookup against
 * a sandbox of real servers of its own (tests/runbooks/sandbox-fixture.ts:
 * temp directory, free ports, started in beforeAll and stopped in afterAll).
 * Latencies depend on the machine: verdicts are checked against the
 * measurements they came from, never against a clock.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pgQuery, requireState } from "../../runbooks/lib/sandbox.mjs";
import { startSandbox, stopSandbox, type SandboxFixture } from "../runbooks/sandbox-fixture";
import { EVENTS_TABLE } from "./event-pipeline";
import { UsageError } from "./lib/errors";
import type { RunReport } from "./lib/report";
import { runScenario, type RunOptions } from "./lib/run";
import { sandboxEndpoint } from "./lib/sandbox-state";
import { EVENT_E2E_TARGET_MS, eventScenarios } from "./scenarios";

const eventE2E = eventScenarios[0];
let sandbox: SandboxFixture;
const made: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

beforeAll(async () => {
  sandbox = await startSandbox("events");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  if (sandbox) await stopSandbox(sandbox);
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const run = (over: Partial<RunOptions>) =>
  runScenario({ env: "local", scenario: eventE2E, rateRps: 100, durationS: 2, sandboxDir: sandbox.dir, baselineDir: tmp("baselines-"), compare: false, log: () => {}, ...over });

/** The latency verdict is the comparison of the reported p95 with the 1 s target, and the run's verdict follows its thresholds. */
function checkVerdicts(report: RunReport): void {
  const [latency, lost] = report.thresholds;
  expect(latency).toMatchObject({ metric: "event latency p95 (publish -> applied)", op: "<=", limit: EVENT_E2E_TARGET_MS, unit: "ms" });
  expect(latency.actual).toBe(Math.round(report.measurements!.latency.p95 * 100) / 100);
  expect(latency.pass).toBe(latency.actual <= EVENT_E2E_TARGET_MS);
  expect(lost).toMatchObject({ metric: "events not applied", limit: 0, actual: report.measurements!.requests.errors, pass: report.measurements!.requests.errors === 0 });
  expect(report.pass).toBe(latency.pass && lost.pass);
}

const appliedRows = async (runId: string) => {
  const s = requireState(sandbox.dir);
  const [[n]] = await pgQuery(s.postgres.nodes[s.postgres.primary].port, `SELECT count(*) FROM ${EVENTS_TABLE} WHERE run = '${runId}'`);
  return Number(n);
};

describe("event-e2e: Redis stream -> consumer -> PostgreSQL on the sandbox", () => {
  it("publishes every event, applies each to PostgreSQL once, and passes the 1 s target when the consumer keeps up", async () => {
    const { report } = await run({});
    expect(report.kind).toBe("event-e2e");
    expect(report.load).toMatchObject({ model: "open", shape: "steady", offeredRps: 100, durationS: 2 });
    expect(report.measurements!.requests).toEqual({ sent: 200, ok: 200, errors: 0 });
    expect(report.events).toMatchObject({ published: 200, applied: 200, consumerDelayMs: 0 });
    expect(await appliedRows(report.events!.runId)).toBe(200);
    checkVerdicts(report);
    expect(report.pass).toBe(true);
  });

  it("fails the 1 s target when the consumer is slow, without losing events", async () => {
    const { report } = await run({ consumerDelayMs: 1500 });
    expect(report.events).toMatchObject({ published: 200, applied: 200, consumerDelayMs: 1500 });
    expect(await appliedRows(report.events!.runId)).toBe(200);
    checkVerdicts(report);
    expect(report.thresholds[0].pass).toBe(false);
    expect(report.pass).toBe(false);
  });

  it("exits 1 from the command line when the target is missed", async () => {
    const cli = path.join(import.meta.dirname, "cli.ts");
    const out = tmp("events-cli-");
    const args = ["--import", "tsx", cli, "--env", "local", "--scenario", "event-e2e", "--rate", "50", "--duration", "2s", "--consumer-delay-ms", "1500", "--no-compare", "--out", out];
    const r = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, args, { env: sandbox.env, stdio: ["ignore", "pipe", "inherit"] });
      let stdout = "";
      child.stdout.on("data", (c) => (stdout += c));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout }));
    });
    expect(r.stdout).toMatch(/^FAIL {2}event latency p95 \(publish -> applied\): \d+(\.\d+)? ms \(limit <= 1000 ms\)$/m);
    expect(r.stdout).toMatch(/^FAIL$/m);
    expect(r.status).toBe(1);
  });

  it("fails on input it cannot run", async () => {
    await expect(run({ env: "staging" })).rejects.toThrow(
      new UsageError("--scenario event-e2e runs against the local sandbox only (it publishes to its Redis and applies to its PostgreSQL); --env staging is not allowed"),
    );
    await expect(run({ shape: "stress" })).rejects.toThrow(new UsageError("--shape stress is not allowed with --scenario event-e2e; expected steady, ramp, spike or soak"));
    const empty = tmp("no-sandbox-");
    await expect(run({ sandboxDir: empty })).rejects.toThrow(new UsageError(`--scenario event-e2e needs the sandbox: no state in ${empty}; start it with "node scripts/sandbox.mjs up"`));
  });
});

describe("datastore endpoints from the state.json the sandbox wrote", () => {
  it("finds the PostgreSQL primary by name and the Redis node that answers ROLE as master", () => {
    vi.stubEnv("GROUNDWORK_SANDBOX_DIR", sandbox.dir);
    const s = requireState(sandbox.dir);
    expect(sandboxEndpoint("postgres")).toEqual({ host: "127.0.0.1", port: s.postgres.nodes[s.postgres.primary].port });
    // The sandbox starts r1 as the primary and r2 as its replica.
    expect(sandboxEndpoint("redis")).toEqual({ host: "127.0.0.1", port: s.redis.nodes.r1.port });
    vi.unstubAllEnvs();
  });
});
