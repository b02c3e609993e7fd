/**
 * The engine without servers: flags, help, confirmation policy, dry-run,
 * journal masking, resume, stop conditions. Real servers: sandbox.test.ts.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRunbooks } from "../../runbooks/lib/catalog.mjs";
import { Journal, Masker } from "../../runbooks/lib/journal.mjs";
import { parseArgv, UsageError } from "../../runbooks/lib/params.mjs";
import { repoRoot } from "../../runbooks/lib/paths.mjs";
import { computeMeasurement } from "../../runbooks/lib/probe.mjs";
import { execute, helpText, runbook, step, type Runbook } from "../../runbooks/lib/runbook.mjs";
import { BaseTarget } from "../../runbooks/lib/targets/base.mjs";
import dbFailover from "../../runbooks/db-failover.mjs";

let drills: string;
beforeAll(() => {
  drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-engine-"));
});
afterAll(() => fs.rmSync(drills, { recursive: true, force: true }));

/** A target that records what the steps did. */
function fakeTarget(calls: string[]) {
  const t = new BaseTarget("local", { runner: async (argv) => (calls.push(`exec ${argv.join(" ")}`), { stdout: "", stderr: "", exitCode: 0 }) });
  return Object.assign(t, { recovery: { rtoSeconds: { database: 2, cache: 3 }, rpoSeconds: 0 } }) as never;
}

function run(decl: Runbook, argv: string[], extra: Record<string, unknown> = {}) {
  let out = "";
  const calls: string[] = [];
  const target = (extra.target as never) ?? fakeTarget(calls);
  return execute(decl, argv, {
    out: (s) => (out += s),
    isTTY: false,
    target,
    ...extra,
    env: { GROUNDWORK_DRILLS_DIR: drills, ...(extra.env as object) },
  }).then((r) => ({ r, out, calls }));
}

const calls: string[] = [];
const demo = runbook({
  id: "demo-engine",
  title: "Demo",
  params: { count: { type: "int", default: 3, min: 1, max: 10, help: "how many" }, mode: { type: "enum", values: ["a", "b"], default: "a", help: "which mode" } },
  steps: [
    step("look", { check: () => (calls.push("check 1"), { seen: 1 }) }),
    step("change", {
      destructive: true,
      run: async (t) => {
        calls.push("run 2");
        await (t as BaseTarget).exec(["touch", "/tmp/x"]);
        return { changed: true };
      },
      rollback: () => void calls.push("rollback 2"),
    }),
    step("finish", { run: () => void calls.push("run 3"), rollback: () => void calls.push("rollback 3") }),
  ],
});

describe("parameters", () => {
  it("fails when an int is not an int, naming the flag and what is allowed", async () => {
    const { r, out } = await run(demo, ["--count", "many", "--yes"]);
    expect(r.exitCode).toBe(2);
    expect(out.trim()).toBe('demo-engine: --count: got "many", allowed: an integer from 1 to 10');
  });

  it("fails when an enum value is unknown", () => {
    expect(() => parseArgv(["--mode", "c"], demo.params)).toThrow('--mode: got "c", allowed: one of a, b');
  });

  it("fails on an unknown flag and an unknown environment", async () => {
    expect((await run(demo, ["--bogus"])).out).toContain("unknown flag --bogus: allowed flags are --env, --dry-run, --yes, --resume, --help, --count, --mode");
    const { r, out } = await run(demo, ["--env", "qa"]);
    expect(r.exitCode).toBe(2);
    expect(out.trim()).toBe('demo-engine: --env: got "qa", allowed: one of local, dev, staging, prod');
  });

  it("bad input changes nothing", async () => {
    calls.length = 0;
    const { r, calls: execs } = await run(demo, ["--count", "0", "--yes"]);
    expect(r.exitCode).toBe(2);
    expect(calls).toEqual([]);
    expect(execs).toEqual([]);
  });

  it("coerces durations and timestamps", () => {
    const { params } = parseArgv(["--timeout", "2m"], { timeout: { type: "duration", help: "x" } });
    expect(params.timeout).toBe(120);
    expect(() => parseArgv(["--time", "yesterday"], { time: { type: "timestamp", help: "x" } })).toThrow("an ISO 8601 time with a zone");
  });
});

describe("runbook-level input rules", () => {
  const awsOnly = runbook({
    id: "demo-aws-only",
    title: "AWS only",
    environments: ["dev", "staging", "prod"],
    environmentsWhy: "nothing to do in the sandbox",
    params: { low: { type: "int", default: 1, help: "low" }, high: { type: "int", default: 2, help: "high" } },
    validate: (p) => {
      if (Number(p.low) > Number(p.high)) throw new UsageError(`--low: got ${p.low}, allowed: at most --high (${p.high})`);
    },
    steps: [step("act", { run: () => void calls.push("acted") })],
  });

  it("fails with exit code 2 before any step when the environment is not supported or validate refuses", async () => {
    calls.length = 0;
    const local = await run(awsOnly, ["--env", "local"]);
    expect(local.r.exitCode).toBe(2);
    expect(local.out.trim()).toBe("demo-aws-only: --env local: this runbook runs against dev, staging, prod (nothing to do in the sandbox)");
    const bad = await run(awsOnly, ["--env", "dev", "--low", "5"]);
    expect(bad.r.exitCode).toBe(2);
    expect(bad.out.trim()).toBe("demo-aws-only: --low: got 5, allowed: at most --high (2)");
    expect(calls).toEqual([]);
    expect(helpText(awsOnly)).toContain("runs against: dev, staging, prod (nothing to do in the sandbox)");
  });
});

describe("help", () => {
  it("is generated from the declaration", async () => {
    const { r, out } = await run(dbFailover, ["--help"]);
    expect(r.exitCode).toBe(0);
    expect(out).toBe(helpText(dbFailover));
    expect(out).toContain("--max-lag-bytes <value>");
    expect(out).toContain("2. fail over to the standby  [destructive]");
  });
});

describe("confirmation", () => {
  it("fails fast without a TTY and without --yes, before any step", async () => {
    calls.length = 0;
    const { r, out } = await run(demo, []);
    expect(r.exitCode).toBe(2);
    expect(out).toContain("destructive steps need confirmation: pass --yes, or run in a terminal");
    expect(calls).toEqual([]);
  });

  it("prod needs GROUNDWORK_ALLOW_PROD=1 with --yes", async () => {
    const { r, out } = await run(demo, ["--env", "prod", "--yes"]);
    expect(r.exitCode).toBe(2);
    expect(out).toContain("prod needs a typed confirmation");
  });

  it("prod on a TTY proceeds only when the environment name is typed", async () => {
    const no = await run(demo, ["--env", "prod"], { isTTY: true, prompt: async () => "yes" });
    expect(no.r.exitCode).toBe(2);
    calls.length = 0;
    const yes = await run(demo, ["--env", "prod"], { isTTY: true, prompt: async () => "prod" });
    expect(yes.r.exitCode).toBe(0);
    expect(calls).toEqual(["check 1", "run 2", "run 3"]);
  });

  it("asks before each destructive step on a TTY and stops when declined", async () => {
    calls.length = 0;
    const questions: string[] = [];
    const { r } = await run(demo, [], { isTTY: true, prompt: async (q: string) => (questions.push(q), "n") });
    expect(r.exitCode).toBe(1);
    expect(questions).toEqual(['Step 2 "change" is destructive. Continue? [y/N] ']);
    expect(calls).toEqual(["check 1"]);
  });
});

describe("dry run", () => {
  it("prints commands instead of running them and writes no journal", async () => {
    calls.length = 0;
    const before = fs.existsSync(path.join(drills, "journal")) ? fs.readdirSync(path.join(drills, "journal")).length : 0;
    const t = new BaseTarget("local", { runner: async () => expect.unreachable("no command may run") });
    const { r, out } = await run(demo, ["--dry-run"], { target: t });
    expect(r.outcome).toBe("dry-run");
    expect(out).toContain("  would run: touch /tmp/x\n");
    expect(out).toContain("DRY RUN");
    const after = fs.existsSync(path.join(drills, "journal")) ? fs.readdirSync(path.join(drills, "journal")).length : 0;
    expect(after).toBe(before);
  });
});

describe("journal", () => {
  it("records parameters, commit, operator, steps and commands, secrets masked", async () => {
    const secret = "s3cr3t-value-123";
    const leaky = runbook({
      id: "demo-leaky",
      title: "Leaky",
      steps: [
        step("use a secret", {
          run: async (t) => {
            const target = t as BaseTarget;
            target.masker.addSecret(secret);
            await target.exec(["vault", "login", secret]);
            await target.exec(["psql", `password=${"hunter22"}`]);
            return { token: "abc123456", ok: true };
          },
        }),
      ],
    });
    const { r } = await run(leaky, [], { env: { GROUNDWORK_OPERATOR: "alice" } });
    expect(r.exitCode).toBe(0);
    const text = fs.readFileSync(path.join(drills, "journal", `${r.runId}.jsonl`), "utf8");
    expect(text).not.toContain(secret);
    expect(text).not.toContain("hunter22");
    expect(text).not.toContain("abc123456");
    const entries = Journal.read(path.join(drills, "journal", `${r.runId}.jsonl`));
    const start = entries.find((e) => e.type === "run-start")!;
    expect(start).toMatchObject({ runbook: "demo-leaky", env: "local", operator: "alice", params: {} });
    // The tree may be dirty (engineers edit while tests run): the engine marks it, never hides it.
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect([head, `${head}+dirty`]).toContain(start.commit);
    expect(entries.filter((e) => e.type === "command").map((e) => e.command)).toEqual(["vault login ****", "psql password=****"]);
    expect(entries.map((e) => e.type)).toEqual(["run-start", "step-start", "command", "command", "step-end", "run-end"]);
  });

  it("masks credential-looking keys and text", () => {
    const m = new Masker();
    expect(m.value({ root_token: "x", nested: { recovery_keys_b64: ["a"] }, note: "PGPASSWORD=abc" })).toEqual({
      root_token: "****",
      nested: { recovery_keys_b64: "****" },
      note: "PGPASSWORD=****",
    });
  });
});

describe("stop conditions and rollback", () => {
  it("runs the rollbacks of completed steps in reverse when the health probe fails", async () => {
    calls.length = 0;
    let healthChecks = 0;
    const guarded = runbook({ ...demo, id: "demo-guarded", health: () => ++healthChecks < 2 });
    const { r } = await run(guarded, ["--yes"]);
    expect(r.outcome).toBe("aborted");
    expect(r.exitCode).toBe(1);
    expect(calls).toEqual(["check 1", "run 2", "rollback 2"]);
  });

  it("rolls back in reverse when a later step's verify fails", async () => {
    calls.length = 0;
    const failing = runbook({
      ...demo,
      id: "demo-failing",
      steps: [...demo.steps.slice(0, 2), step("finish", { run: () => void calls.push("run 3"), verify: () => false, rollback: () => void calls.push("rollback 3") })],
    });
    const { r } = await run(failing, ["--yes"]);
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe("step 3 (finish) verify failed: verification failed");
    expect(calls).toEqual(["check 1", "run 2", "run 3", "rollback 3", "rollback 2"]);
  });
});

describe("progress", () => {
  const slow = runbook({
    id: "demo-slow",
    title: "Slow",
    steps: [step("wait a little", { run: () => new Promise((resolve) => setTimeout(resolve, 400)) })],
  });

  it("redraws one line with the elapsed time on a TTY", async () => {
    const { r, out } = await run(slow, [], { isTTY: true });
    expect(r.exitCode).toBe(0);
    // At least one frame: carriage return, spinner, label, elapsed seconds.
    expect(out).toMatch(/\r[|/\-\\] \[1\/1\] wait a little \d+\.\d s/);
    // The final line erases the frame and reports the outcome.
    expect(out).toMatch(/\r\x1b\[K\[1\/1\] wait a little: ok \(\d+\.\d\d s\)\n/);
  });

  it("prints plain lines when the output is not a TTY", async () => {
    const { r, out } = await run(slow, [], { isTTY: false });
    expect(r.exitCode).toBe(0);
    expect(out).not.toContain("\r");
    expect(out).not.toContain("\x1b");
    expect(out).toMatch(/^\[1\/1\] wait a little \.\.\.\n {2}ok \(\d+\.\d\d s\)\n/m);
  });
});

describe("resume", () => {
  it("continues after the last completed step with the journaled data and parameters", async () => {
    calls.length = 0;
    const seen: unknown[] = [];
    const resumable = runbook({
      ...demo,
      id: "demo-resumable",
      steps: [...demo.steps.slice(0, 2), step("finish", { run: (_t, ctx) => void seen.push(ctx.data.changed, ctx.params.count) })],
    });
    const runId = "20250101T000000Z-demo-resumable-local-abcd";
    const journal = path.join(drills, "journal", `${runId}.jsonl`);
    fs.mkdirSync(path.dirname(journal), { recursive: true });
    const start = { type: "run-start", runId, runbook: "demo-resumable", env: "local", params: { count: 7, mode: "b" }, fileHash: "unknown" };
    const done = (index: number, data: object) => ({ type: "step-end", index, outcome: "ok", data });
    fs.writeFileSync(journal, [start, done(0, { seen: 1 }), done(1, { changed: "yes" })].map((e) => JSON.stringify(e)).join("\n") + "\n");
    const { r } = await run(resumable, ["--resume", runId]);
    expect(r.exitCode).toBe(0);
    expect(calls).toEqual([]);
    expect(seen).toEqual(["yes", 7]);
    expect(r.steps.map((s) => s.outcome)).toEqual(["done-before-resume", "done-before-resume", "ok"]);
  });

  it("refuses when the runbook file changed since the run started", async () => {
    const runId = "20250101T000000Z-db-failover-local-abcd";
    const journal = path.join(drills, "journal", `${runId}.jsonl`);
    fs.writeFileSync(journal, JSON.stringify({ type: "run-start", runId, runbook: "db-failover", env: "local", params: {}, fileHash: "0".repeat(64) }) + "\n");
    const { r, out } = await run(dbFailover, ["--resume", runId, "--yes"]);
    expect(r.exitCode).toBe(2);
    expect(out).toContain("runbooks/db-failover.mjs changed since run 20250101T000000Z-db-failover-local-abcd started");
  });
});

describe("measurement", () => {
  const ack = (seq: number, at: number, server: string) => ({ seq, startedAt: at - 1, ackedAt: at, server });
  it("RTO is fault to first write on another server; RPO counts acknowledged writes missing", () => {
    const acks = [ack(1, 100, "a"), ack(2, 200, "a"), ack(3, 300, "a"), ack(4, 1300, "b"), ack(5, 1400, "b")];
    const m = computeMeasurement(acks, 4, 350, new Set([1, 2, 4, 5]));
    expect(m.rtoSeconds).toBe(0.95);
    expect(m.lostWrites).toBe(1);
    expect(m.lostSeqs).toEqual([3]);
    expect(m.rpoSeconds).toBe(0.1);
    expect(m.newPrimary).toBe("b");
    expect(computeMeasurement(acks, 0, 350, new Set([1, 2, 3, 4, 5])).rpoSeconds).toBe(0);
  });
});

describe("catalog", () => {
  it("lists every runbook's declaration without running any, each with its doc", async () => {
    const list = await listRunbooks();
    const ids = list.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(["db-failover", "db-restore", "dr-drill", "redis-failover"]));
    for (const r of list) {
      expect(r.doc, `${r.id}.md`).not.toBeNull();
      // Level-2 headings outside code blocks, each followed by some text.
      const text = fs.readFileSync(r.doc!, "utf8").replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
      const sections = text.split(/^## /m).slice(1).map((part) => {
        const [heading, ...body] = part.split("\n");
        return { heading: heading.trim(), hasBody: body.join("\n").trim() !== "" };
      });
      expect(sections.slice(0, 4), `${r.id}.md`).toEqual(["Meaning", "Impact", "Diagnosis", "Mitigation"].map((heading) => ({ heading, hasBody: true })));
    }
    const failover = list.find((r) => r.id === "db-failover")!;
    expect(failover.steps).toEqual([
      { title: "standby is healthy and close", destructive: false },
      { title: "fail over to the standby", destructive: true },
      { title: "old primary follows the new one", destructive: false },
    ]);
    expect(failover.params[0]).toMatchObject({ flag: "--max-lag-bytes", type: "int", default: 16777216 });
  });
});
