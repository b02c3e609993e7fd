/**
 * The runbook engine. A runbook file declares its parameters and ordered
 * steps with `runbook({...})`; the engine gives every runbook the same flags,
 * confirmations, dry-run, journal, resume, stop conditions, recovery
 * measurement and evidence report (see DESIGN.md, "Runbooks").
 *
 * `export default runbook({...})` only returns the declaration when the file
 * is imported (the docs site and the drill read declarations); it runs when
 * the file is the entry script, e.g. `npx zx runbooks/db-failover.mjs`.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline/promises";
import { Journal, Masker, NullJournal } from "./journal.mjs";
import { COMMON_FLAGS, UsageError, allowedText, flagName, parseArgv } from "./params.mjs";
import { drillsDir, repoRoot, runbooksDir } from "./paths.mjs";
import { writeReport } from "./report.mjs";
import { createTarget } from "./targets/index.mjs";

/**
 * @typedef {import("./params.mjs").ParamSpec} ParamSpec
 * @typedef {import("./params.mjs").ParamValues} ParamValues
 * @typedef {import("./targets/index.mjs").Target} Target
 * @typedef {import("./probe.mjs").RecoveryProbe} WriteProbe
 * @typedef {import("./probe.mjs").ProbeMeasurement} ProbeMeasurement
 * @typedef {Record<string, unknown>} StepData
 *
 * @typedef {{
 *   runId: string,
 *   env: string,
 *   dryRun: boolean,
 *   params: ParamValues,
 *   data: StepData,
 *   measurements: Record<string, unknown>,
 *   log: (line: string) => void,
 *   markFault: () => void,
 *   stopProbe: () => Promise<ProbeMeasurement | null>,
 *   runChild: (decl: Runbook, params: ParamValues) => Promise<RunResult>,
 * }} StepContext
 *
 * @typedef {(t: Target, ctx: StepContext) => unknown} StepFn
 * @typedef {(params: ParamValues) => boolean} StepCondition
 * @typedef {{title: string, destructive: boolean, when?: StepCondition, check?: StepFn, run?: StepFn, verify?: StepFn, rollback?: StepFn, help?: string}} Step
 * @typedef {{destructive?: boolean, when?: StepCondition, check?: StepFn, run?: StepFn, verify?: StepFn, rollback?: StepFn, help?: string}} StepOptions
 *
 * @typedef {{
 *   id: string,
 *   title: string,
 *   summary?: string,
 *   params?: Record<string, ParamSpec>,
 *   steps: Step[],
 *   probe?: (t: Target, ctx: StepContext) => WriteProbe | null,
 *   health?: (t: Target, ctx: StepContext) => unknown,
 *   environments?: readonly string[],
 *   environmentsWhy?: string,
 *   validate?: (params: ParamValues, env: string) => void,
 * }} RunbookInput
 * @typedef {RunbookInput & {params: Record<string, ParamSpec>, file: string}} Runbook
 *
 * @typedef {{
 *   runId: string | null,
 *   exitCode: number,
 *   outcome: "succeeded" | "failed" | "aborted" | "refused" | "dry-run" | "help",
 *   error: string | null,
 *   data: StepData,
 *   measurements: Record<string, unknown>,
 *   report: {json: string, md: string} | null,
 *   steps: StepRecord[],
 * }} RunResult
 * @typedef {{index: number, title: string, destructive: boolean, outcome: string, startedAt: string | null, seconds: number | null, error?: string}} StepRecord
 *
 * @typedef {{
 *   env?: NodeJS.ProcessEnv,
 *   out?: (text: string) => void,
 *   isTTY?: boolean,
 *   prompt?: (question: string) => Promise<string>,
 *   target?: Target,
 *   createTarget?: (env: string, opts: {dryRun: boolean, masker: Masker, log: (line: string) => void, processEnv: NodeJS.ProcessEnv}) => Promise<Target>,
 *   parent?: {runId: string},
 * }} ExecuteOptions
 */

/**
 * Declare one step.
 * @param {string} title
 * @param {StepOptions} [opts]
 * @returns {Step}
 */
export function step(title, opts = {}) {
  return { title, destructive: Boolean(opts.destructive), ...opts };
}

/**
 * Declare a runbook. Runs it when its file is the entry script.
 * @param {RunbookInput} input
 * @returns {Runbook}
 */
export function runbook(input) {
  if (!/^[a-z][a-z0-9-]+$/.test(input.id)) throw new Error(`runbook id ${JSON.stringify(input.id)}: use lower-case letters, digits and hyphens`);
  if (!input.steps.length) throw new Error(`runbook ${input.id}: declare at least one step`);
  /** @type {Runbook} */
  const decl = Object.freeze({ ...input, params: input.params ?? {}, file: path.join(runbooksDir, `${input.id}.mjs`) });
  const args = entryArgs(decl.file);
  if (args) {
    setImmediate(() => {
      execute(decl, args).then(
        (r) => {
          process.exitCode = r.exitCode;
        },
        (err) => {
          console.error(`${decl.id}: ${err instanceof Error ? err.message : String(err)}`);
          process.exitCode = 1;
        },
      );
    });
  }
  return decl;
}

/**
 * The arguments after `file` when `file` is the script being run, else null.
 * zx sets the `__filename` global to its entry script; plain node uses argv[1].
 * @param {string} file
 */
function entryArgs(file) {
  const entry = Reflect.get(globalThis, "__filename") ?? process.argv[1];
  if (typeof entry !== "string" || path.resolve(entry) !== file) return null;
  const at = process.argv.findIndex((a, i) => i > 0 && path.resolve(a) === file);
  return at < 0 ? [] : process.argv.slice(at + 1);
}

/**
 * `--help` text generated from the declaration.
 * @param {Runbook} decl
 */
export function helpText(decl) {
  const lines = [`${decl.title}`, "", `usage: npx zx runbooks/${decl.id}.mjs [flags]`, ""];
  if (decl.summary) lines.push(decl.summary, "");
  const params = Object.entries(decl.params);
  if (params.length) {
    lines.push("parameters:");
    for (const [name, spec] of params) {
      const def = spec.default !== undefined ? ` (default ${spec.default})` : spec.required ? " (required)" : "";
      lines.push(`  ${flagName(name)}${spec.type === "bool" ? "" : " <value>"}`.padEnd(28) + `${spec.help}: ${allowedText(spec)}${def}`);
    }
    lines.push("");
  }
  lines.push("common flags:");
  for (const [flag, help] of COMMON_FLAGS) lines.push(`  ${flag}`.padEnd(28) + help);
  if (decl.environments) lines.push("", `runs against: ${decl.environments.join(", ")}${decl.environmentsWhy ? ` (${decl.environmentsWhy})` : ""}`);
  lines.push("", "steps:");
  decl.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s.title}${s.destructive ? "  [destructive]" : ""}`));
  return `${lines.join("\n")}\n`;
}

/**
 * Run a runbook with command-line arguments.
 * @param {Runbook} decl
 * @param {string[]} argv
 * @param {ExecuteOptions} [opts]
 * @returns {Promise<RunResult>}
 */
export async function execute(decl, argv, opts = {}) {
  const out = opts.out ?? ((text) => process.stdout.write(text));
  const say = (/** @type {string} */ line) => out(`${line}\n`);
  /** @type {RunResult} */
  const result = { runId: null, exitCode: 0, outcome: "succeeded", error: null, data: {}, measurements: {}, report: null, steps: [] };
  const refuse = (/** @type {string} */ message, code = 2) => {
    say(`${decl.id}: ${message}`);
    return { ...result, exitCode: code, outcome: /** @type {const} */ ("refused"), error: message };
  };

  let parsed;
  try {
    parsed = parseArgv(argv, decl.params);
  } catch (err) {
    if (err instanceof UsageError) return refuse(err.message);
    throw err;
  }
  const { common } = parsed;
  if (common.help) {
    out(helpText(decl));
    return { ...result, outcome: "help" };
  }
  const env = opts.env ?? process.env;
  const isTTY = opts.isTTY ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const dirs = { journal: path.join(drillsDir(env), "journal"), records: path.join(drillsDir(env), "records") };
  const fileHash = hashFile(decl.file);

  // Resume: parameters, environment and completed steps come from the journal.
  let params = parsed.params;
  let runId = "";
  /** @type {Set<number>} */
  const completed = new Set();
  /** @type {StepData} */
  const data = {};
  if (common.resume) {
    const file = path.join(dirs.journal, `${common.resume}.jsonl`);
    if (!fs.existsSync(file)) return refuse(`--resume: no journal ${file}`);
    const entries = Journal.read(file);
    const start = entries.find((e) => e.type === "run-start");
    if (!start || start.runbook !== decl.id) return refuse(`--resume: run ${common.resume} is not a ${decl.id} run`);
    if (start.fileHash !== fileHash) return refuse(`--resume: runbooks/${decl.id}.mjs changed since run ${common.resume} started; start a new run`);
    if (entries.some((e) => e.type === "run-end" && e.outcome === "succeeded")) return refuse(`--resume: run ${common.resume} already succeeded`);
    if (parsed.given.size) return refuse(`--resume: parameters come from the journal; drop ${[...parsed.given].map(flagName).join(", ")}`);
    params = /** @type {ParamValues} */ (start.params);
    common.env = String(start.env);
    runId = common.resume;
    for (const e of entries) {
      if (e.type === "step-end" && e.outcome === "ok") {
        completed.add(Number(e.index));
        Object.assign(data, e.data ?? {});
      }
    }
  } else {
    runId = `${compactTime(new Date())}-${decl.id}-${common.env}-${crypto.randomBytes(2).toString("hex")}`;
  }

  // Runbook-level input rules (which environments, parameters that go together): bad input, exit 2.
  const badInput = checkInput(decl, params, common.env);
  if (badInput) return refuse(badInput);

  // Confirmation policy, decided before anything changes.
  // `when` skips a step for these parameters (e.g. cut-over only when asked); it then needs no confirmation.
  const remaining = decl.steps.map((s, i) => ({ s, i })).filter(({ s, i }) => !completed.has(i) && (!s.when || s.when(params)));
  const destructive = remaining.some(({ s }) => s.destructive);
  const nested = Boolean(opts.parent);
  if (destructive && !common.dryRun && !nested) {
    if (common.env === "prod" && !(common.yes && env.GROUNDWORK_ALLOW_PROD === "1")) {
      if (!isTTY) return refuse("prod needs a typed confirmation: run in a terminal, or pass --yes with GROUNDWORK_ALLOW_PROD=1");
      const answer = await ask(opts, `${decl.title} in prod. Type the environment name to continue: `);
      if (answer.trim() !== "prod") return refuse(`confirmation ${JSON.stringify(answer.trim())} does not match "prod"; nothing changed`);
      common.yes = true; // the typed confirmation covers every step
    } else if (!common.yes && !isTTY) {
      return refuse("destructive steps need confirmation: pass --yes, or run in a terminal");
    }
  }

  const masker = new Masker();
  const journal = common.dryRun ? new NullJournal() : Journal.open(dirs.journal, runId, masker);
  result.runId = common.dryRun ? null : runId;
  const progress = new Progress(out, isTTY && !nested);
  let target = opts.target;
  if (!target) {
    try {
      target = await (opts.createTarget ?? createTarget)(common.env, { dryRun: common.dryRun, masker, log: say, processEnv: env });
    } catch (err) {
      return refuse(errText(err));
    }
  }
  target.journal = journal;
  target.dryRun = common.dryRun;

  /** @type {WriteProbe | null} */
  let probe = null;
  /** @type {ProbeMeasurement | null} */
  let measured = null;
  /** Stop the write probe and measure now (a step that judges RTO/RPO needs the figures before the run ends). */
  const stopProbe = async () => {
    if (!probe) return null;
    if (!measured) {
      measured = await probe.measure();
      result.measurements.probe = measured;
      journal.write("probe-end", { measurement: measured });
    }
    return measured;
  };
  /** @type {StepContext} */
  const ctx = {
    runId,
    env: common.env,
    dryRun: common.dryRun,
    params,
    data,
    measurements: result.measurements,
    log: (line) => progress.line(line),
    markFault: () => probe?.markFault(),
    stopProbe,
    runChild: (child, childParams) => runChild(child, childParams, { ...opts, target, parent: { runId }, out, isTTY }),
  };
  target.markFault = ctx.markFault;
  target.log = ctx.log;
  const startedAt = new Date();

  if (common.resume) journal.write("resume", { runId, completed: [...completed] });
  else {
    journal.write("run-start", {
      runId,
      runbook: decl.id,
      title: decl.title,
      env: common.env,
      params,
      commit: gitCommit(),
      operator: env.GROUNDWORK_OPERATOR || safeUser(),
      file: path.relative(repoRoot, decl.file),
      fileHash,
      parent: opts.parent?.runId ?? null,
    });
  }
  say(`${common.dryRun ? "DRY RUN: " : ""}${decl.title} (${decl.id}, env ${common.env}${common.dryRun ? "" : `, run ${runId}`})`);

  /** @type {number[]} */
  const done = [...completed];
  /** @type {StepRecord[]} */
  const records = decl.steps.map((s, i) => ({ index: i, title: s.title, destructive: s.destructive, outcome: completed.has(i) ? "done-before-resume" : s.when && !s.when(params) ? "skipped" : "pending", startedAt: null, seconds: null }));
  result.steps = records;

  try {
    if (decl.probe) {
      const planned = decl.probe(target, ctx);
      if (common.dryRun) {
        // A dry run starts nothing; a probe that would change something (the in-cluster Job) prints its plan.
        await planned?.plan?.();
      } else if (planned) {
        probe = planned;
        await probe.start();
        journal.write("probe-start", {});
      }
    }
    for (const { s, i } of remaining) {
      const rec = records[i];
      // Stop condition: the health probe between steps.
      if (decl.health && done.length && !common.dryRun) {
        try {
          const healthy = await decl.health(target, ctx);
          if (healthy === false) throw new Error("health probe returned false");
        } catch (err) {
          const message = `health probe failed before step ${i + 1} (${s.title}): ${errText(err)}`;
          journal.write("health-failed", { before: i, error: errText(err) });
          await rollback(decl, done, target, ctx, journal, progress);
          return finish("aborted", 1, message);
        }
      }
      if (s.destructive && !common.yes && !common.dryRun && !nested) {
        const answer = await ask(opts, `Step ${i + 1} "${s.title}" is destructive. Continue? [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) {
          rec.outcome = "declined";
          journal.write("step-declined", { index: i, title: s.title });
          return finish("aborted", 1, `step ${i + 1} (${s.title}) declined; completed steps left as they are`);
        }
      }
      rec.startedAt = new Date().toISOString();
      const t0 = performance.now();
      journal.write("step-start", { index: i, title: s.title, destructive: s.destructive });
      progress.start(`[${i + 1}/${decl.steps.length}] ${s.title}${s.destructive ? " (destructive)" : ""}`);
      /** @type {"check" | "run" | "verify"} */
      let phase = "check";
      try {
        if (s.check) {
          const ok = await s.check(target, ctx);
          if (ok === false) throw new Error("precondition not met");
          mergeData(ctx, ok);
        }
        phase = "run";
        if (s.run) mergeData(ctx, await s.run(target, ctx));
        if (env.GROUNDWORK_KILL_AT_STEP === String(i + 1) && !common.dryRun) {
          // Test hook: die mid-step (after run, before the step is journaled as done) to rehearse --resume.
          process.kill(process.pid, "SIGKILL");
        }
        phase = "verify";
        if (s.verify && !common.dryRun) {
          const ok = await s.verify(target, ctx);
          if (ok === false) throw new Error("verification failed");
        }
      } catch (err) {
        rec.seconds = seconds(t0);
        rec.outcome = `${phase}-failed`;
        rec.error = errText(err);
        progress.end(`failed in ${phase}: ${rec.error}`);
        journal.write("step-end", { index: i, title: s.title, outcome: rec.outcome, seconds: rec.seconds, error: rec.error });
        // A failed run may have done part of its work and a failed verify all
        // of it: undo this step too (rollbacks must be safe to run on partial work).
        await rollback(decl, phase === "check" ? done : [...done, i], target, ctx, journal, progress);
        return finish("failed", 1, `step ${i + 1} (${s.title}) ${phase} failed: ${rec.error}`);
      }
      rec.seconds = seconds(t0);
      rec.outcome = common.dryRun ? "planned" : "ok";
      progress.end(`${common.dryRun ? "planned" : "ok"} (${rec.seconds.toFixed(2)} s)`);
      journal.write("step-end", { index: i, title: s.title, outcome: rec.outcome, seconds: rec.seconds, data: stepData(ctx, i) });
      done.push(i);
    }
    return finish(common.dryRun ? "dry-run" : "succeeded", 0, null);
  } catch (err) {
    return finish("failed", 1, errText(err));
  }

  /**
   * @param {RunResult["outcome"]} outcome
   * @param {number} exitCode
   * @param {string | null} error
   * @returns {Promise<RunResult>}
   */
  async function finish(outcome, exitCode, error) {
    progress.stop();
    if (probe) {
      try {
        const m = await stopProbe();
        if (!m) throw new Error("no probe");
        say(`measured: RTO ${m.rtoSeconds ?? "n/a"} s, RPO ${m.lostWrites} lost write(s) / ${m.rpoSeconds} s (${m.ackedWrites} acknowledged, ${m.failedWrites} failed)`);
      } catch (err) {
        result.measurements.probe = { error: errText(err) };
        journal.write("probe-end", { error: errText(err) });
        // Recovery that was to be measured and was not is a failed run, not a silent gap in the evidence.
        if (outcome === "succeeded") {
          outcome = "failed";
          exitCode = 1;
          error = errText(err);
        }
      }
    }
    await target?.close?.();
    result.outcome = outcome;
    result.exitCode = exitCode;
    result.error = error;
    result.data = data;
    if (error) say(`${decl.id}: ${error}`);
    journal.write("run-end", { outcome, exitCode, error, measurements: result.measurements });
    if (!common.dryRun && !nested) {
      result.report = writeReport(dirs.records, {
        runbook: decl.id,
        title: decl.title,
        env: common.env,
        runId,
        params,
        commit: gitCommit(),
        operator: env.GROUNDWORK_OPERATOR || safeUser(),
        startedAt: startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        outcome,
        error,
        steps: records,
        measurements: result.measurements,
      });
      say(`evidence: ${path.relative(process.cwd(), result.report.md)}`);
    }
    say(`${decl.id}: ${outcome}${common.dryRun ? " (nothing changed)" : ""}`);
    return result;
  }
}

/**
 * The runbook's own input rules: the environments it supports and its
 * `validate` hook. Returns the one-line refusal, or null.
 * @param {Runbook} decl
 * @param {ParamValues} params
 * @param {string} env
 */
function checkInput(decl, params, env) {
  if (decl.environments && !decl.environments.includes(env)) {
    return `--env ${env}: this runbook runs against ${decl.environments.join(", ")}${decl.environmentsWhy ? ` (${decl.environmentsWhy})` : ""}`;
  }
  try {
    decl.validate?.(params, env);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  return null;
}

/**
 * Run another runbook inside this one (the DR drill runs its suite this way):
 * same target, no confirmation (the parent asked), its own journal, no report.
 * @param {Runbook} decl
 * @param {ParamValues} params
 * @param {ExecuteOptions & {target: Target, parent: {runId: string}}} opts
 */
async function runChild(decl, params, opts) {
  const argv = ["--env", String(opts.target.env), "--yes"];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (decl.params[k]?.type === "bool") argv.push(v ? flagName(k) : `--no-${flagName(k).slice(2)}`);
    else argv.push(flagName(k), String(v));
  }
  if (opts.target.dryRun) argv.push("--dry-run");
  const keepOpen = opts.target.close;
  opts.target.close = undefined; // the parent closes the shared target
  try {
    return await execute(decl, argv, opts);
  } finally {
    opts.target.close = keepOpen;
  }
}

/**
 * Run the rollbacks of `indices` in reverse.
 * @param {Runbook} decl
 * @param {number[]} indices
 * @param {Target} target
 * @param {StepContext} ctx
 * @param {Journal} journal
 * @param {Progress} progress
 */
async function rollback(decl, indices, target, ctx, journal, progress) {
  for (const i of [...indices].reverse()) {
    const s = decl.steps[i];
    if (!s.rollback) continue;
    progress.start(`rollback ${i + 1}. ${s.title}`);
    journal.write("rollback-start", { index: i, title: s.title });
    try {
      await s.rollback(target, ctx);
      progress.end("rolled back");
      journal.write("rollback-end", { index: i, outcome: "ok" });
    } catch (err) {
      progress.end(`rollback failed: ${errText(err)}`);
      journal.write("rollback-end", { index: i, outcome: "failed", error: errText(err) });
    }
  }
}

/**
 * Steps return plain objects that later steps (and a resumed run) read from `ctx.data`.
 * @param {StepContext} ctx
 * @param {unknown} value
 */
function mergeData(ctx, value) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    Object.assign(ctx.data, value);
    ctx.data[`__step`] = Object.keys(value);
  }
}

/**
 * The data a step added, for the journal (so `--resume` can restore it).
 * @param {StepContext} ctx
 * @param {number} _index
 */
function stepData(ctx, _index) {
  const keys = /** @type {string[] | undefined} */ (ctx.data.__step);
  delete ctx.data.__step;
  if (!keys) return {};
  return Object.fromEntries(keys.map((k) => [k, ctx.data[k]]));
}

/**
 * @param {ExecuteOptions} opts
 * @param {string} question
 */
async function ask(opts, question) {
  if (opts.prompt) return opts.prompt(question);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** Progress output: elapsed time on a TTY, one plain line per event otherwise. */
class Progress {
  /**
   * @param {(text: string) => void} out
   * @param {boolean} tty
   */
  constructor(out, tty) {
    this.out = out;
    this.tty = tty;
    this.label = "";
    this.t0 = 0;
    /** @type {NodeJS.Timeout | null} */
    this.timer = null;
  }

  /** @param {string} label */
  start(label) {
    this.stop();
    this.label = label;
    this.t0 = performance.now();
    if (this.tty) {
      const frames = "|/-\\";
      let n = 0;
      this.timer = setInterval(() => {
        this.out(`\r${frames[n++ % 4]} ${this.label} ${((performance.now() - this.t0) / 1000).toFixed(1)} s`);
      }, 100);
      this.timer.unref();
    } else this.out(`${label} ...\n`);
  }

  /** @param {string} text */
  end(text) {
    this.stop();
    this.out(this.tty ? `\r\x1b[K${this.label}: ${text}\n` : `  ${text}\n`);
  }

  /** @param {string} text */
  line(text) {
    this.out(this.tty && this.timer ? `\r\x1b[K  ${text}\n` : `  ${text}\n`);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** @param {string} file */
function hashFile(file) {
  try {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  } catch {
    return "unknown";
  }
}

function gitCommit() {
  try {
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repoRoot, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: repoRoot, stdio: ["ignore", "pipe", "ignore"] }).toString().trim() !== "";
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return "unknown";
  }
}

function safeUser() {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "unknown");
  }
}

/** @param {Date} d */
export function compactTime(d) {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** @param {number} t0 */
function seconds(t0) {
  return Math.round(performance.now() - t0) / 1000;
}

/** @param {unknown} err */
export function errText(err) {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}
