/**
 * Drill history for the docs site: reads the evidence reports runbooks write
 * to `drills/records/*.json` (shape: `Evidence` in runbooks/lib/report.mjs)
 * and reduces each to the figures a page shows. Records are machine-specific
 * and not in git, so the site reads them at build time through
 * `docs/.vitepress/drills.data.ts`; committed pages never contain them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { drillsDir } from "../../runbooks/lib/paths.mjs";
import type { Evidence } from "../../runbooks/lib/report.mjs";

/** One measured recovery within a run: a failover (RTO/RPO from the write probe) or a restore (its duration). */
export interface Recovery {
  /** What recovered, e.g. "failover", "restore", "database failover", "cache failover". */
  readonly what: string;
  /** Seconds from the fault to the first acknowledged write (for a restore: the restore's duration); null when not measured. */
  readonly rtoSeconds: number | null;
  /** Seconds of acknowledged writes lost; null when not measured (AWS runs have no data-plane probe). */
  readonly rpoSeconds: number | null;
  /** Acknowledged writes lost; null when not measured. */
  readonly lostWrites: number | null;
}

/** A target verdict the DR drill recorded. */
export interface Verdict {
  readonly what: string;
  readonly measured: number | boolean | null;
  readonly target: string;
  readonly met: boolean | null;
}

/** One run of a runbook, as the docs site shows it. */
export interface DrillRun {
  readonly runbook: string;
  readonly env: string;
  readonly runId: string;
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly seconds: number | null;
  readonly outcome: string;
  readonly operator: string;
  readonly commit: string;
  /** The report's file name under `drills/records/`. */
  readonly file: string;
  readonly recoveries: readonly Recovery[];
  readonly verdicts: readonly Verdict[];
}

/** Where evidence reports are: `drills/records/`, moved with `GROUNDWORK_DRILLS_DIR` as the runbooks do. */
export function recordsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(drillsDir(env), "records");
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `databaseFailover` -> `database failover`. */
function words(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

/**
 * The recoveries a report measured: the run's own write probe (`probe`), its
 * restore duration (`restoreSeconds`), and the child runs the DR drill records
 * (`databaseFailover`, `databaseRestore`, `cacheFailover`).
 */
export function recoveriesOf(measurements: Record<string, unknown>): Recovery[] {
  const out: Recovery[] = [];
  for (const [key, value] of Object.entries(measurements)) {
    if (key === "probe" && isObject(value) && "rtoSeconds" in value) {
      out.push({ what: "failover", rtoSeconds: num(value.rtoSeconds), rpoSeconds: num(value.rpoSeconds), lostWrites: num(value.lostWrites) });
    } else if (key === "restoreSeconds" && num(value) !== null) {
      out.push({ what: "restore", rtoSeconds: num(value), rpoSeconds: null, lostWrites: null });
    } else if (isObject(value) && !isObject(value.rtoSeconds) && ("rtoSeconds" in value || "restoreSeconds" in value)) {
      // A child run's figures; `targets` also has an `rtoSeconds`, but as an object of objectives, not a measurement.
      out.push({
        what: words(key),
        rtoSeconds: num(value.rtoSeconds) ?? num(value.restoreSeconds),
        rpoSeconds: num(value.rpoSeconds),
        lostWrites: num(value.lostWrites),
      });
    }
  }
  return out;
}

/** Reduce one evidence report to a DrillRun; null when it is not an evidence report. */
export function toDrillRun(evidence: unknown, file: string): DrillRun | null {
  if (!isObject(evidence)) return null;
  const e = evidence as Partial<Evidence>;
  if (typeof e.runbook !== "string" || typeof e.startedAt !== "string" || Number.isNaN(Date.parse(e.startedAt))) return null;
  const measurements = isObject(e.measurements) ? e.measurements : {};
  const verdicts = Array.isArray(measurements.verdicts) ? (measurements.verdicts as Verdict[]) : [];
  const ended = typeof e.endedAt === "string" ? Date.parse(e.endedAt) : Number.NaN;
  return {
    runbook: e.runbook,
    env: String(e.env ?? "unknown"),
    runId: String(e.runId ?? ""),
    startedAt: new Date(e.startedAt).toISOString(),
    seconds: Number.isNaN(ended) ? null : Math.round((ended - Date.parse(e.startedAt)) / 100) / 10,
    outcome: String(e.outcome ?? "unknown"),
    operator: String(e.operator ?? ""),
    commit: String(e.commit ?? ""),
    file: basename(file),
    recoveries: recoveriesOf(measurements),
    verdicts: verdicts.map((v) => ({ what: String(v.what), measured: v.measured ?? null, target: String(v.target), met: v.met ?? null })),
  };
}

/**
 * Every run recorded under `dir`, oldest first. Files that are not evidence
 * reports (or not valid JSON) are skipped with a warning: one bad file must
 * not break the site's build.
 */
export function readDrillRuns(dir: string = recordsDir(), warn: (message: string) => void = console.warn): DrillRun[] {
  if (!existsSync(dir)) return [];
  const runs: DrillRun[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    try {
      const run = toDrillRun(JSON.parse(readFileSync(join(dir, name), "utf8")), name);
      if (run) runs.push(run);
      else warn(`drills: ${name} is not an evidence report; skipped`);
    } catch (err) {
      warn(`drills: ${name}: ${err instanceof Error ? err.message : String(err)}; skipped`);
    }
  }
  return runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.file.localeCompare(b.file));
}
