#!/usr/bin/env zx
// Run a chaos experiment and record the evidence: an AWS FIS experiment watched against its stop conditions and the SLO alerts, or (sandbox) a killed primary while a probe writes.
import path from "node:path";
import { UsageError } from "./lib/params.mjs";
import { repoRoot } from "./lib/paths.mjs";
import { runbook, step } from "./lib/runbook.mjs";
import { POLL } from "./lib/targets/aws.mjs";
import { FIS_FINAL_STATES } from "./lib/targets/fis.mjs";
import { aws, local } from "./lib/targets/index.mjs";

/** The experiments of modules/resilience/fault-injection.ts (EXPERIMENTS; a test keeps them equal). */
export const EXPERIMENTS = ["node-group-termination", "az-network-disruption", "rds-failover", "pod-cpu-stress"];
/**
 * The SLO alerts of monitoring/alerts/services.ts: the availability and p95
 * latency error-budget burn rates (a test keeps them equal). One firing during
 * the experiment fails the run.
 */
export const SLO_ALERTS = ["ServiceAvailabilityBurnRateFast", "ServiceAvailabilityBurnRateSlow", "ServiceLatencyBurnRateFast", "ServiceLatencyBurnRateSlow"];
/** Why the SLO verdict is not measured without Prometheus. */
const NOT_WATCHED = "not watched (set PROMETHEUS_URL)";
/** What the sandbox can kill. */
const LOCAL_TARGETS = ["postgres", "redis"];

/**
 * @typedef {import("./lib/runbook.mjs").StepContext} StepContext
 * @typedef {import("./lib/probe.mjs").ProbeMeasurement} ProbeMeasurement
 * @typedef {{at: string, event: string}} TimelineEntry
 */

export default runbook({
  id: "chaos",
  title: "Run a chaos experiment and record the evidence",
  summary:
    "AWS: starts the environment's FIS experiment --experiment (template id from the stack output " +
    "fis_experiment_templates, or --template-id) after checking its stop-condition alarms are OK, watches the " +
    "experiment, the stop-condition alarms and (with PROMETHEUS_URL) the firing alerts until it ends, and passes " +
    "only when it completed without tripping a stop condition and, when watched, without an SLO burn-rate alert " +
    "firing (without PROMETHEUS_URL the report says the SLOs were not watched). Sandbox: SIGKILLs the PostgreSQL " +
    "primary (or, with --target redis, the Redis primary) while a write probe runs, lets the sandbox recover (standby promoted; " +
    "Sentinel failover), restores redundancy, and passes when writes succeed again within the environment's RTO.",
  params: {
    experiment: { type: "enum", values: EXPERIMENTS, help: "AWS: the FIS experiment to run" },
    templateId: { type: "string", pattern: /^EXT[A-Za-z0-9]{4,60}$/, patternHelp: "an FIS template id such as EXT1a2b3c4d5e6f7", help: "AWS: template id (default: from the stack output fis_experiment_templates)" },
    stackDir: { type: "string", help: "AWS: synthesized stack directory to read the output from (default cdktf.out/stacks/<env>)" },
    target: { type: "enum", values: LOCAL_TARGETS, help: "sandbox: what to kill (default postgres)" },
    timeout: { type: "duration", default: "30m", help: "how long the experiment (or the sandbox's recovery) may take" },
  },
  validate: (params, env) => {
    if (env === "local") {
      for (const k of ["experiment", "templateId", "stackDir"]) {
        if (params[k] !== undefined) throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: AWS FIS only; in the sandbox use --target ${LOCAL_TARGETS.join("|")}`);
      }
      return;
    }
    if (params.target !== undefined) throw new UsageError(`--target: sandbox only; on AWS use --experiment ${EXPERIMENTS.join("|")}`);
    if (params.experiment === undefined) throw new UsageError(`--experiment is required on ${env}: one of ${EXPERIMENTS.join(", ")}`);
  },
  steps: [
    step("resolve the fault and its stop conditions", {
      check: async (t, ctx) => {
        if (t.env === "local") {
          const target = localTarget(ctx);
          const roles = target === "postgres" ? await t.db.standbyStatus(Number.MAX_SAFE_INTEGER) : await t.cache.replicaStatus(Number.MAX_SAFE_INTEGER);
          ctx.log(`will SIGKILL the ${target} primary; recovery target: errors stop within ${rtoTarget(t, target)} s`);
          return { chaosTarget: target, ...roles };
        }
        const experiment = String(ctx.params.experiment);
        let templateId = ctx.params.templateId === undefined ? undefined : String(ctx.params.templateId);
        if (!templateId) {
          const dir = path.resolve(repoRoot, String(ctx.params.stackDir ?? path.join("cdktf.out", "stacks", t.env)));
          const ids = await aws(t).chaos.templateIdsFromStack(dir);
          templateId = ids[experiment];
          if (!templateId) throw new Error(`the ${t.env} stack's output fis_experiment_templates has no ${experiment} (has ${Object.keys(ids).join(", ") || "nothing"}): pass --template-id`);
        }
        const tpl = await aws(t).chaos.template(templateId);
        if (!tpl.stopAlarms.length) throw new Error(`template ${templateId} has no CloudWatch stop condition: refusing an experiment nothing can stop`);
        ctx.log(`${experiment}: template ${templateId} (${tpl.description}); stop conditions: ${tpl.stopAlarms.join(", ")}`);
        return { experiment, templateId, stopAlarms: tpl.stopAlarms };
      },
    }),
    step("the system is healthy before the fault", {
      check: async (t, ctx) => {
        if (t.env === "local") return ctx.data.chaosTarget === "postgres" ? t.db.acceptsWrites() : true;
        const alarms = await aws(t).chaos.alarms(/** @type {string[]} */ (ctx.data.stopAlarms));
        const notOk = alarms.filter((a) => a.state !== "OK");
        if (notOk.length) throw new Error(`stop condition(s) not OK: ${notOk.map((a) => `${a.name} is ${a.state}`).join(", ")}; the experiment would stop at once or the system is already unhealthy`);
        const firing = await firingAlerts(t);
        if (!firing) {
          ctx.log(`SLO alerts: ${NOT_WATCHED}; the run is judged on the experiment and its stop conditions only`);
          return { alertsBefore: null };
        }
        ctx.log(`alerts firing before the fault: ${firing.join(", ") || "none"}`);
        const slo = firing.filter(isSloAlert);
        if (slo.length) throw new Error(`SLO alert(s) already firing: ${slo.join(", ")}; the error budget is already burning, so the experiment would hurt users and prove nothing`);
        return { alertsBefore: firing };
      },
    }),
    step("inject the fault", {
      destructive: true,
      run: async (t, ctx) => {
        if (t.env === "local") return ctx.data.chaosTarget === "postgres" ? local(t).db.killPrimary() : local(t).cache.killPrimary();
        const templateId = String(ctx.data.templateId);
        if (t.would(`call FIS StartExperiment ${templateId} (${ctx.params.experiment})`)) return {};
        const id = await aws(t).chaos.start(templateId, ctx.runId);
        t.markFault();
        ctx.log(`experiment ${id} started`);
        return { experimentId: id, experimentStartedAt: new Date(t.now()).toISOString() };
      },
      // An experiment must not outlive a failed run: stop it unless it has already ended (a failed verdict
      // after a completed experiment). The sandbox's fault cannot be undone, only recovered from.
      rollback: async (t, ctx) => {
        if (t.env === "local" || !ctx.data.experimentId || FIS_FINAL_STATES.includes(String(ctx.data.experimentStatus))) return;
        await aws(t).chaos.stop(String(ctx.data.experimentId));
      },
    }),
    step("watch until the fault ends and the system recovers", {
      run: async (t, ctx) => (t.env === "local" ? recoverLocal(t, ctx) : watchExperiment(t, ctx)),
    }),
    step("restore redundancy", {
      run: async (t, ctx) => {
        if (t.env !== "local") return {};
        if (ctx.data.chaosTarget === "postgres") return t.db.rejoinAsStandby({ oldPrimary: String(ctx.data.primary), newPrimary: String(ctx.data.newPrimary) });
        return local(t).cache.restartAsReplica({ killed: String(ctx.data.killed), newPrimary: String(ctx.data.newPrimary) });
      },
    }),
    step("judge against the objectives", {
      run: (t, ctx) => {
        if (t.dryRun) return {};
        const verdicts = t.env === "local" ? localVerdicts(t, ctx) : awsVerdicts(ctx);
        ctx.measurements.verdicts = verdicts;
        for (const v of verdicts) ctx.log(`${v.met === null ? "n/a   " : v.met ? "met   " : "MISSED"} ${v.what}: ${v.measured ?? "not measured"} (target ${v.target})`);
        // met: null is an objective nobody measured (SLOs without PROMETHEUS_URL): reported, not failed.
        const missed = verdicts.filter((v) => v.met === false);
        if (missed.length) throw new Error(`missed ${missed.map((v) => v.what).join(", ")}`);
        return { met: true };
      },
    }),
  ],
  probe: (t, ctx) => {
    if (t.env !== "local") return null;
    return localTarget(ctx) === "postgres" ? t.db.writeProbe(ctx.runId) : t.cache.writeProbe(ctx.runId);
  },
});

/** @param {StepContext} ctx */
function localTarget(ctx) {
  return /** @type {"postgres" | "redis"} */ (String(ctx.params.target ?? "postgres"));
}

/**
 * @param {any} t
 * @param {"postgres" | "redis"} target
 */
function rtoTarget(t, target) {
  return target === "postgres" ? t.recovery.rtoSeconds.database : t.recovery.rtoSeconds.cache;
}

/**
 * Sandbox recovery. PostgreSQL has no failover agent in the sandbox: the
 * runbook promotes the standby as RDS Multi-AZ would. Redis: Sentinel fails
 * over by itself; the runbook only waits. Then the probe is measured.
 * @param {any} t
 * @param {StepContext} ctx
 */
async function recoverLocal(t, ctx) {
  const timeoutMs = Number(ctx.params.timeout) * 1000;
  /** @type {Record<string, unknown>} */
  let out;
  if (ctx.data.chaosTarget === "postgres") {
    const r = await t.db.failover({ primary: String(ctx.data.primary), standby: String(ctx.data.standby) }, timeoutMs);
    if (!t.dryRun) await t.db.acceptsWrites();
    out = { newPrimary: r.newPrimary };
  } else {
    out = await t.cache.awaitSentinelFailover(String(ctx.data.killed), Math.min(timeoutMs, 60_000));
  }
  if (t.dryRun) return out;
  // Let the probe land writes on the new primary before it is measured.
  await new Promise((r) => setTimeout(r, 1000));
  const m = await ctx.stopProbe();
  if (m) ctx.log(`errors stopped after ${m.rtoSeconds ?? "n/a"} s; ${m.lostWrites} acknowledged write(s) lost of ${m.ackedWrites}`);
  return out;
}

/**
 * Poll the experiment, its stop-condition alarms and the firing alerts until it ends.
 * @param {any} t
 * @param {StepContext} ctx
 */
async function watchExperiment(t, ctx) {
  const id = String(ctx.data.experimentId ?? "");
  if (t.dryRun || !id) {
    ctx.log(`would poll FIS GetExperiment, CloudWatch DescribeAlarms and (with PROMETHEUS_URL) the firing alerts every ${POLL.fis / 1000} s until the experiment ends`);
    return {};
  }
  const alarmNames = /** @type {string[]} */ (ctx.data.stopAlarms);
  /** @type {TimelineEntry[]} */
  const timeline = [];
  /** @type {Record<string, string>} */
  const lastAlarm = Object.fromEntries(alarmNames.map((n) => [n, "OK"]));
  /** @type {Set<string>} */
  const alarmsFired = new Set();
  /** @type {Set<string>} */
  const alertsFired = new Set();
  let watched = false;
  let lastStatus = "";
  const at = () => new Date(t.now()).toISOString();
  const started = t.now();
  const final = await t.poll(
    async () => {
      const e = await t.chaos.get(id);
      if (e.status !== lastStatus) {
        timeline.push({ at: at(), event: `experiment ${e.status}${e.reason ? `: ${e.reason}` : ""}` });
        ctx.log(`experiment ${id}: ${e.status}${e.reason ? ` (${e.reason})` : ""}`);
        lastStatus = e.status;
      }
      for (const a of await t.chaos.alarms(alarmNames)) {
        if (a.state !== lastAlarm[a.name]) {
          timeline.push({ at: at(), event: `alarm ${a.name} ${a.state}` });
          ctx.log(`stop condition ${a.name}: ${a.state}`);
          lastAlarm[a.name] = a.state;
        }
        if (a.state === "ALARM") alarmsFired.add(a.name);
      }
      const firing = await firingAlerts(t);
      watched = firing !== null;
      for (const name of firing ?? []) {
        if (!alertsFired.has(name)) {
          timeline.push({ at: at(), event: `alert ${name} firing` });
          ctx.log(`${isSloAlert(name) ? "SLO alert" : "alert"} ${name} firing`);
        }
        alertsFired.add(name);
      }
      return FIS_FINAL_STATES.includes(e.status) ? e : null;
    },
    { intervalMs: POLL.fis, timeoutMs: Number(ctx.params.timeout) * 1000, what: `experiment ${id} to end` },
  );
  const chaos = {
    experiment: ctx.data.experiment,
    templateId: ctx.data.templateId,
    experimentId: id,
    status: final.status,
    reason: final.reason,
    durationSeconds: (t.now() - started) / 1000,
    stopAlarmsFired: [...alarmsFired],
    alertsFired: watched ? [...alertsFired] : NOT_WATCHED,
    sloAlertsFired: watched ? [...alertsFired].filter(isSloAlert) : NOT_WATCHED,
    timeline: timeline.map((e) => `${e.at} ${e.event}`),
  };
  ctx.measurements.chaos = chaos;
  return { experimentStatus: final.status };
}

/**
 * Alerts firing in Prometheus (the SLO burn-rate and service alerts), when
 * PROMETHEUS_URL points at it (kubectl -n monitoring port-forward
 * svc/kube-prometheus-stack-prometheus 9090); null when not watched. Each is
 * named `Alert` or, for a service's alert, `Alert{service="name"}`.
 * @param {any} t
 * @returns {Promise<string[] | null>}
 */
async function firingAlerts(t) {
  const url = t.processEnv?.PROMETHEUS_URL;
  if (!url) return null;
  const q = encodeURIComponent('ALERTS{alertstate="firing"}');
  const res = await t.fetch(`${String(url).replace(/\/$/, "")}/api/v1/query?query=${q}`);
  if (!res.ok) throw new Error(`Prometheus ${url} answered ${res.status}`);
  const body = await res.json();
  /** @type {Array<{metric: Record<string, string>}>} */
  const result = body.data?.result ?? [];
  const names = result
    .filter((r) => r.metric.alertname && r.metric.alertname !== "Watchdog" && r.metric.alertname !== "InfoInhibitor")
    .map((r) => (r.metric.service ? `${r.metric.alertname}{service="${r.metric.service}"}` : r.metric.alertname));
  return [...new Set(names)].sort();
}

/** @param {string} alert as firingAlerts names it */
function isSloAlert(alert) {
  return SLO_ALERTS.includes(alert.replace(/\{.*$/, ""));
}

/**
 * @param {any} t
 * @param {StepContext} ctx
 */
function localVerdicts(t, ctx) {
  const target = localTarget(ctx);
  const m = /** @type {ProbeMeasurement | undefined} */ (ctx.measurements.probe);
  const rto = rtoTarget(t, target);
  const measured = m?.rtoSeconds ?? null;
  return [{ what: `${target} errors stop within the RTO (s)`, measured, target: `<= ${rto}`, met: measured !== null && measured <= rto }];
}

/**
 * @param {StepContext} ctx
 * @returns {Array<{what: string, measured: string, target: string, met: boolean | null}>}
 */
function awsVerdicts(ctx) {
  const c = /** @type {{status: string, reason: string, stopAlarmsFired: string[], sloAlertsFired: string[] | string}} */ (ctx.measurements.chaos);
  const slo = Array.isArray(c.sloAlertsFired)
    ? { measured: c.sloAlertsFired.join(", ") || "none", met: c.sloAlertsFired.length === 0 }
    : { measured: NOT_WATCHED, met: null };
  return [
    { what: "experiment completed (not stopped or failed)", measured: c.status, target: "completed", met: c.status === "completed" },
    { what: "no stop condition fired", measured: c.stopAlarmsFired.join(", ") || "none", target: "none", met: c.stopAlarmsFired.length === 0 },
    { what: "no SLO alert fired during the experiment", target: "none", ...slo },
  ];
}
