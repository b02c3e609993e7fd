#!/usr/bin/env zx
// Stop a bad release of one service: abort its Argo Rollout (back to the stable version) or undo to an earlier revision.
import { loadServices } from "./lib/config.mjs";
import { UsageError } from "./lib/params.mjs";
import { runbook, step } from "./lib/runbook.mjs";
import { POLL } from "./lib/targets/aws.mjs";

const SERVICES = (await loadServices()).map((s) => s.name);
/** Argo Rollouts labels each ReplicaSet's pods with this; an undo must not copy it into the Rollout's template. */
const HASH_LABEL = "rollouts-pod-template-hash";
const REVISION = "rollout.argoproj.io/revision";

/**
 * @typedef {import("./lib/runbook.mjs").StepContext} StepContext
 * @typedef {{metadata?: {annotations?: Record<string, string>}, spec?: {replicas?: number, template?: any}, status?: {phase?: string, message?: string, abort?: boolean, currentPodHash?: string, stableRS?: string, availableReplicas?: number}}} Rollout
 */

export default runbook({
  id: "service-rollback",
  title: "Roll back a service's release",
  summary:
    "Reads the service's Argo Rollout (namespace and name are the service's). --action abort (default) stops a " +
    "rollout in progress and sends all traffic back to the stable version; --action undo rolls the Rollout's pod " +
    "template back to the previous revision (or --to-revision). Uses the kubectl argo rollouts plugin when installed, " +
    "else the same change with plain kubectl patch. Waits until the Rollout reports the result.",
  environments: ["dev", "staging", "prod"],
  environmentsWhy: "the sandbox has no Kubernetes cluster",
  params: {
    service: { type: "enum", values: SERVICES, required: true, help: "the service to roll back (config/services.ts)" },
    action: { type: "enum", values: ["abort", "undo"], default: "abort", help: "abort the rollout in progress, or undo to an earlier revision" },
    toRevision: { type: "int", min: 1, help: "undo only: the revision to go back to (default: the one before the current)" },
    timeout: { type: "duration", default: "10m", help: "how long to wait for the Rollout to settle" },
  },
  validate: (params) => {
    if (params.toRevision !== undefined && params.action !== "undo") throw new UsageError(`--to-revision: only with --action undo (got --action ${params.action})`);
  },
  steps: [
    step("read the Rollout and its revisions", {
      check: async (t, ctx) => {
        const svc = String(ctx.params.service);
        /** @type {Rollout} */
        const ro = await t.kube.json(["-n", svc, "get", "rollout", svc]);
        const st = ro.status ?? {};
        const revision = Number(ro.metadata?.annotations?.[REVISION] ?? 0);
        const inFlight = Boolean(st.currentPodHash && st.stableRS && st.currentPodHash !== st.stableRS);
        const plugin = await t.kube.hasArgoPlugin();
        ctx.log(`${svc}: revision ${revision}, phase ${st.phase ?? "unknown"}${st.message ? ` (${st.message})` : ""}, ${inFlight ? "a new version is rolling out" : "stable"}; ${plugin ? "kubectl argo rollouts plugin found" : "no argo rollouts plugin: plain kubectl patch"}`);
        /** @type {Record<string, unknown>} */
        const data = { revision, phase: st.phase ?? null, plugin };
        if (ctx.params.action === "abort") {
          if (!inFlight) throw new Error(`nothing to abort: ${svc} is stable at revision ${revision}; use --action undo to go back to an earlier revision`);
          return data;
        }
        const revisions = await replicaSetRevisions(t, svc);
        const target = ctx.params.toRevision !== undefined ? Number(ctx.params.toRevision) : Math.max(0, ...revisions.filter((r) => r < revision));
        if (target === revision) throw new Error(`--to-revision ${target} is the current revision`);
        if (!revisions.includes(target)) throw new Error(`${svc} has no revision ${target || "before " + revision} to go back to (kept: ${revisions.join(", ") || "none"})`);
        return { ...data, targetRevision: target };
      },
    }),
    step("abort the rollout (traffic back to the stable version)", {
      destructive: true,
      when: (params) => params.action === "abort",
      run: async (t, ctx) => {
        const svc = String(ctx.params.service);
        if (ctx.data.plugin) await t.kube.plugin(["argo", "rollouts", "abort", svc, "-n", svc]);
        // What the plugin does: set status.abort through the status subresource.
        else await t.kube.kubectl(["-n", svc, "patch", "rollout", svc, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { abort: true } })]);
        return { aborted: true };
      },
      verify: (t, ctx) =>
        settle(t, ctx, "aborted with the stable version fully available", (ro) => ro.status?.abort === true && (ro.status?.availableReplicas ?? 0) >= (ro.spec?.replicas ?? 1)),
    }),
    step("undo to the earlier revision", {
      destructive: true,
      when: (params) => params.action === "undo",
      run: async (t, ctx) => {
        const svc = String(ctx.params.service);
        const target = Number(ctx.data.targetRevision);
        if (ctx.data.plugin) {
          await t.kube.plugin(["argo", "rollouts", "undo", svc, "-n", svc, "--to-revision", String(target)]);
        } else {
          // What the plugin does: copy the pod template of that revision's ReplicaSet into the Rollout.
          const rs = (await replicaSets(t, svc)).find((r) => Number(r.metadata?.annotations?.[REVISION]) === target);
          if (!rs) throw new Error(`no ReplicaSet of ${svc} at revision ${target}`);
          const template = structuredClone(rs.spec.template);
          delete template.metadata?.labels?.[HASH_LABEL];
          await t.kube.kubectl(["-n", svc, "patch", "rollout", svc, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/template", value: template }])]);
        }
        return { undoneTo: target };
      },
      verify: (t, ctx) =>
        settle(t, ctx, "Healthy on the restored version", (ro) => ro.status?.phase === "Healthy" && Boolean(ro.status?.stableRS) && ro.status?.currentPodHash === ro.status?.stableRS),
    }),
    step("record the follow-up", {
      run: (t, ctx) => {
        ctx.log(`the ${t.env} stack still deploys the bad version: revert it in git and promote, or the next deploy brings it back`);
        return {};
      },
    }),
  ],
});

/**
 * @param {any} t
 * @param {string} svc
 * @returns {Promise<any[]>}
 */
async function replicaSets(t, svc) {
  const list = await t.kube.json(["-n", svc, "get", "replicasets", "-l", `app.kubernetes.io/name=${svc}`]);
  return list.items ?? [];
}

/**
 * Revisions kept as ReplicaSets, ascending.
 * @param {any} t
 * @param {string} svc
 */
async function replicaSetRevisions(t, svc) {
  return (await replicaSets(t, svc))
    .map((r) => Number(r.metadata?.annotations?.[REVISION]))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b);
}

/**
 * Poll the Rollout until `done`.
 * @param {any} t
 * @param {StepContext} ctx
 * @param {string} what
 * @param {(ro: Rollout) => boolean} done
 */
async function settle(t, ctx, what, done) {
  const svc = String(ctx.params.service);
  /** @type {Rollout} */
  const ro = await t.poll(
    async () => {
      /** @type {Rollout} */
      const r = await t.kube.json(["-n", svc, "get", "rollout", svc]);
      return done(r) ? r : null;
    },
    { intervalMs: POLL.job, timeoutMs: Number(ctx.params.timeout) * 1000, what: `${svc} to be ${what}` },
  );
  ctx.log(`${svc}: ${ro.status?.phase ?? ""}${ro.status?.message ? ` (${ro.status.message})` : ""}, revision ${ro.metadata?.annotations?.[REVISION] ?? "?"}`);
  return true;
}
