/**
 * `npm run drill` end to end: sandbox up, dr-drill against it, evidence
 * report, sandbox down. Its own sandbox and drills directories.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { repoRoot } from "../../runbooks/lib/paths.mjs";
import { down } from "../../runbooks/lib/sandbox.mjs";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-drill-sandbox-"));
const drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-drill-records-"));

afterAll(async () => {
  await down({ dir }); // in case the drill died before its own `down`
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(drills, { recursive: true, force: true });
});

it("runs the suite against a fresh sandbox, writes one combined report and stops the sandbox", () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, "scripts/drill.mjs")], {
    env: { ...process.env, GROUNDWORK_SANDBOX_DIR: dir, GROUNDWORK_DRILLS_DIR: drills },
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  const records = fs.readdirSync(path.join(drills, "records"));
  expect(records.filter((f) => f.endsWith(".json"))).toEqual([expect.stringMatching(/^\d{8}T\d{6}Z-dr-drill-local\.json$/)]);
  const evidence = JSON.parse(fs.readFileSync(path.join(drills, "records", records.find((f) => f.endsWith(".json"))!), "utf8"));
  // No timing assertion (speed belongs to the benchmarks): the outcome and exit code follow the verdicts.
  const met = (evidence.measurements.verdicts as { met: boolean }[]).every((v) => v.met);
  expect(evidence.outcome).toBe(met ? "succeeded" : "failed");
  expect(r.status).toBe(met ? 0 : 1);
  expect(evidence.measurements.targets).toEqual({ rtoSeconds: { database: 2, cache: 3 }, rpoSeconds: 0 });
  for (const drill of ["databaseFailover", "cacheFailover"]) {
    expect(evidence.measurements[drill]).toMatchObject({ outcome: "succeeded", measuredBy: "write probe", rpoSeconds: 0, lostWrites: 0 });
    expect(evidence.measurements[drill].rtoSeconds).toEqual(expect.any(Number));
  }
  expect(evidence.measurements.databaseRestore).toMatchObject({ outcome: "succeeded", restoreMatches: true });
  expect(r.stdout).toContain("## Targets");
  expect(r.stdout).toContain("sandbox down: stopped");
  expect(fs.existsSync(path.join(dir, "state.json"))).toBe(false);
});
