// The history, comparison and table of `npm run bench` (scripts/bench.mjs),
// importable so that they can be tested without running the benchmarks.
// History is one JSON object per line: {at, commit, node, runs, results: {key: number}}.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Where the history goes unless GROUNDWORK_BENCH_HISTORY names another file (tests do). */
export const DEFAULT_HISTORY = path.join("bench", "history.jsonl");

/** A benchmark gets worse than the previous entry by more than this share: flagged as a regression. */
export const REGRESSION_TOLERANCE = 0.1;

/**
 * @typedef {{at: string, commit: string, node: string, runs: number, results: Record<string, number>}} HistoryEntry
 * @typedef {{key: string, name: string, value: number, target: string, ok: boolean}} BenchRow
 * @typedef {BenchRow & {previous: number | null, change: number | null, regression: boolean}} ComparedRow
 */

/**
 * The history file: GROUNDWORK_BENCH_HISTORY, else bench/history.jsonl (relative to the working directory).
 * @param {NodeJS.ProcessEnv} [env]
 */
export function historyPath(env = process.env) {
  return env.GROUNDWORK_BENCH_HISTORY || DEFAULT_HISTORY;
}

/**
 * Every entry of a history file, oldest first; [] when the file does not exist.
 * @param {string} file
 * @returns {HistoryEntry[]}
 */
export function readHistory(file) {
  if (!existsSync(file)) return [];
  /** @type {HistoryEntry[]} */
  const entries = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === "") return;
      try {
        entries.push(JSON.parse(line));
      } catch {
        throw new Error(`bench: ${file} line ${i + 1} is not JSON: ${line.slice(0, 80)}`);
      }
    });
  return entries;
}

/**
 * Append one entry, creating the file's directory.
 * @param {string} file
 * @param {HistoryEntry} entry
 */
export function appendHistory(file, entry) {
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

/**
 * Compare each row with the same key in `previous`. Every benchmark is "lower
 * is better" (seconds, MiB, RTO/RPO), so a rise beyond the tolerance is a
 * regression. A single previous entry is one sample on a shared machine: the
 * flag is a pointer to look, not a statistical verdict (load runs have that).
 * @param {readonly BenchRow[]} rows
 * @param {HistoryEntry | undefined} previous
 * @param {number} [tolerance]
 * @returns {ComparedRow[]}
 */
export function compareWithPrevious(rows, previous, tolerance = REGRESSION_TOLERANCE) {
  return rows.map((r) => {
    const before = previous?.results?.[r.key];
    if (typeof before !== "number" || typeof r.value !== "number") return { ...r, previous: null, change: null, regression: false };
    if (before === 0) return { ...r, previous: before, change: null, regression: r.value > 0 };
    const change = (r.value - before) / before;
    return { ...r, previous: before, change, regression: change > tolerance };
  });
}

/** @param {unknown} v */
function fmt(v) {
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v);
}

/**
 * The Markdown table `npm run bench` prints.
 * @param {readonly ComparedRow[]} rows
 * @param {HistoryEntry | undefined} previous
 * @returns {string}
 */
export function formatTable(rows, previous) {
  const change = (/** @type {ComparedRow} */ r) => {
    if (r.previous === null) return "-";
    const flag = r.regression ? " **REGRESSION**" : "";
    if (r.change === null) return `${fmt(r.previous)} -> ${fmt(r.value)} vs ${previous?.commit}${flag}`;
    const pct = r.change * 100;
    return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}% vs ${previous?.commit}${flag}`;
  };
  return [
    "| benchmark | value | target | within target | change |",
    "|---|---:|---|---|---|",
    ...rows.map((r) => `| ${r.name} | ${fmt(r.value)} | ${r.target} | ${r.ok ? "yes" : "NO"} | ${change(r)} |`),
  ].join("\n");
}

/**
 * One line per regressed benchmark, naming it and how much it moved.
 * @param {readonly ComparedRow[]} rows
 * @param {HistoryEntry | undefined} previous
 * @param {number} [tolerance]
 * @returns {string[]}
 */
export function regressionLines(rows, previous, tolerance = REGRESSION_TOLERANCE) {
  return rows
    .filter((r) => r.regression)
    .map(
      (r) =>
        `regression: ${r.name} ${fmt(r.previous)} -> ${fmt(r.value)}${r.change === null ? "" : ` (+${(r.change * 100).toFixed(1)} %)`} since ${previous?.commit}, beyond the ${Math.round(tolerance * 100)} % tolerance`,
    );
}
