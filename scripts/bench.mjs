#!/usr/bin/env node
// The workspace's own benchmarks: full-app synth (wall time and peak memory),
// type-check, policy gate, local DR drill (RTO/RPO and wall time, next to
// AWS's documented failover times), the AWS runbooks' own overhead
// (scripts/bench-runbooks.mjs) and docs build, against the targets for a
// 2-core machine. Each run is appended to
// bench/history.jsonl (git-ignored; GROUNDWORK_BENCH_HISTORY names another
// file) with the commit and compared with the previous entry: a benchmark more
// than 10 % worse is flagged REGRESSION. History, comparison and table live in
// scripts/bench-history.mjs.
// Usage: npm run bench [-- --runs N] [-- --skip drill,docs]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendHistory, compareWithPrevious, formatTable, historyPath, readHistory, regressionLines } from "./bench-history.mjs";

const BENCHES = ["synth", "typecheck", "policy", "drill", "runbooks", "docs"];
const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log(`usage: npm run bench [-- --runs N] [-- --skip ${BENCHES.join(",")}]
  --runs N   runs of each timed command, 1-20 (default 3; the median is reported)
  --skip L   comma-separated benchmarks to leave out`);
  process.exit(0);
}
function flag(name) {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}
const runs = Number(flag("--runs") ?? 3);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
  console.error(`bench: --runs is "${flag("--runs")}"; expected a whole number from 1 to 20`);
  process.exit(2);
}
const skip = new Set((flag("--skip") ?? "").split(",").filter(Boolean));
for (const s of skip) {
  if (!BENCHES.includes(s)) {
    console.error(`bench: --skip names "${s}"; expected some of ${BENCHES.join(", ")}`);
    process.exit(2);
  }
}

const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: join(process.cwd(), "terraform/offline.tfrc") };

/**
 * Run a command and return its wall time (s) and the peak RSS (MiB) of the
 * largest process in its tree, through getrusage(RUSAGE_CHILDREN).
 */
function measure(cmd, cmdArgs) {
  const probe = [
    "import json,resource,subprocess,sys,time",
    "t=time.monotonic()",
    "r=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.STDOUT)",
    "w=time.monotonic()-t",
    "print(json.dumps({'code':r.returncode,'wall':w,'rss_kib':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,'err':r.stdout.decode()[-2000:]}))",
  ].join("\n");
  const out = spawnSync("python3", ["-c", probe, cmd, ...cmdArgs], { env, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`bench: could not run ${cmd}: ${out.stderr}`);
  const result = JSON.parse(out.stdout);
  if (result.code !== 0) throw new Error(`bench: ${cmd} ${cmdArgs.join(" ")} exited ${result.code}: ${result.err}`);
  return { wall: result.wall, rssMiB: result.rss_kib / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A timed benchmark: median wall time and worst peak memory over `n` runs. */
function timed(key, name, target, fn, n = runs) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    process.stderr.write(`bench: ${name} run ${i + 1}/${n}\n`);
    samples.push(fn());
  }
  const seconds = median(samples.map((s) => s.wall));
  const peakMiB = Math.max(...samples.map((s) => s.rssMiB));
  const ok = seconds <= target.seconds && (target.peakMiB === undefined || peakMiB <= target.peakMiB);
  return [
    { key: `${key}.seconds`, name: `${name}: wall time (s)`, value: seconds, target: `<= ${target.seconds}`, ok: seconds <= target.seconds },
    ...(target.peakMiB ? [{ key: `${key}.peakMiB`, name: `${name}: peak memory (MiB)`, value: peakMiB, target: `<= ${target.peakMiB}`, ok }] : []),
  ];
}

const rows = [];
const out = mkdtempSync(join(tmpdir(), "gw-bench-"));
try {
  if (!skip.has("synth")) rows.push(...timed("synth", "cdktf synth, all stacks", { seconds: 10, peakMiB: 1024 }, () => measure("npx", ["cdktf", "synth", "--output", out])));
  if (!skip.has("typecheck")) rows.push(...timed("typecheck", "type-check", { seconds: 15 }, () => measure("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"])));
  if (!skip.has("policy")) {
    if (!existsSync(join(out, "stacks"))) measure("npx", ["cdktf", "synth", "--output", out]);
    rows.push(...timed("policy", "policy gate, all stacks", { seconds: 5 }, () => measure("npx", ["tsx", "policies/cli.ts", out])));
  }
  if (!skip.has("drill")) {
    const drills = mkdtempSync(join(tmpdir(), "gw-bench-drills-"));
    env.GROUNDWORK_DRILLS_DIR = drills;
    rows.push(...timed("drill", "local DR drill", { seconds: 60 }, () => measure("node", ["scripts/drill.mjs"]), 1));
    const records = join(drills, "records");
    const report = readdirSync(records).filter((f) => /-dr-drill-local\.json$/.test(f)).sort().pop();
    const m = JSON.parse(readFileSync(join(records, report), "utf8")).measurements;
    rows.push(
      { key: "drill.dbRto", name: "DB failover RTO (s)", value: m.databaseFailover.rtoSeconds, target: "<= 2", ok: m.databaseFailover.rtoSeconds <= 2 },
      { key: "drill.dbRpo", name: "DB failover RPO (s), synchronous", value: m.databaseFailover.rpoSeconds, target: "0", ok: m.databaseFailover.rpoSeconds === 0 },
      { key: "drill.redisRto", name: "Redis failover RTO (s)", value: m.cacheFailover.rtoSeconds, target: "<= 3", ok: m.cacheFailover.rtoSeconds <= 3 },
      { key: "drill.restore", name: "PITR restore (s)", value: m.databaseRestore.restoreSeconds, target: "-", ok: m.databaseRestore.restoreMatches === true },
    );
    rmSync(drills, { recursive: true, force: true });
    // For comparison, not measured here: what AWS documents for the same failovers.
    rows.push(
      { key: "aws.rdsMultiAzInstanceFailover", name: "AWS: RDS Multi-AZ instance failover (documented, s)", value: "60-120", target: "-", ok: true },
      { key: "aws.rdsMultiAzClusterFailover", name: "AWS: RDS Multi-AZ DB cluster failover (documented, s)", value: "< 35", target: "-", ok: true },
    );
  }
  if (!skip.has("runbooks")) {
    // Everything an AWS runbook costs except waiting for AWS (mocked SDK, fake clock): process start + worst run.
    const json = join(out, "runbooks.json");
    measure("node", ["scripts/bench-runbooks.mjs", "--runs", String(Math.max(runs, 2)), "--json", json]);
    for (const r of JSON.parse(readFileSync(json, "utf8")).rows) {
      rows.push({ key: `runbooks.${r.runbook}.seconds`, name: `${r.runbook} on AWS, own overhead (s)`, value: r.totalSeconds, target: `< ${r.budgetSeconds}`, ok: r.withinBudget });
    }
  }
  if (!skip.has("docs") && existsSync("docs/.vitepress/config.ts")) {
    rows.push(...timed("docs", "docs build", { seconds: 120 }, () => measure("npm", ["run", "docs:build"]), 1));
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

// History: compare with the previous entry, then append this one.
const historyFile = historyPath();
const previous = readHistory(historyFile).pop();
let commit = "unknown";
try {
  commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
} catch {
  // not a git checkout
}
appendHistory(historyFile, { at: new Date().toISOString(), commit, node: process.version, runs, results: Object.fromEntries(rows.map((r) => [r.key, r.value])) });

const compared = compareWithPrevious(rows, previous);
console.log(`\n${formatTable(compared, previous)}`);
for (const line of regressionLines(compared, previous)) console.log(line);
console.log(`\ncommit ${commit}, ${runs} run(s) per timed command (median), node ${process.version}; history: ${historyFile}`);
// Targets decide the exit code; a regression against one previous sample is flagged, not failed (see bench-history.mjs).
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
