#!/usr/bin/env zx
// Raise a service's HPA bounds (and the Karpenter NodePool CPU limit) for a limited time; --revert puts them back.
import { loadServices } from "./lib/config.mjs";
import { UsageError } from "./lib/params.mjs";
import { runbook, step } from "./lib/runbook.mjs";

const SERVICES = (await loadServices()).map((s) => s.name);
/**
 * Written on every object a scale-out raises: the run, the revert deadline,
 * the original and the raised values. The revert reads it from the cluster,
 * so it works from any machine (a scheduled CI job, another operator), not
 * only from the one holding the journal.
 */
export const ANNOTATION = "groundwork.io/scale-out";
const NODEPOOL = "nodepools.karpenter.sh";
const MAX_HOURS = 24;

/**
 * @typedef {import("./lib/runbook.mjs").StepContext} StepContext
 * @typedef {{run: string, revertAt: string, original: Record<string, unknown>, raised: Record<string, unknown>}} Mark
 * @typedef {{kind: "hpa" | "nodepool", namespace: string | null, name: string, mark: Mark, live: Record<string, unknown>}} Raised
 */

export default runbook({
  id: "scale-out",
  title: "Scale a service out for a limited time",
  summary:
    "Raises the service's HPA minReplicas/maxReplicas (kubectl patch hpa) and, with --node-pool-cpu, the Karpenter " +
    "NodePool's CPU limit, for --for (default 4h, at most 24h). The originals and the revert deadline go in the journal " +
    `and in the annotation ${ANNOTATION} on each object. --revert <run-id> puts one run's values back; --revert due ` +
    "puts back every scale-out whose deadline has passed (run it on a schedule).",
  environments: ["dev", "staging", "prod"],
  environmentsWhy: "the sandbox has no Kubernetes cluster",
  params: {
    service: { type: "enum", values: SERVICES, help: "the service to scale out (config/services.ts)" },
    minReplicas: { type: "int", min: 1, max: 500, help: "new HPA minReplicas" },
    maxReplicas: { type: "int", min: 1, max: 500, help: "new HPA maxReplicas (default: the current one, or --min-replicas if higher)" },
    nodePool: { type: "string", default: "general", pattern: /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, patternHelp: "a Kubernetes name", help: "Karpenter NodePool whose CPU limit --node-pool-cpu raises" },
    nodePoolCpu: { type: "int", min: 1, max: 100_000, help: "new CPU limit (cores) of the NodePool" },
    for: { type: "duration", default: "4h", help: `how long until the scale-out is due for revert (at most ${MAX_HOURS}h)` },
    revert: { type: "string", pattern: /^(due|[A-Za-z0-9._-]+)$/, patternHelp: "a run id of scale-out, or due", help: "put back what run <id> raised, or every scale-out past its deadline (due)" },
  },
  validate: (params) => {
    const raising = ["service", "minReplicas", "maxReplicas", "nodePoolCpu"].filter((k) => params[k] !== undefined);
    if (params.revert !== undefined) {
      if (raising.length) throw new UsageError(`--revert takes no other scaling flag (got ${raising.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")})`);
      return;
    }
    if (params.service === undefined) throw new UsageError(`--service is required: one of ${SERVICES.join(", ")} (or --revert <run-id|due>)`);
    if (params.minReplicas === undefined && params.maxReplicas === undefined && params.nodePoolCpu === undefined) {
      throw new UsageError("say what to raise: --min-replicas, --max-replicas and/or --node-pool-cpu");
    }
    if (params.minReplicas !== undefined && params.maxReplicas !== undefined && Number(params.minReplicas) > Number(params.maxReplicas)) {
      throw new UsageError(`--min-replicas: got ${params.minReplicas}, allowed: at most --max-replicas (${params.maxReplicas})`);
    }
    if (Number(params.for) > MAX_HOURS * 3600) throw new UsageError(`--for: got ${params.for} s, allowed: at most ${MAX_HOURS}h (scale out again if it is still needed)`);
  },
  steps: [
    step("read the current bounds", {
      when: (params) => params.revert === undefined,
      check: async (t, ctx) => {
        const svc = String(ctx.params.service);
        const hpa = await t.kube.json(["-n", svc, "get", "hpa", svc]);
        refuseIfMarked(hpa, `hpa ${svc}`);
        const min = Number(hpa.spec?.minReplicas ?? 1);
        const max = Number(hpa.spec?.maxReplicas);
        const newMin = ctx.params.minReplicas !== undefined ? Number(ctx.params.minReplicas) : min;
        const newMax = Math.max(ctx.params.maxReplicas !== undefined ? Number(ctx.params.maxReplicas) : max, newMin);
        if (newMin < min || newMax < max) throw new Error(`scale-out only raises: hpa ${svc} is at min ${min} / max ${max}, asked for min ${newMin} / max ${newMax}`);
        const revertAt = new Date(t.now() + Number(ctx.params.for) * 1000).toISOString();
        ctx.log(`hpa ${svc}: min ${min} -> ${newMin}, max ${max} -> ${newMax} (currently ${hpa.status?.currentReplicas ?? "?"} replicas); revert due at ${revertAt}`);
        /** @type {Record<string, unknown>} */
        const data = { hpaOriginal: { minReplicas: min, maxReplicas: max }, hpaRaised: { minReplicas: newMin, maxReplicas: newMax }, revertAt };
        if (ctx.params.nodePoolCpu !== undefined) {
          const pool = String(ctx.params.nodePool);
          const np = await t.kube.json(["get", NODEPOOL, pool]);
          refuseIfMarked(np, `nodepool ${pool}`);
          const cpu = String(np.spec?.limits?.cpu ?? "");
          const cores = cpuCores(cpu);
          if (Number(ctx.params.nodePoolCpu) <= cores) throw new Error(`scale-out only raises: nodepool ${pool} CPU limit is ${cpu}, asked for ${ctx.params.nodePoolCpu}`);
          ctx.log(`nodepool ${pool}: CPU limit ${cpu || "none"} -> ${ctx.params.nodePoolCpu}`);
          data.nodePoolOriginal = { cpu };
          data.nodePoolRaised = { cpu: String(ctx.params.nodePoolCpu) };
        }
        return data;
      },
    }),
    step("raise the HPA bounds", {
      when: (params) => params.revert === undefined,
      run: async (t, ctx) => {
        const svc = String(ctx.params.service);
        const raised = /** @type {Record<string, number>} */ (ctx.data.hpaRaised);
        const mark = markOf(ctx, ctx.data.hpaOriginal, raised);
        await t.kube.kubectl(["-n", svc, "patch", "hpa", svc, "--type=merge", "-p", JSON.stringify({ metadata: { annotations: { [ANNOTATION]: JSON.stringify(mark) } }, spec: raised })]);
        return {};
      },
      verify: async (t, ctx) => {
        const svc = String(ctx.params.service);
        const hpa = await t.kube.json(["-n", svc, "get", "hpa", svc]);
        const raised = /** @type {Record<string, number>} */ (ctx.data.hpaRaised);
        return hpa.spec?.minReplicas === raised.minReplicas && hpa.spec?.maxReplicas === raised.maxReplicas;
      },
      rollback: async (t, ctx) => {
        const svc = String(ctx.params.service);
        await t.kube.kubectl(["-n", svc, "patch", "hpa", svc, "--type=merge", "-p", JSON.stringify({ metadata: { annotations: { [ANNOTATION]: null } }, spec: ctx.data.hpaOriginal })]);
      },
    }),
    step("raise the NodePool CPU limit", {
      when: (params) => params.revert === undefined && params.nodePoolCpu !== undefined,
      run: async (t, ctx) => {
        const pool = String(ctx.params.nodePool);
        const mark = markOf(ctx, ctx.data.nodePoolOriginal, ctx.data.nodePoolRaised);
        await t.kube.kubectl(["patch", NODEPOOL, pool, "--type=merge", "-p", JSON.stringify({ metadata: { annotations: { [ANNOTATION]: JSON.stringify(mark) } }, spec: { limits: ctx.data.nodePoolRaised } })]);
        return {};
      },
      rollback: async (t, ctx) => {
        const pool = String(ctx.params.nodePool);
        await t.kube.kubectl(["patch", NODEPOOL, pool, "--type=merge", "-p", JSON.stringify({ metadata: { annotations: { [ANNOTATION]: null } }, spec: { limits: ctx.data.nodePoolOriginal } })]);
      },
    }),
    step("record the revert deadline", {
      when: (params) => params.revert === undefined,
      run: (t, ctx) => {
        ctx.measurements.revertAt = ctx.data.revertAt;
        ctx.log(`revert due at ${ctx.data.revertAt}: npx zx runbooks/scale-out.mjs --env ${t.env} --revert ${ctx.runId} (or the scheduled --revert due)`);
        return { revertCommand: `npx zx runbooks/scale-out.mjs --env ${t.env} --revert ${ctx.runId} --yes` };
      },
    }),
    step("find the scale-outs to revert", {
      when: (params) => params.revert !== undefined,
      check: async (t, ctx) => {
        const which = String(ctx.params.revert);
        /** @type {Raised[]} */
        const found = [];
        const hpas = await t.kube.json(["get", "hpa", "--all-namespaces"]);
        for (const h of hpas.items ?? []) {
          const mark = readMark(h);
          if (mark) found.push({ kind: "hpa", namespace: h.metadata.namespace, name: h.metadata.name, mark, live: { minReplicas: h.spec?.minReplicas, maxReplicas: h.spec?.maxReplicas } });
        }
        const pools = await t.kube.json(["get", NODEPOOL]);
        for (const p of pools.items ?? []) {
          const mark = readMark(p);
          if (mark) found.push({ kind: "nodepool", namespace: null, name: p.metadata.name, mark, live: { cpu: String(p.spec?.limits?.cpu ?? "") } });
        }
        const now = t.now();
        const chosen = found.filter((f) => (which === "due" ? Date.parse(f.mark.revertAt) <= now : f.mark.run === which));
        for (const f of found) ctx.log(`${f.kind} ${f.namespace ? `${f.namespace}/` : ""}${f.name}: raised by ${f.mark.run}, revert due ${f.mark.revertAt}${chosen.includes(f) ? "  <- revert" : ""}`);
        if (!chosen.length && which !== "due") throw new Error(`nothing raised by run ${which} is left (already reverted, or redeployed since)`);
        if (!chosen.length) ctx.log("no scale-out is past its deadline");
        return { toRevert: chosen };
      },
    }),
    step("restore the original bounds", {
      destructive: true,
      when: (params) => params.revert !== undefined,
      run: async (t, ctx) => {
        const chosen = /** @type {Raised[]} */ (ctx.data.toRevert ?? []);
        /** @type {string[]} */
        const reverted = [];
        for (const f of chosen) {
          // A deploy since the scale-out set its own values: keep them, only drop the mark.
          const untouched = Object.entries(f.mark.raised).every(([k, v]) => String(f.live[k]) === String(v));
          if (!untouched) ctx.log(`${f.kind} ${f.name}: changed since the scale-out (${JSON.stringify(f.live)}): dropping the mark, keeping the values`);
          const annotations = { [ANNOTATION]: null };
          if (f.kind === "hpa") {
            const patch = untouched ? { metadata: { annotations }, spec: f.mark.original } : { metadata: { annotations } };
            await t.kube.kubectl(["-n", String(f.namespace), "patch", "hpa", f.name, "--type=merge", "-p", JSON.stringify(patch)]);
          } else {
            const patch = untouched ? { metadata: { annotations }, spec: { limits: f.mark.original } } : { metadata: { annotations } };
            await t.kube.kubectl(["patch", NODEPOOL, f.name, "--type=merge", "-p", JSON.stringify(patch)]);
          }
          reverted.push(`${f.kind}/${f.name}`);
        }
        ctx.measurements.reverted = reverted;
        return { reverted };
      },
    }),
  ],
});

/**
 * @param {StepContext} ctx
 * @param {unknown} original
 * @param {unknown} raised
 * @returns {Mark}
 */
function markOf(ctx, original, raised) {
  return { run: ctx.runId, revertAt: String(ctx.data.revertAt), original: /** @type {Record<string, unknown>} */ (original), raised: /** @type {Record<string, unknown>} */ (raised) };
}

/**
 * @param {any} obj
 * @returns {Mark | null}
 */
function readMark(obj) {
  const raw = obj?.metadata?.annotations?.[ANNOTATION];
  if (!raw) return null;
  try {
    const m = JSON.parse(raw);
    return m && typeof m.run === "string" && typeof m.revertAt === "string" ? m : null;
  } catch {
    return null;
  }
}

/**
 * @param {any} obj
 * @param {string} what
 */
function refuseIfMarked(obj, what) {
  const mark = readMark(obj);
  if (mark) throw new Error(`${what} is already scaled out by run ${mark.run} until ${mark.revertAt}: revert it first (--revert ${mark.run})`);
}

/**
 * Kubernetes CPU quantity in cores: "64", "64000m".
 * @param {string} q
 */
export function cpuCores(q) {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q);
  if (!m) return 0;
  return m[2] === "m" ? Number(m[1]) / 1000 : Number(m[1]);
}
