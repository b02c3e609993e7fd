/**
 * `npm run chaos`: chaos under load in the local sandbox. For each target
 * (PostgreSQL, then Redis) it starts the database-backed reference target
 * (db-target.ts), drives an open-model load at it, kills the target's primary
 * through the chaos runbook (`zx runbooks/chaos.mjs --env local --target <t>
 * --yes`, which also recovers and restores redundancy) while the load runs,
 * keeps the load running, and judges from the requests' outcomes when errors
 * stopped and when p95 came back under the SLO against the sandbox's RTO
 * (LOCAL_RECOVERY of runbooks/lib/targets/local.mjs). Evidence goes to
 * `drills/records/` (`GROUNDWORK_DRILLS_DIR`) as JSON, Markdown and HTML.
 *
 * The sandbox is started when it is not up, and then stopped at the end.
 * Exit codes: 0 every recovery met its RTO, 1 one missed it (or failed),
 * 2 bad input.
 */
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { services } from "../../config/services";
import { drillsDir, repoRoot, sandboxDir } from "../../runbooks/lib/paths.mjs";
import { writeReport, type Evidence } from "../../runbooks/lib/report.mjs";
import { down, status, up } from "../../runbooks/lib/sandbox.mjs";
import { LOCAL_RECOVERY } from "../../runbooks/lib/targets/local.mjs";
import { parseDuration } from "./cli";
import { BACKENDS, startDbTarget, type Backend } from "./db-target";
import { UsageError } from "./lib/errors";
import { runOpenModel, type OpenModelRun } from "./lib/open-model";
import { buildProfile } from "./lib/profile";
import { analyzeRecovery, type RecoveryAnalysis } from "./lib/recovery";
import type { TimelinePoint } from "./lib/recorder";
import { lineChart } from "./lib/report";

/** Options of a chaos-under-load run. */
export interface ChaosOptions {
  /** What to kill, in order. @default ["postgres", "redis"] */
  readonly targets?: readonly Backend[];
  /** Offered load in requests per second. @default 150 */
  readonly rateRps?: number;
  /** Load before the fault, in seconds. @default 3 */
  readonly beforeS?: number;
  /** Load after the runbook has finished (recovery and restored redundancy), in seconds. @default 3 */
  readonly afterS?: number;
  /** Latency windows of the recovery analysis, from the fault on. @default 1000 */
  readonly windowMs?: number;
  /** @default GROUNDWORK_SANDBOX_DIR or .sandbox/ */
  readonly sandboxDir?: string;
  /** Environment of the runbook processes (GROUNDWORK_DRILLS_DIR, ...). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

/** One experiment's result. */
export interface ChaosResult {
  readonly target: Backend;
  readonly recovery: RecoveryAnalysis | null;
  readonly runbookExitCode: number;
  readonly pass: boolean;
  readonly report: { readonly json: string; readonly md: string; readonly html: string };
  readonly error: string | null;
}

/** The catalog service whose SLO a backend's load is held to: the first that uses it. */
export function sloFor(backend: Backend): { service: string; latencyP95Ms: number } {
  const s = services.find((x) => x.uses.includes(backend));
  if (!s) throw new Error(`no catalog service uses ${backend}`);
  return { service: s.name, latencyP95Ms: s.slo.latencyP95Ms };
}

/** The sandbox's RTO for a backend (the runbooks' local targets). */
export function rtoFor(backend: Backend): number {
  return backend === "postgres" ? LOCAL_RECOVERY.rtoSeconds.database : LOCAL_RECOVERY.rtoSeconds.cache;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const epochNow = () => performance.timeOrigin + performance.now();

/** Run chaos under load for every target; the sandbox is started if needed and then stopped. */
export async function runChaos(o: ChaosOptions = {}): Promise<{ results: ChaosResult[]; pass: boolean; sandboxStarted: boolean }> {
  const env = o.env ?? process.env;
  const log = o.log ?? ((l: string) => console.log(l));
  const dir = o.sandboxDir ?? sandboxDir(env);
  const targets = o.targets ?? BACKENDS;
  const rows = await status({ dir });
  const sandboxStarted = !rows || !rows.every((r) => r.healthy);
  if (sandboxStarted) {
    log(`sandbox: starting in ${dir}`);
    await up({ dir, log: (l) => log(`  ${l}`) });
  } else log(`sandbox: already up in ${dir}; it stays up`);
  const results: ChaosResult[] = [];
  try {
    for (const target of targets) results.push(await experiment(target, { ...o, sandboxDir: dir, env: { ...env, GROUNDWORK_SANDBOX_DIR: dir } }, log));
  } finally {
    if (sandboxStarted) await down({ dir, log: (l) => log(l) });
  }
  return { results, pass: results.every((r) => r.pass), sandboxStarted };
}

interface StepRecord {
  index: number;
  title: string;
  destructive: boolean;
  outcome: string;
  startedAt: string | null;
  seconds: number | null;
  error?: string;
}

async function experiment(target: Backend, o: ChaosOptions & { sandboxDir: string; env: NodeJS.ProcessEnv }, log: (l: string) => void): Promise<ChaosResult> {
  const rate = o.rateRps ?? 150;
  const beforeS = o.beforeS ?? 3;
  const afterS = o.afterS ?? 3;
  const windowMs = o.windowMs ?? 1000;
  const slo = sloFor(target);
  const rto = rtoFor(target);
  const startedAt = new Date().toISOString();
  const steps: StepRecord[] = [];
  const step = async <T>(title: string, fn: () => Promise<T>, destructive = false): Promise<T> => {
    const rec: StepRecord = { index: steps.length, title, destructive, outcome: "running", startedAt: new Date().toISOString(), seconds: null };
    steps.push(rec);
    log(`[${target}] ${title} ...`);
    const t0 = performance.now();
    try {
      const out = await fn();
      rec.outcome = "succeeded";
      return out;
    } catch (err) {
      rec.outcome = "failed";
      rec.error = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      rec.seconds = Math.round(performance.now() - t0) / 1000;
    }
  };

  let recovery: RecoveryAnalysis | null = null;
  let runbookExitCode = -1;
  let runbookEvidence: string | null = null;
  let error: string | null = null;
  let timeline: TimelinePoint[] = [];
  let servedBy: Record<string, number> = {};
  let loadSummary: Record<string, unknown> = {};
  let faultAtS: number | null = null;

  const db = await step(`start the ${target}-backed target`, () => startDbTarget({ backend: target, sandboxDir: o.sandboxDir }));
  const abort = new AbortController();
  try {
    log(`[${target}] open-model load at ${rate} req/s against ${db.url}; the fault after ${beforeS} s; SLO p95 <= ${slo.latencyP95Ms} ms (${slo.service}), RTO ${rto} s`);
    const loadStart = epochNow();
    // Long enough for any recovery; the load is stopped `afterS` after the runbook ends.
    const running = runOpenModel({
      baseUrl: db.url,
      profile: buildProfile("steady", rate, beforeS + afterS + 120),
      endpoints: [{ name: `${target} write+read`, method: "POST", path: "/write", weight: 1 }],
      timeoutMs: 2000,
      signal: abort.signal,
    });
    let run: OpenModelRun | undefined;
    let runbook: { exitCode: number; evidence: string | null } | undefined;
    try {
      await step("load before the fault", () => sleep(beforeS * 1000));
      runbook = await step(`kill the ${target} primary: runbook chaos --env local --target ${target}`, () => runRunbook(target, o.env, (l) => log(`[${target}]   | ${l}`)), true);
      runbookExitCode = runbook.exitCode;
      runbookEvidence = runbook.evidence;
      await step("load after the recovery", () => sleep(afterS * 1000));
    } finally {
      abort.abort();
      run = await running;
      const m = run.recorder.summarize(run.durationS);
      timeline = m.timeline;
      loadSummary = {
        offeredRps: rate,
        durationS: Math.round(run.durationS * 1000) / 1000,
        sent: m.requests.sent,
        ok: m.requests.ok,
        errors: m.requests.errors,
        latencyMs: { p50: m.latency.p50, p95: m.latency.p95, p99: m.latency.p99, max: m.latency.max },
        dispatchLagP99Ms: run.dispatchLagMs.p99,
      };
      servedBy = { ...db.stats.servedBy };
    }
    const outcomes = run.recorder.outcomes();
    if (!runbookEvidence) throw new Error(`runbook chaos --target ${target} exited ${runbookExitCode} without evidence`);
    await step("judge recovery against the RTO", async () => {
      const evidence = JSON.parse(readFileSync(runbookEvidence!, "utf8")) as Evidence;
      const faultAt = (evidence.measurements.probe as { faultAt?: string | null } | undefined)?.faultAt;
      if (!faultAt) throw new Error(`the runbook's evidence ${runbookEvidence} has no measurements.probe.faultAt`);
      const faultAtMs = Date.parse(faultAt) - loadStart;
      faultAtS = Math.round(faultAtMs) / 1000;
      recovery = analyzeRecovery({ outcomes, faultAtMs, sloP95Ms: slo.latencyP95Ms, rtoSeconds: rto, windowMs });
      const r = recovery;
      log(
        `[${target}] ${r.errorsAfterFault} request(s) failed after the fault (${Object.entries(r.errorsByKind).map(([k, n]) => `${n} ${k}`).join(", ") || "none"}); ` +
          `errors stopped after ${r.errorsStoppedAfterS ?? "never"} s, p95 back under ${slo.latencyP95Ms} ms after ${r.latencyBackAfterS ?? "never"} s: ` +
          `recovered after ${r.recoveredAfterS ?? "never"} s, RTO ${rto} s ${r.met ? "met" : "MISSED"}`,
      );
    });
    if (runbookExitCode !== 0) throw new Error(`runbook chaos --target ${target} exited ${runbookExitCode}`);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
    log(`[${target}] failed: ${error}`);
  } finally {
    abort.abort();
    await db.close();
  }

  const rec = recovery as RecoveryAnalysis | null;
  const verdicts = [
    { what: `${target} runbook chaos succeeded (fault, recovery, redundancy restored)`, measured: runbookExitCode === 0 ? "succeeded" : `exit ${runbookExitCode}`, target: "succeeded", met: runbookExitCode === 0 },
    { what: `${target} errors under load stop within the RTO (s)`, measured: rec?.errorsStoppedAfterS ?? null, target: `<= ${rto}`, met: rec ? rec.errorsStoppedAfterS !== null && rec.errorsStoppedAfterS <= rto : null },
    {
      what: `${target} p95 back under the SLO (${slo.latencyP95Ms} ms, ${slo.service}) within the RTO (s)`,
      measured: rec?.latencyBackAfterS ?? null,
      target: `<= ${rto}`,
      met: rec ? rec.latencyBackAfterS !== null && rec.latencyBackAfterS <= rto : null,
    },
  ];
  const pass = error === null && verdicts.every((v) => v.met === true);
  const evidence = {
    runbook: "chaos-load",
    title: `Chaos under load: kill the ${target} primary while ${rate} req/s write and read it`,
    env: "local",
    runId: `${startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-chaos-load-local-${target}`,
    params: { target, rateRps: rate, beforeS, afterS, windowMs },
    commit: gitCommit(),
    operator: o.env.GROUNDWORK_OPERATOR || process.env.USER || "unknown",
    startedAt,
    endedAt: new Date().toISOString(),
    outcome: pass ? "succeeded" : "failed",
    error: error ?? (pass ? null : `recovery under load missed the ${rto} s RTO`),
    steps,
    measurements: {
      target,
      slo: { service: slo.service, latencyP95Ms: slo.latencyP95Ms },
      rtoSeconds: rto,
      runbookEvidence,
      load: loadSummary,
      servedBy,
      // `rtoSeconds` here is what the docs site lists as this run's recovery ("under load").
      underLoad: rec
        ? {
            rtoSeconds: rec.recoveredAfterS,
            faultAtS: rec.faultAtS,
            errorsAfterFault: rec.errorsAfterFault,
            errorsBeforeFault: rec.errorsBeforeFault,
            errorsByKind: rec.errorsByKind,
            lastErrorS: rec.lastErrorS,
            errorsStoppedAfterS: rec.errorsStoppedAfterS,
            latencyBackAfterS: rec.latencyBackAfterS,
            windowMs: rec.windowMs,
          }
        : null,
      verdicts,
    },
    timeline,
    recoveryWindows: rec?.windows ?? [],
  };
  const files = writeReport(path.join(drillsDir(o.env), "records"), evidence as Evidence);
  appendFileSync(files.md, timelineMarkdown(timeline, faultAtS, slo.latencyP95Ms));
  const html = files.md.replace(/\.md$/, ".html");
  writeFileSync(html, renderChaosHtml(evidence.title, pass, timeline, faultAtS, slo.latencyP95Ms, verdicts));
  log(`[${target}] ${pass ? "PASS" : "FAIL"}; evidence: ${path.relative(process.cwd(), files.md)} (${path.basename(files.json)}, ${path.basename(html)})`);
  return { target, recovery: rec, runbookExitCode, pass, report: { ...files, html }, error };
}

/** Run the chaos runbook as the operator would, echoing its output; resolves to its exit code and evidence file. */
function runRunbook(target: Backend, env: NodeJS.ProcessEnv, echo: (line: string) => void): Promise<{ exitCode: number; evidence: string | null }> {
  const zx = path.join(path.dirname(createRequire(import.meta.url).resolve("zx/package.json")), "build", "cli.js");
  const child = spawn(process.execPath, [zx, path.join(repoRoot, "runbooks", "chaos.mjs"), "--env", "local", "--target", target, "--yes"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let partial = "";
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) echo(l);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (partial) echo(partial);
      const m = /^evidence: (.+)\.md$/m.exec(out);
      const evidence = m ? path.resolve(repoRoot, `${m[1]}.json`) : null;
      resolve({ exitCode: code ?? 1, evidence: evidence && existsSync(evidence) ? evidence : null });
    });
  });
}

function timelineMarkdown(timeline: readonly TimelinePoint[], faultAtS: number | null, sloMs: number): string {
  const fault = faultAtS === null ? -1 : Math.floor(faultAtS);
  const lines = ["", "## Load timeline (per second)", "", `Latency from the intended send time; SLO p95 <= ${sloMs} ms.`, "", "| second | offered | ok | errors | p95 ms | |", "|---:|---:|---:|---:|---:|---|"];
  for (const p of timeline) {
    lines.push(`| ${p.second} | ${p.offered} | ${p.ok} | ${p.errors} | ${p.p95Ms === null ? "-" : p.p95Ms.toFixed(1)} | ${p.second === fault ? `fault at ${faultAtS} s` : ""} |`);
  }
  return `${lines.join("\n")}\n`;
}

function renderChaosHtml(
  title: string,
  pass: boolean,
  timeline: readonly TimelinePoint[],
  faultAtS: number | null,
  sloMs: number,
  verdicts: readonly { what: string; measured: unknown; target: string; met: boolean | null }[],
): string {
  const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = verdicts.map((v) => `<tr><td>${esc(v.what)}</td><td>${esc(v.measured ?? "not measured")}</td><td>${esc(v.target)}</td><td>${v.met ? "met" : "MISSED"}</td></tr>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:4px 8px}.pass{color:#070}.fail{color:#c00}svg{display:block;margin:1em 0;font-family:system-ui,sans-serif}</style>
</head><body>
<h1>${esc(title)}: <span class="${pass ? "pass" : "fail"}">${pass ? "PASS" : "FAIL"}</span></h1>
<p>Fault at ${esc(faultAtS ?? "n/a")} s after the load started.</p>
<table><thead><tr><th>objective</th><th>measured</th><th>target</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>
${lineChart("Latency p95 per second (from intended send time)", "ms", [{ name: "p95", color: "#e80", values: timeline.map((p) => p.p95Ms) }], [{ value: sloMs, label: `p95 SLO ${sloMs} ms` }])}
${lineChart("Requests per second", "req/s", [
  { name: "offered", color: "#999", values: timeline.map((p) => p.offered) },
  { name: "ok", color: "#27c", values: timeline.map((p) => p.ok) },
  { name: "errors", color: "#c00", values: timeline.map((p) => p.errors) },
])}
</body></html>
`;
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

const USAGE = `usage: npm run chaos -- [--target postgres|redis|all] [--rate <req/s, default 150>] [--before <3s>] [--after <3s>] [--window-ms <1000>]`;

/** Run the command with `argv`; resolves to the exit code. */
export async function main(argv: readonly string[], log: (l: string) => void = (l) => console.log(l)): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: [...argv],
      options: { target: { type: "string" }, rate: { type: "string" }, before: { type: "string" }, after: { type: "string" }, "window-ms": { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split(/\n|\. /)[0].replace(/\.$/, "")}; run with --help for the flags`);
  }
  if (v.help) {
    log(USAGE);
    return 0;
  }
  const allowed = [...BACKENDS, "all"];
  if (v.target !== undefined && !allowed.includes(v.target)) throw new UsageError(`--target ${v.target} is not allowed; expected one of ${allowed.join(", ")}`);
  const positive = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (value.trim() === "" || !(n > 0)) throw new UsageError(`--${flag} ${value} is not allowed; expected a number > 0`);
    return n;
  };
  const seconds = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    try {
      return parseDuration(value);
    } catch {
      throw new UsageError(`--${flag} ${value} is not allowed; expected a positive duration such as 3s or 500ms`);
    }
  };
  const { results, pass } = await runChaos({
    targets: v.target === undefined || v.target === "all" ? BACKENDS : [v.target as Backend],
    rateRps: positive("rate", v.rate),
    beforeS: seconds("before", v.before),
    afterS: seconds("after", v.after),
    windowMs: positive("window-ms", v["window-ms"]),
    log,
  });
  for (const r of results) {
    const rec = r.recovery;
    log(`${r.pass ? "met   " : "MISSED"} ${r.target}: ${rec ? `recovered under load after ${rec.recoveredAfterS ?? "never"} s (RTO ${rec.rtoSeconds} s)` : r.error}`);
  }
  log(pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`chaos: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = err instanceof UsageError ? 2 : 1;
    },
  );
}
