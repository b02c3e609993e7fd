/**
 * `npm run load -- --env <env> --scenario <name> [flags]`: run a load
 * scenario, or `npm run load -- --capacity --env <env> --per-pod-rps <n>`:
 * print the capacity plan. Exit codes: 0 pass, 1 a threshold, regression or
 * capacity limit failed, 2 bad input. See tests/performance/README.md.
 */
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { environments } from "../../config";
import { services } from "../../config/services";
import { capacityMarkdown, planCapacity, type Quota } from "./lib/capacity";
import { UsageError } from "./lib/errors";
import { PGBENCH_SCRIPTS } from "./lib/pgbench";
import { SHAPES, type ShapeName } from "./lib/profile";
import { describeChange } from "./lib/regression";
import { ENVS, MULTIPLES, runScenario, type Env, type Multiple, type RunOptions } from "./lib/run";
import { scenarios } from "./scenarios";

const here = path.dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: npm run load -- --env local|dev|staging|prod --scenario <${scenarios.map((s) => s.name).join("|")}> [flags]
       npm run load -- --capacity --env dev|staging|prod|all --per-pod-rps <n | service=n,...> [--quota cpu=<cores>,memory=<n>Gi,pods=<n> (what-if for every service namespace; default: the quotas the stacks create)]
load:      --shape ${SHAPES.join("|")}  --load 1x|2x|5x  --rate <req/s>  --duration <30s|5m|1h>  --model open|closed  --connections <n>
           --base-url <url> (dev/staging/prod)  --timeout-ms <ms>  --spike-factor <x>  --max-stages <n>  --yes (prod, with GROUNDWORK_ALLOW_PROD=1)
local:     --inject-latency-ms <ms>  --inject-jitter-ms <ms>  --inject-error-rate <0..1>  --target-concurrency <n>  --consumer-delay-ms <ms> (event-e2e)
usage:     --utilisation-budget <percent of requests, default 70>  --prometheus-url <url> (dev/staging/prod: CPU/memory from Prometheus)
baselines: --save-baseline  --no-compare  --tolerance <percent, default 10>  --alpha <p, default 0.05>  --sample-window-ms <ms>  --baseline-dir <dir>
datastore: --pg-host --pg-port --pg-user --pg-database --pg-script ${PGBENCH_SCRIPTS.join("|")} --pg-init --pg-scale --clients <n>
           --redis-host --redis-port --requests <n> --repeat <n>
output:    --out <dir, default tests/performance/results>`;

const options = {
  env: { type: "string" },
  scenario: { type: "string" },
  shape: { type: "string" },
  load: { type: "string" },
  rate: { type: "string" },
  duration: { type: "string" },
  model: { type: "string" },
  connections: { type: "string" },
  "base-url": { type: "string" },
  "timeout-ms": { type: "string" },
  "spike-factor": { type: "string" },
  "max-stages": { type: "string" },
  yes: { type: "boolean" },
  "inject-latency-ms": { type: "string" },
  "inject-jitter-ms": { type: "string" },
  "inject-error-rate": { type: "string" },
  "target-concurrency": { type: "string" },
  "consumer-delay-ms": { type: "string" },
  "utilisation-budget": { type: "string" },
  "prometheus-url": { type: "string" },
  "save-baseline": { type: "boolean" },
  "no-compare": { type: "boolean" },
  tolerance: { type: "string" },
  alpha: { type: "string" },
  "sample-window-ms": { type: "string" },
  "baseline-dir": { type: "string" },
  out: { type: "string" },
  "pg-host": { type: "string" },
  "pg-port": { type: "string" },
  "pg-user": { type: "string" },
  "pg-database": { type: "string" },
  "pg-script": { type: "string" },
  "pg-init": { type: "boolean" },
  "pg-scale": { type: "string" },
  clients: { type: "string" },
  "redis-host": { type: "string" },
  "redis-port": { type: "string" },
  requests: { type: "string" },
  repeat: { type: "string" },
  capacity: { type: "boolean" },
  "per-pod-rps": { type: "string" },
  "per-pod-from": { type: "string" },
  quota: { type: "string" },
  "hpa-target": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; strict: true }>>["values"];

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} ${value} is not allowed; expected one of ${allowed.join(", ")}`);
  return value as T;
}

function number(flag: string, value: string | undefined, check: (n: number) => boolean, allowed: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${flag} ${value} is not allowed; expected ${allowed}`);
  return n;
}
const positive = (flag: string, v: string | undefined) => number(flag, v, (n) => n > 0, "a number > 0");
const count = (flag: string, v: string | undefined) => number(flag, v, (n) => Number.isInteger(n) && n >= 1, "an integer >= 1");

/** Parse "30s", "5m", "1h", "500ms" or a plain number of seconds into seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const seconds = m ? Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"] : Number.NaN;
  if (!(seconds > 0)) throw new UsageError(`--duration ${value} is not allowed; expected a positive duration such as 30s, 5m, 1h or 500ms`);
  return seconds;
}

/** Parse `--per-pod-rps`: one number for every service, or `service=n,...` naming every catalog service. */
export function parsePerPodRps(value: string | undefined, from: Record<string, number> = {}): Record<string, number> {
  const names = services.map((s) => s.name);
  const out: Record<string, number> = { ...from };
  if (value !== undefined) {
    if (/^\d+(\.\d+)?$/.test(value.trim())) for (const n of names) out[n] ??= Number(value);
    else {
      for (const part of value.split(",")) {
        const [name, rps] = part.split("=");
        if (!names.includes(name)) throw new UsageError(`--per-pod-rps names unknown service "${name}"; expected one of ${names.join(", ")}`);
        if (!(Number(rps) > 0)) throw new UsageError(`--per-pod-rps ${part} is not allowed; expected ${name}=<req/s > 0>`);
        out[name] = Number(rps);
      }
    }
  }
  const missing = names.filter((n) => !(out[n] > 0));
  if (missing.length) throw new UsageError(`--per-pod-rps has no value for ${missing.join(", ")}; give one number for all or service=n for each`);
  return out;
}

/** Parse `--quota cpu=40,memory=80Gi,pods=200` (cpu in cores or "<n>m"; memory in Mi or Gi). */
export function parseQuota(value: string): Quota {
  const q: { cpuMillicores?: number; memoryMiB?: number; pods?: number } = {};
  for (const part of value.split(",")) {
    const [key, raw = ""] = part.split("=");
    const bad = () => new UsageError(`--quota ${part} is not allowed; expected cpu=<cores|<n>m>, memory=<n>Mi|<n>Gi or pods=<n>`);
    if (key === "cpu") {
      const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(raw);
      if (!m) throw bad();
      q.cpuMillicores = m[2] ? Number(m[1]) : Number(m[1]) * 1000;
    } else if (key === "memory") {
      const m = /^(\d+(?:\.\d+)?)(Mi|Gi)$/.exec(raw);
      if (!m) throw bad();
      q.memoryMiB = Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
    } else if (key === "pods") {
      if (!/^\d+$/.test(raw)) throw bad();
      q.pods = Number(raw);
    } else throw bad();
  }
  return q;
}

/** Per-pod capacity from a stress run's JSON report: its knee for its scenario. */
function perPodFrom(file: string): Record<string, number> {
  let report: { scenario?: unknown; kneeRps?: unknown };
  try {
    report = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--per-pod-from ${file} cannot be read as JSON: ${(err as Error).message}`);
  }
  if (typeof report.scenario !== "string" || typeof report.kneeRps !== "number" || !(report.kneeRps > 0)) {
    throw new UsageError(`--per-pod-from ${file} is not a stress report with a knee (run --shape stress against one instance)`);
  }
  return { [report.scenario]: report.kneeRps };
}

function capacity(v: Values, log: (l: string) => void): number {
  const envName = v.env ?? "prod";
  const chosen = envName === "all" ? environments : environments.filter((e) => e.name === envName);
  if (chosen.length === 0) throw new UsageError(`--env ${envName} is not allowed with --capacity; expected one of ${[...environments.map((e) => e.name), "all"].join(", ")}`);
  const perPodRps = parsePerPodRps(v["per-pod-rps"], v["per-pod-from"] ? perPodFrom(v["per-pod-from"]) : {});
  const target = number("hpa-target", v["hpa-target"], (n) => n > 0 && n <= 100, "a percentage in (0, 100]") ?? 70;
  const quota = v.quota ? parseQuota(v.quota) : undefined;
  const outDir = v.out ?? path.join(here, "results");
  let pass = true;
  for (const env of chosen) {
    const plan = planCapacity({ env, services, perPodRps, targetUtilization: target / 100, quota });
    const md = capacityMarkdown(plan);
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `capacity-${env.name}.md`);
    writeFileSync(file, md);
    log(md);
    for (const f of plan.failures) log(`too low: ${f}`);
    log(`capacity report: ${file}`);
    pass &&= plan.pass;
  }
  return pass ? 0 : 1;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], log: (l: string) => void = (l) => console.log(l)): Promise<number> {
  let v: Values;
  try {
    v = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // node's messages can run to several sentences; keep the first, which names the flag.
    const first = (err as Error).message.split(/\n|\. /)[0].replace(/\.$/, "");
    throw new UsageError(`${first}; run with --help for the flags`);
  }
  if (v.help) {
    log(USAGE);
    return 0;
  }
  if (v.capacity) return capacity(v, log);

  const env = oneOf<Env>("env", v.env ?? "local", ENVS)!;
  if (!v.scenario) throw new UsageError(`--scenario is required; expected one of ${scenarios.map((s) => s.name).join(", ")}`);
  const scenario = scenarios.find((s) => s.name === v.scenario);
  if (!scenario) throw new UsageError(`--scenario ${v.scenario} is not allowed; expected one of ${scenarios.map((s) => s.name).join(", ")}`);
  if (env === "prod" && !(v.yes && process.env.GROUNDWORK_ALLOW_PROD === "1")) {
    throw new UsageError("--env prod sends real load to production; it needs --yes and GROUNDWORK_ALLOW_PROD=1");
  }
  const injected = ["inject-latency-ms", "inject-jitter-ms", "inject-error-rate", "target-concurrency", "consumer-delay-ms"].filter((f) => v[f as keyof Values] !== undefined);
  if (env !== "local" && injected.length) throw new UsageError(`--${injected[0]} is only allowed with --env local (it configures the local reference target)`);
  if (v["consumer-delay-ms"] !== undefined && scenario.kind !== "event-e2e") throw new UsageError(`--consumer-delay-ms is only allowed with --scenario event-e2e; got --scenario ${scenario.name}`);
  if (v["base-url"] !== undefined && !/^https?:\/\/[^\s/]+/.test(v["base-url"])) {
    throw new UsageError(`--base-url ${v["base-url"]} is not allowed; expected an http:// or https:// URL`);
  }
  if (v["prometheus-url"] !== undefined && !/^https?:\/\/[^\s/]+/.test(v["prometheus-url"])) {
    throw new UsageError(`--prometheus-url ${v["prometheus-url"]} is not allowed; expected an http:// or https:// URL`);
  }
  const tolerancePct = number("tolerance", v.tolerance, (n) => n > 0 && n < 100, "a percentage between 0 and 100");
  const budgetPct = number("utilisation-budget", v["utilisation-budget"], (n) => n > 0 && n <= 100, "a percentage in (0, 100]");
  const run: RunOptions = {
    env,
    scenario,
    shape: oneOf<ShapeName>("shape", v.shape, SHAPES),
    multiple: oneOf<Multiple>("load", v.load, Object.keys(MULTIPLES) as Multiple[]),
    rateRps: positive("rate", v.rate),
    durationS: v.duration === undefined ? undefined : parseDuration(v.duration),
    model: oneOf("model", v.model, ["open", "closed"] as const),
    connections: count("connections", v.connections),
    baseUrl: v["base-url"],
    timeoutMs: positive("timeout-ms", v["timeout-ms"]),
    spikeFactor: number("spike-factor", v["spike-factor"], (n) => n > 1, "a number > 1"),
    maxStages: count("max-stages", v["max-stages"]),
    target: {
      latencyMs: number("inject-latency-ms", v["inject-latency-ms"], (n) => n >= 0, "a number of ms >= 0"),
      jitterMs: number("inject-jitter-ms", v["inject-jitter-ms"], (n) => n >= 0, "a number of ms >= 0"),
      errorRate: number("inject-error-rate", v["inject-error-rate"], (n) => n >= 0 && n <= 1, "a share between 0 and 1"),
      concurrency: number("target-concurrency", v["target-concurrency"], (n) => Number.isInteger(n) && n >= 0, "an integer >= 0 (0: unlimited)"),
    },
    outDir: v.out ?? path.join(here, "results"),
    baselineDir: v["baseline-dir"] ?? path.join(here, "baselines"),
    saveBaseline: v["save-baseline"],
    compare: !v["no-compare"],
    tolerance: tolerancePct === undefined ? undefined : tolerancePct / 100,
    alpha: number("alpha", v.alpha, (n) => n > 0 && n < 1, "a probability between 0 and 1"),
    windowMs: positive("sample-window-ms", v["sample-window-ms"]),
    consumerDelayMs: number("consumer-delay-ms", v["consumer-delay-ms"], (n) => n >= 0, "a number of ms >= 0"),
    utilisationBudget: budgetPct === undefined ? undefined : budgetPct / 100,
    prometheusUrl: v["prometheus-url"],
    pg: {
      host: v["pg-host"],
      port: count("pg-port", v["pg-port"]),
      user: v["pg-user"],
      database: v["pg-database"],
      script: oneOf("pg-script", v["pg-script"], PGBENCH_SCRIPTS),
      init: v["pg-init"],
      scale: count("pg-scale", v["pg-scale"]),
      clients: count("clients", v.clients),
    },
    redis: {
      host: v["redis-host"],
      port: count("redis-port", v["redis-port"]),
      clients: count("clients", v.clients),
      requests: count("requests", v.requests),
      repeat: count("repeat", v.repeat),
    },
    log,
  };
  // Drop undefined overrides so that defaults apply.
  const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T;
  const outcome = await runScenario({ ...run, target: defined(run.target!), pg: defined(run.pg!), redis: defined(run.redis!) });
  const r = outcome.report;
  for (const t of r.thresholds) log(`${t.pass ? "pass" : "FAIL"}  ${t.metric}: ${`${t.actual} ${t.unit}`.trim()} (limit ${`${t.op} ${t.limit} ${t.unit}`.trim()})`);
  if (r.kneeRps !== undefined) log(`knee: ${r.kneeRps === null ? "none (the first stage broke the SLO)" : `${r.kneeRps} req/s`}`);
  if (r.comparison) {
    for (const m of r.comparison.metrics) log(`${m.regression ? "REGRESSION" : "ok"}  ${describeChange(m)}`);
  } else log(`regression check skipped: ${r.comparisonSkipped}`);
  for (const n of r.notes) log(`note: ${n}`);
  if (outcome.baselineWritten) log(`baseline written: ${outcome.baselineWritten}`);
  if (outcome.files) log(`report: ${outcome.files.html}\n        ${outcome.files.json}`);
  log(r.pass ? "PASS" : "FAIL");
  return r.pass ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        console.error(`load: ${err.message}`);
        process.exitCode = 2;
      } else {
        // A tool or a server failed (pgbench could not connect, ...): one line; the run did not pass.
        console.error(`load: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
      }
    },
  );
}
