/** Drill history: evidence reports under drills/records/ reduced to what the runbook pages show. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readDrillRuns, recordsDir } from "../../scripts/docs/drills";
import { evidence, probe, writeRecords } from "./helpers";

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("readDrillRuns", () => {
  it("returns an empty list when no drill was recorded", () => {
    expect(readDrillRuns(join(tmpdir(), "gw-no-such-dir", "records"))).toEqual([]);
  });

  it("reads a failover's RTO and RPO from its write probe, oldest run first", () => {
    dir = mkdtempSync(join(tmpdir(), "gw-drills-"));
    writeRecords(dir, [
      evidence({ runbook: "db-failover", startedAt: "2025-03-02T10:00:00.000Z", measurements: { probe: probe(0.84, 2, 0.12) } }),
      evidence({ runbook: "db-failover", startedAt: "2025-03-01T10:00:00.000Z", outcome: "failed", measurements: { probe: probe(null) } }),
    ]);
    const runs = readDrillRuns(join(dir, "records"));
    expect(runs.map((r) => [r.startedAt, r.outcome])).toEqual([
      ["2025-03-01T10:00:00.000Z", "failed"],
      ["2025-03-02T10:00:00.000Z", "succeeded"],
    ]);
    expect(runs[1].recoveries).toEqual([{ what: "failover", rtoSeconds: 0.84, rpoSeconds: 0.12, lostWrites: 2 }]);
    expect(runs[1].seconds).toBe(12.3);
    expect(runs[1].file).toBe("20250302T100000Z-db-failover-local.json");
  });

  it("reads each recovery of a DR drill and its target verdicts", () => {
    dir = mkdtempSync(join(tmpdir(), "gw-drills-"));
    const child = (rto: number | null, rpo: number | null, restoreSeconds: number | null = null) => ({
      run: "x", outcome: "succeeded", measuredBy: "write probe", rtoSeconds: rto, rpoSeconds: rpo, lostWrites: rpo === null ? null : 0, ackedWrites: 10, restoreSeconds, restoreMatches: null,
    });
    const verdicts = [{ what: "database failover RTO (s)", measured: 1.1, target: "<= 2", met: true }];
    writeRecords(dir, [
      evidence({
        runbook: "dr-drill",
        startedAt: "2025-03-03T06:17:00.000Z",
        measurements: { targets: { rtoSeconds: { database: 2, cache: 3 }, rpoSeconds: 0 }, databaseFailover: child(1.1, 0), databaseRestore: child(null, null, 4.5), cacheFailover: child(2.2, 0), verdicts },
      }),
    ]);
    const [run] = readDrillRuns(join(dir, "records"));
    expect(run.recoveries).toEqual([
      { what: "database failover", rtoSeconds: 1.1, rpoSeconds: 0, lostWrites: 0 },
      { what: "database restore", rtoSeconds: 4.5, rpoSeconds: null, lostWrites: null },
      { what: "cache failover", rtoSeconds: 2.2, rpoSeconds: 0, lostWrites: 0 },
    ]);
    expect(run.verdicts).toEqual(verdicts);
  });

  it("skips files that are not evidence reports, with a warning, instead of failing the build", () => {
    dir = mkdtempSync(join(tmpdir(), "gw-drills-"));
    writeRecords(dir, [evidence({ runbook: "db-restore", startedAt: "2025-03-01T00:00:00.000Z", measurements: { restoreSeconds: 3.2 } })]);
    writeFileSync(join(dir, "records", "broken.json"), "{ not json");
    writeFileSync(join(dir, "records", "other.json"), JSON.stringify({ hello: "world" }));
    const warnings: string[] = [];
    const runs = readDrillRuns(join(dir, "records"), (m) => warnings.push(m));
    expect(runs.map((r) => r.recoveries)).toEqual([[{ what: "restore", rtoSeconds: 3.2, rpoSeconds: null, lostWrites: null }]]);
    expect(warnings).toHaveLength(2);
    expect(warnings.join("\n")).toMatch(/broken\.json: .*skipped/);
    expect(warnings.join("\n")).toContain("other.json is not an evidence report; skipped");
  });

  it("looks where the runbooks write: GROUNDWORK_DRILLS_DIR/records", () => {
    expect(recordsDir({ GROUNDWORK_DRILLS_DIR: "/tmp/gw-x" })).toBe("/tmp/gw-x/records");
  });
});
