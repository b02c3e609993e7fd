/**
 * The result of one load run, written as JSON and as a self-contained HTML
 * report (inline SVG plots, no external scripts, styles or fonts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Measurements, Samples } from "./recorder";
import type { RedisCommandRow } from "./redis-bench";
import type { Comparison, LoadKey } from "./regression";
import type { ThresholdResult } from "./thresholds";
import type { UsageReport } from "./usage";

/** One stage of a stress run. */
export interface StageSummary {
  readonly offeredRps: number;
  readonly throughputRps: number;
  readonly p95Ms: number;
  readonly errorRatio: number;
  readonly pass: boolean;
}

/** Everything one run produced; this is the JSON report. */
export interface RunReport {
  readonly version: 1;
  readonly scenario: string;
  readonly env: string;
  readonly kind: "http" | "pgbench" | "redis-benchmark" | "event-e2e";
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly gitCommit?: string;
  /** Where the load went (base URL or host:port) and how. */
  readonly target: string;
  readonly load: LoadKey & { readonly multiple?: string };
  readonly measurements?: Measurements;
  readonly commands?: readonly RedisCommandRow[];
  readonly stages?: readonly StageSummary[];
  /** Stress: highest offered rate that met the SLO; null when even the first stage failed. */
  readonly kneeRps?: number | null;
  readonly dispatchLagMs?: { readonly p50: number; readonly p99: number; readonly max: number };
  /** CPU and memory utilisation of the service over the load window, against the budget. */
  readonly usage?: UsageReport;
  /** event-e2e: what the pipeline published and applied. */
  readonly events?: {
    readonly runId: string;
    readonly stream: string;
    readonly published: number;
    readonly applied: number;
    readonly batches: number;
    readonly consumerDelayMs: number;
  };
  readonly samples: Samples;
  readonly thresholds: readonly ThresholdResult[];
  readonly comparison?: Comparison;
  /** Why no comparison was made (no baseline, different load, ...). */
  readonly comparisonSkipped?: string;
  readonly notes: readonly string[];
  readonly pass: boolean;
}

/** Write `<dir>/<scenario>-<env>-<timestamp>.json` and `.html`; returns both paths. */
export function writeReports(report: RunReport, dir: string): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, "-");
  const base = path.join(dir, `${report.scenario}-${report.env}-${stamp}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.html`, renderHtml(report));
  return { json: `${base}.json`, html: `${base}.html` };
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** A data series of a line chart; null values leave gaps. */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly (number | null)[];
}

/** An inline SVG line chart over x = 0..n-1 seconds, with optional horizontal limit lines. */
export function lineChart(title: string, unit: string, series: readonly Series[], limits: readonly { value: number; label: string }[] = []): string {
  const w = 760;
  const h = 260;
  const m = { l: 60, r: 150, t: 28, b: 36 };
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const all = [...series.flatMap((s) => s.values.filter((v): v is number => v !== null)), ...limits.map((l) => l.value)];
  const yMax = niceMax(Math.max(1e-9, ...all));
  const x = (i: number) => m.l + (n === 1 ? 0 : (i / (n - 1)) * (w - m.l - m.r));
  const y = (v: number) => m.t + (1 - v / yMax) * (h - m.t - m.b);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(title)}">`];
  parts.push(`<text x="${m.l}" y="18" font-weight="bold">${esc(title)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    parts.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${esc(num(v, v < 10 ? 1 : 0))}</text>`);
  }
  const step = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i += step) parts.push(`<text x="${x(i)}" y="${h - m.b + 16}" text-anchor="middle" font-size="11">${i}</text>`);
  parts.push(`<text x="${(m.l + w - m.r) / 2}" y="${h - 4}" text-anchor="middle" font-size="11">second</text>`);
  parts.push(`<text x="12" y="${m.t - 8}" font-size="11">${esc(unit)}</text>`);
  for (const l of limits) {
    parts.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${y(l.value)}" y2="${y(l.value)}" stroke="#c00" stroke-dasharray="6 4"/>`);
  }
  series.forEach((s, si) => {
    let d = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<rect x="${w - m.r + 10}" y="${m.t + si * 18}" width="12" height="3" fill="${s.color}"/>`);
    parts.push(`<text x="${w - m.r + 28}" y="${m.t + si * 18 + 5}" font-size="11">${esc(s.name)}</text>`);
  });
  limits.forEach((l, li) => {
    const row = series.length + li;
    parts.push(`<rect x="${w - m.r + 10}" y="${m.t + row * 18}" width="12" height="3" fill="#c00"/>`);
    parts.push(`<text x="${w - m.r + 28}" y="${m.t + row * 18 + 5}" font-size="11">${esc(l.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((f) => f * p >= v * 1.05) ?? 10) * p;
}

function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** The self-contained HTML report. */
export function renderHtml(r: RunReport): string {
  const m = r.measurements;
  const sections: string[] = [];
  sections.push(
    `<h1>${esc(r.scenario)} on ${esc(r.env)}: <span class="${r.pass ? "pass" : "fail"}">${r.pass ? "PASS" : "FAIL"}</span></h1>`,
    `<p>${esc(r.kind)} · ${esc(r.load.model)} model · ${esc(r.load.shape)}${r.load.multiple ? ` · ${esc(r.load.multiple)}` : ""} · offered ${esc(num(r.load.offeredRps))} req/s for ${esc(num(r.load.durationS))} s · target ${esc(r.target)} · ${esc(r.startedAt)}${r.gitCommit ? ` · commit ${esc(r.gitCommit)}` : ""}</p>`,
    "<h2>Thresholds</h2>",
    table(["metric", "limit", "actual", "result"], r.thresholds.map((t) => [t.metric, `${t.op} ${t.limit} ${t.unit}`, `${t.actual} ${t.unit}`, t.pass ? "pass" : "FAIL"])),
  );
  if (m) {
    sections.push(
      "<h2>Summary</h2>",
      table(
        ["sent", "ok", "errors", "throughput req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms"],
        [[m.requests.sent, m.requests.ok, m.requests.errors, num(m.throughputRps), num(m.latency.p50, 2), num(m.latency.p90, 2), num(m.latency.p95, 2), num(m.latency.p99, 2), num(m.latency.max, 2)]],
      ),
    );
    const p95Limit = r.thresholds.find((t) => /latency p95/.test(t.metric) && t.unit === "ms");
    sections.push(
      lineChart(
        "Latency (from intended send time)",
        "ms",
        [
          { name: "p50", color: "#2a7", values: m.timeline.map((p) => p.p50Ms) },
          { name: "p95", color: "#e80", values: m.timeline.map((p) => p.p95Ms) },
          { name: "p99", color: "#a2c", values: m.timeline.map((p) => p.p99Ms) },
        ],
        p95Limit ? [{ value: p95Limit.limit, label: `p95 SLO ${p95Limit.limit} ms` }] : [],
      ),
      lineChart("Throughput", "req/s", [
        { name: "offered", color: "#999", values: m.timeline.map((p) => p.offered) },
        { name: "ok", color: "#27c", values: m.timeline.map((p) => p.ok) },
        { name: "errors", color: "#c00", values: m.timeline.map((p) => p.errors) },
      ]),
    );
    const errs = Object.entries(m.errors);
    sections.push("<h2>Errors by kind</h2>", errs.length ? table(["kind", "count"], errs) : "<p>none</p>");
  }
  if (r.usage) {
    const u = r.usage;
    sections.push(
      `<h2>Resource utilisation (${esc(u.source)})</h2>`,
      table(
        ["resource", "request", "used", "utilisation", `budget${u.thresholded ? "" : " (not held: not normal load)"}`],
        [
          ["CPU (mean)", `${u.request.cpuMillicores}m`, u.cpuCores === undefined ? "-" : `${num(u.cpuCores, 3)} cores`, `${num(u.cpuRatio * 100)} %`, `${num(u.budget * 100, 0)} %`],
          ["memory (peak)", `${u.request.memoryMiB} MiB`, u.peakMemoryMiB === undefined ? "-" : `${num(u.peakMemoryMiB, 0)} MiB`, `${num(u.memoryRatio * 100)} %`, `${num(u.budget * 100, 0)} %`],
        ],
      ),
    );
  }
  if (r.events) {
    const e = r.events;
    sections.push("<h2>Events</h2>", table(["published", "applied", "batches", "consumer delay ms", "stream"], [[e.published, e.applied, e.batches, e.consumerDelayMs, e.stream]]));
  }
  if (r.commands) {
    sections.push("<h2>Commands</h2>", table(["command", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"], r.commands.map((c) => [c.command, num(c.rps, 0), c.p50Ms, c.p95Ms, c.p99Ms, c.maxMs])));
  }
  if (r.stages) {
    sections.push(
      `<h2>Stress stages (knee: ${r.kneeRps === null || r.kneeRps === undefined ? "none" : `${num(r.kneeRps)} req/s`})</h2>`,
      table(["offered req/s", "throughput req/s", "p95 ms", "error ratio", "SLO"], r.stages.map((s) => [num(s.offeredRps), num(s.throughputRps), num(s.p95Ms, 2), s.errorRatio.toFixed(4), s.pass ? "met" : "broken"])),
    );
  }
  sections.push("<h2>Regression check</h2>");
  if (r.comparison) {
    sections.push(
      table(
        ["metric", "baseline median", "current median", "change", "p-value", "significant", "beyond tolerance", "regression"],
        r.comparison.metrics.map((c) => [c.metric, `${num(c.baselineMedian, 2)} ${c.unit}`, `${num(c.currentMedian, 2)} ${c.unit}`, `${num(c.relativeChange * 100)} %`, c.pValue.toFixed(4), c.significant, c.beyondTolerance, c.regression ? "YES" : "no"]),
      ),
    );
  } else sections.push(`<p>${esc(r.comparisonSkipped ?? "not compared")}</p>`);
  if (r.notes.length) sections.push("<h2>Notes</h2>", `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`${r.scenario} ${r.env} load report`)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}.pass{color:#070}.fail{color:#c00}svg{display:block;margin:1em 0;font-family:system-ui,sans-serif}</style>
</head><body>
${sections.join("\n")}
</body></html>
`;
}
