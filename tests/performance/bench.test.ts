/**
 * `npm run bench`'s history, comparison and table (scripts/bench-history.mjs),
 * and the script itself writing to the history file GROUNDWORK_BENCH_HISTORY
 * names, so tests never append to bench/history.jsonl.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareWithPrevious, DEFAULT_HISTORY, formatTable, historyPath, readHistory, regressionLines } from "../../scripts/bench-history.mjs";

const root = path.resolve(import.meta.dirname, "..", "..");
const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gw-bench-test-"));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Two runs as bench.mjs appends them. */
const HISTORY = [
  '{"at":"2026-11-20T10:00:00.000Z","commit":"aaa1111","node":"v20.20.2","runs":3,"results":{"synth.seconds":8,"synth.peakMiB":700,"typecheck.seconds":10,"drill.dbRpo":0}}',
  '{"at":"2026-11-21T10:00:00.000Z","commit":"bbb2222","node":"v20.20.2","runs":3,"results":{"synth.seconds":8.5,"synth.peakMiB":720,"typecheck.seconds":10,"drill.dbRpo":0}}',
].join("\n");

describe("bench history", () => {
  it("reads the history file GROUNDWORK_BENCH_HISTORY names, else bench/history.jsonl", () => {
    expect(historyPath({})).toBe(DEFAULT_HISTORY);
    expect(DEFAULT_HISTORY).toBe(path.join("bench", "history.jsonl"));
    const file = path.join(tmp(), "history.jsonl");
    expect(historyPath({ GROUNDWORK_BENCH_HISTORY: file })).toBe(file);
    expect(readHistory(file)).toEqual([]);
    writeFileSync(file, `${HISTORY}\n`);
    expect(readHistory(file).map((e) => e.commit)).toEqual(["aaa1111", "bbb2222"]);
    writeFileSync(file, `${HISTORY}\nnot json\n`);
    expect(() => readHistory(file)).toThrow(`bench: ${file} line 3 is not JSON: not json`);
  });

  it("flags a benchmark more than 10 % worse than the previous entry and formats the table", () => {
    const file = path.join(tmp(), "history.jsonl");
    writeFileSync(file, `${HISTORY}\n`);
    const previous = readHistory(file).pop();
    const rows = [
      // +20 % on synth: a regression, and over its target.
      { key: "synth.seconds", name: "cdktf synth, all stacks: wall time (s)", value: 10.2, target: "<= 10", ok: false },
      // +5 %: noise within the tolerance.
      { key: "synth.peakMiB", name: "cdktf synth, all stacks: peak memory (MiB)", value: 756, target: "<= 1024", ok: true },
      // Faster: never a regression.
      { key: "typecheck.seconds", name: "type-check: wall time (s)", value: 9, target: "<= 15", ok: true },
      // From 0 to more: a regression with no percentage.
      { key: "drill.dbRpo", name: "DB failover RPO (s), synchronous", value: 1, target: "0", ok: false },
      // New benchmark: nothing to compare with.
      { key: "docs.seconds", name: "docs build: wall time (s)", value: 40, target: "<= 120", ok: true },
    ];
    const compared = compareWithPrevious(rows, previous);
    expect(compared.map((r) => [r.key, r.previous, r.change === null ? null : Number(r.change.toFixed(4)), r.regression])).toEqual([
      ["synth.seconds", 8.5, 0.2, true],
      ["synth.peakMiB", 720, 0.05, false],
      ["typecheck.seconds", 10, -0.1, false],
      ["drill.dbRpo", 0, null, true],
      ["docs.seconds", null, null, false],
    ]);
    expect(formatTable(compared, previous).split("\n")).toEqual([
      "| benchmark | value | target | within target | change |",
      "|---|---:|---|---|---|",
      "| cdktf synth, all stacks: wall time (s) | 10.200 | <= 10 | NO | +20.0% vs bbb2222 **REGRESSION** |",
      "| cdktf synth, all stacks: peak memory (MiB) | 756 | <= 1024 | yes | +5.0% vs bbb2222 |",
      "| type-check: wall time (s) | 9 | <= 15 | yes | -10.0% vs bbb2222 |",
      "| DB failover RPO (s), synchronous | 1 | 0 | NO | 0 -> 1 vs bbb2222 **REGRESSION** |",
      "| docs build: wall time (s) | 40 | <= 120 | yes | - |",
    ]);
    expect(regressionLines(compared, previous)).toEqual([
      "regression: cdktf synth, all stacks: wall time (s) 8.500 -> 10.200 (+20.0 %) since bbb2222, beyond the 10 % tolerance",
      "regression: DB failover RPO (s), synchronous 0 -> 1 since bbb2222, beyond the 10 % tolerance",
    ]);
    // Without a previous entry nothing is compared.
    expect(compareWithPrevious(rows, undefined).every((r) => r.previous === null && !r.regression)).toBe(true);
  });

  it("appends the run to the history file GROUNDWORK_BENCH_HISTORY names, not to bench/history.jsonl", () => {
    const file = path.join(tmp(), "nested", "history.jsonl");
    const shared = path.join(root, DEFAULT_HISTORY);
    const before = existsSync(shared) ? statSync(shared).size : null;
    // Every benchmark skipped: the script only records and compares (an empty entry).
    const r = spawnSync(process.execPath, ["scripts/bench.mjs", "--skip", "synth,typecheck,policy,drill,runbooks,docs"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, GROUNDWORK_BENCH_HISTORY: file },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`history: ${file}`);
    const entries = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ node: process.version, runs: 3, results: {} });
    expect(existsSync(shared) ? statSync(shared).size : null).toBe(before);
  });

  it("records each AWS runbook's own overhead (mocked SDK, fake clock) against the 5 s budget", () => {
    const file = path.join(tmp(), "history.jsonl");
    const r = spawnSync(process.execPath, ["scripts/bench.mjs", "--skip", "synth,typecheck,policy,drill,docs", "--runs", "1"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, GROUNDWORK_BENCH_HISTORY: file },
    });
    expect(r.status, r.stderr).toBe(0);
    const [entry] = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(Object.keys(entry.results).sort()).toEqual(["runbooks.db-backup-verify.seconds", "runbooks.db-failover.seconds", "runbooks.redis-failover.seconds"]);
    for (const seconds of Object.values(entry.results)) expect(seconds).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/db-failover on AWS, own overhead \(s\) \|[^|]*\| < 5 \|/);
  });
});
