#!/usr/bin/env node
// Measure the workspace's own speed: full-app synth (wall time and peak
// memory) and type-check time, against the targets for a 2-core machine.
// Usage: npm run bench [-- --runs N]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("usage: npm run bench [-- --runs N]   (N from 1 to 20, default 3; the median is reported)");
  process.exit(0);
}
const runsFlag = args.indexOf("--runs");
const runs = runsFlag === -1 ? 3 : Number(args[runsFlag + 1]);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
  console.error(`bench: --runs is "${args[runsFlag + 1]}"; expected a whole number from 1 to 20`);
  process.exit(2);
}

const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: join(process.cwd(), "terraform/offline.tfrc") };

/**
 * Run a command and return its wall time (s) and peak RSS (MiB) of the
 * largest process in its tree, through getrusage(RUSAGE_CHILDREN).
 */
function measure(cmd, cmdArgs, extraEnv = {}) {
  const probe = [
    "import json,resource,subprocess,sys,time",
    "t=time.monotonic()",
    "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE)",
    "w=time.monotonic()-t",
    "print(json.dumps({'code':r.returncode,'wall':w,'rss_kib':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,'err':r.stderr.decode()[-2000:]}))",
  ].join("\n");
  const out = spawnSync("python3", ["-c", probe, cmd, ...cmdArgs], { env: { ...env, ...extraEnv }, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`bench: could not run ${cmd}: ${out.stderr}`);
  const result = JSON.parse(out.stdout);
  if (result.code !== 0) throw new Error(`bench: ${cmd} ${cmdArgs.join(" ")} exited ${result.code}: ${result.err}`);
  return { wall: result.wall, rssMiB: result.rss_kib / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function bench(name, target, fn) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`bench: ${name} run ${i + 1}/${runs}\r`);
    samples.push(fn());
  }
  process.stderr.write("\n");
  return {
    name,
    seconds: median(samples.map((s) => s.wall)),
    peakMiB: Math.max(...samples.map((s) => s.rssMiB)),
    target,
  };
}

const out = mkdtempSync(join(tmpdir(), "gw-bench-"));
const rows = [
  bench("cdktf synth (all stacks)", { seconds: 10, peakMiB: 1024 }, () =>
    measure("npx", ["cdktf", "synth", "--output", out]),
  ),
  bench("type-check (tsc --noEmit)", { seconds: 15 }, () => measure("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"])),
];
rmSync(out, { recursive: true, force: true });

const fmt = (n, d = 2) => n.toFixed(d);
console.log("\n| benchmark | wall (s) | target (s) | peak memory (MiB) | target (MiB) | within target |");
console.log("|---|---:|---:|---:|---:|---|");
let missed = 0;
for (const r of rows) {
  const ok = r.seconds <= r.target.seconds && (r.target.peakMiB === undefined || r.peakMiB <= r.target.peakMiB);
  if (!ok) missed++;
  console.log(
    `| ${r.name} | ${fmt(r.seconds)} | ${r.target.seconds} | ${fmt(r.peakMiB, 0)} | ${r.target.peakMiB ?? "-"} | ${ok ? "yes" : "NO"} |`,
  );
}
console.log(`\n${runs} run(s) each, median wall time, node ${process.version}, ${new Date().toISOString()}`);
process.exitCode = missed ? 1 : 0;
