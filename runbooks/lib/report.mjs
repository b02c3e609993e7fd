/**
 * Evidence reports: `drills/records/<timestamp>-<runbook>-<env>.{json,md}`,
 * one per run, with the steps, their timings, the outcome and the measured
 * recovery figures. The docs site shows the last rehearsal from these.
 */
import fs from "node:fs";
import path from "node:path";

/**
 * @typedef {{
 *   runbook: string, title: string, env: string, runId: string, params: Record<string, unknown>,
 *   commit: string, operator: string, startedAt: string, endedAt: string, outcome: string, error: string | null,
 *   steps: Array<{index: number, title: string, destructive: boolean, outcome: string, startedAt: string | null, seconds: number | null, error?: string}>,
 *   measurements: Record<string, unknown>,
 * }} Evidence
 */

/**
 * Write the JSON and Markdown evidence of one run.
 * @param {string} dir
 * @param {Evidence} evidence
 * @returns {{json: string, md: string}}
 */
export function writeReport(dir, evidence) {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = evidence.startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const base = path.join(dir, `${stamp}-${evidence.runbook}-${evidence.env}`);
  // Two runs of one runbook in the same second (tests, the drill suite) must not overwrite each other.
  const suffix = fs.existsSync(`${base}.json`) ? `-${evidence.runId.slice(-4)}` : "";
  const json = `${base}${suffix}.json`;
  const md = `${base}${suffix}.md`;
  fs.writeFileSync(json, `${JSON.stringify(evidence, null, 2)}\n`);
  fs.writeFileSync(md, markdown(evidence));
  return { json, md };
}

/** @param {Evidence} e */
export function markdown(e) {
  const lines = [
    `# ${e.title}: ${e.outcome}`,
    "",
    `| | |`,
    `|---|---|`,
    `| runbook | \`${e.runbook}\` |`,
    `| environment | ${e.env} |`,
    `| run | \`${e.runId}\` |`,
    `| started | ${e.startedAt} |`,
    `| ended | ${e.endedAt} |`,
    `| commit | \`${e.commit}\` |`,
    `| operator | ${e.operator} |`,
    `| parameters | \`${JSON.stringify(e.params)}\` |`,
  ];
  if (e.error) lines.push(`| error | ${e.error.replaceAll("|", "\\|")} |`);
  lines.push("", "## Steps", "", "| # | step | destructive | outcome | seconds |", "|---|---|---|---|---|");
  for (const s of e.steps) {
    lines.push(`| ${s.index + 1} | ${s.title} | ${s.destructive ? "yes" : ""} | ${s.outcome}${s.error ? `: ${s.error.replaceAll("|", "\\|")}` : ""} | ${s.seconds ?? ""} |`);
  }
  const { verdicts, ...rest } = e.measurements;
  const rows = measurementRows(rest);
  if (rows.length) {
    lines.push("", "## Measurements", "", "| measurement | value |", "|---|---|");
    for (const [k, v] of rows) lines.push(`| ${k} | ${v} |`);
  }
  if (Array.isArray(verdicts)) {
    lines.push("", "## Targets", "", "| objective | measured | target | verdict |", "|---|---|---|---|");
    for (const v of /** @type {Array<{what: string, measured: unknown, target: string, met: boolean | null}>} */ (verdicts)) {
      lines.push(`| ${v.what} | ${v.measured ?? "not measured"} | ${v.target} | ${v.met === null ? "not measured" : v.met ? "met" : "MISSED"} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Flatten nested measurements into `a.b.c | value` rows.
 * @param {Record<string, unknown>} m
 * @param {string} [prefix]
 * @returns {Array<[string, string]>}
 */
function measurementRows(m, prefix = "") {
  /** @type {Array<[string, string]>} */
  const rows = [];
  for (const [k, v] of Object.entries(m)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v === null || v === undefined) continue;
    if (typeof v === "object" && !Array.isArray(v)) rows.push(...measurementRows(/** @type {Record<string, unknown>} */ (v), key));
    else rows.push([key, Array.isArray(v) ? (v.length ? v.join(", ") : "none") : String(v)]);
  }
  return rows;
}
