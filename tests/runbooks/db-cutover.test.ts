/**
 * db-restore --cut-over against the sandbox's real PostgreSQL: the restore
 * becomes the primary, the old primary and standby stop, clients (which find
 * the primary through the sandbox's state) write to the restore. Its own
 * sandbox: the cut-over leaves no standby behind.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import dbRestore from "../../runbooks/db-restore.mjs";
import { execute } from "../../runbooks/lib/runbook.mjs";
import { pgQuery, pidAlive, postmasterPid, readState, requireState, status } from "../../runbooks/lib/sandbox.mjs";
import { startSandbox, stopSandbox, type SandboxFixture } from "./sandbox-fixture";

let sandbox: SandboxFixture;

beforeAll(async () => {
  sandbox = await startSandbox("cutover");
});

afterAll(() => stopSandbox(sandbox));

async function run(argv: string[]) {
  let out = "";
  const r = await execute(dbRestore, argv, { env: sandbox.env, out: (s) => (out += s), isTTY: false });
  return { r, out };
}

const primaryPort = () => {
  const s = requireState(sandbox.dir);
  return s.postgres.nodes[s.postgres.primary].port;
};

describe("db-restore --cut-over", () => {
  let time: string;

  beforeAll(async () => {
    const port = primaryPort();
    await pgQuery(port, "CREATE TABLE cutover_test (id serial PRIMARY KEY, label text)");
    for (let i = 0; i < 3; i++) await pgQuery(port, `INSERT INTO cutover_test (label) VALUES ('before-${i}')`);
    await new Promise((r) => setTimeout(r, 30));
    time = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 30));
    for (let i = 0; i < 3; i++) await pgQuery(port, `INSERT INTO cutover_test (label) VALUES ('after-${i}')`);
  });

  it("fails without --yes and without a terminal, with exit code 2 and nothing changed (the cut-over is destructive)", async () => {
    const before = fs.readFileSync(path.join(sandbox.dir, "state.json"), "utf8");
    const { r, out } = await run(["--time", time, "--name", "restore-cutover", "--cut-over"]);
    expect(r.exitCode).toBe(2);
    expect(out).toBe("db-restore: destructive steps need confirmation: pass --yes, or run in a terminal\n");
    expect(fs.readFileSync(path.join(sandbox.dir, "state.json"), "utf8")).toBe(before);
    expect(fs.existsSync(path.join(sandbox.drills, "journal"))).toBe(false);
  });

  it("makes the restore the primary: the old primary and standby stop, and writes go to the restored data", async () => {
    const old = readState(sandbox.dir)!.postgres;
    const oldPids = Object.values(old.nodes).map((n) => postmasterPid(n.dataDir));
    expect(oldPids.every((pid) => pid !== null && pidAlive(pid))).toBe(true);

    const { r, out } = await run(["--time", time, "--name", "restore-cutover", "--cut-over", "--yes"]);
    expect(r.error).toBeNull();
    expect(r.exitCode).toBe(0);
    expect(out).toContain("cutover_test: 3 restored, 3 in the source before the time: match");
    expect(r.steps.map((s) => [s.title, s.outcome])).toEqual([
      ["the time is in the past", "ok"],
      ["restore into a new instance", "ok"],
      ["rows match the source at that time", "ok"],
      ["cut over to the restored instance", "ok"],
      ["drop the restored instance", "skipped"],
    ]);
    expect(r.data.primary).toBe("restore-cutover");

    // The sandbox's state names the restore as the only PostgreSQL server, and it is a primary.
    const s = requireState(sandbox.dir);
    expect(s.postgres.primary).toBe("restore-cutover");
    expect(Object.keys(s.postgres.nodes)).toEqual(["restore-cutover"]);
    expect(s.postgres.restores).toEqual({});
    const pg = (await status({ dir: sandbox.dir }))!.filter((x) => x.kind === "postgres").map((x) => [x.server, x.role, x.healthy]);
    expect(pg).toEqual([["restore-cutover", "primary", true]]);
    for (const pid of oldPids) expect(pidAlive(pid!)).toBe(false);

    // Clients find the new primary through the state: it holds exactly the rows before the time, and takes writes.
    const port = primaryPort();
    await pgQuery(port, "INSERT INTO cutover_test (label) VALUES ('after-cut-over')");
    const labels = (await pgQuery(port, "SELECT label FROM cutover_test ORDER BY id")).map((row) => row[0]);
    expect(labels).toEqual(["before-0", "before-1", "before-2", "after-cut-over"]);

    // The journal records the cut-over as an action with what it stopped.
    const journal = fs.readFileSync(path.join(sandbox.drills, "journal", `${r.runId}.jsonl`), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(journal.filter((e) => e.type === "action" && String(e.action).startsWith("cut over")).map((e) => e.action)).toEqual([
      `cut over: stop ${Object.keys(old.nodes).join(" and ")}, make restore-cutover the primary`,
    ]);
  });
});
