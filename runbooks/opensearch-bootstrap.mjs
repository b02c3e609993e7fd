#!/usr/bin/env zx
// Apply log and trace retention (ISM) to the OpenSearch domain and map the Fluent Bit and Jaeger IAM roles to their writer roles.
import path from "node:path";
import { LOG_INDEX_PREFIX, WRITER_ROLES, logRetentionPolicy, logsWriterRole, roleMapping, traceRetentionPolicy, tracesWriterRole } from "../modules/platform/opensearch-indices.mjs";
import { environmentConfig, loadConfig } from "./lib/config.mjs";
import { OpenSearchApi, apiPath, matches } from "./lib/opensearch.mjs";
import { startOpenSearchStandIn } from "./lib/opensearch-standin.mjs";
import { UsageError } from "./lib/params.mjs";
import { repoRoot } from "./lib/paths.mjs";
import { runbook, step } from "./lib/runbook.mjs";
import { aws, local } from "./lib/targets/index.mjs";

/** Environments whose values `--env local` can rehearse. */
const ENVIRONMENTS = (await loadConfig()).environments.map((e) => e.name);
/** The environment stack's outputs this runbook reads (stacks/environment-stack.ts). */
export const OUTPUTS = /** @type {const} */ ({ endpoint: "opensearch_endpoint", logsRoleArn: "fluent_bit_role_arn", tracesRoleArn: "jaeger_role_arn" });
/** Where the sandbox keeps the stand-in's state between runs. */
export const STANDIN_STATE_FILE = "opensearch-standin.json";

const ISM = "/_plugins/_ism";
const SECURITY = "/_plugins/_security";
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const DOMAIN_ENDPOINT = /^vpc-[a-z0-9-]+\.[a-z0-9-]+\.es\.amazonaws\.com(\.cn)?$/;

/**
 * @typedef {import("./lib/runbook.mjs").StepContext} StepContext
 * @typedef {import("./lib/targets/index.mjs").Target} Target
 * @typedef {"create" | "update" | "none"} Action
 * @typedef {{id: string, action: Action, seqNo: number | null, primaryTerm: number | null}} PolicyPlan
 * @typedef {{id: string, add: string[], change: string[]}} IndexPlan
 * @typedef {{name: string, action: Action, before: Record<string, unknown> | null}} SecurityPlan
 * @typedef {"roles" | "rolesmapping"} SecurityKind
 */

export default runbook({
  id: "opensearch-bootstrap",
  title: "Apply log retention and writer access to the OpenSearch domain",
  summary:
    "Reads the domain endpoint and the Fluent Bit and Jaeger IAM role ARNs from the environment stack's outputs " +
    `(${Object.values(OUTPUTS).join(", ")}: terraform -chdir=cdktf.out/stacks/<env> output -json) and the retention from ` +
    "config (platform.logIndexRetentionDays, platform.traceRetentionDays). With SigV4-signed requests as the domain's " +
    `master role it PUTs the ISM policies ${LOG_INDEX_PREFIX}-retention and jaeger-retention (the bodies FluentBit.ismPolicy ` +
    "is built from, modules/platform/opensearch-indices.mjs), attaches them to existing log and trace indices (new ones " +
    `get them by ism_template), creates the roles ${WRITER_ROLES.logs} and ${WRITER_ROLES.traces} with only what each ` +
    "writer needs, and maps each IAM role to its role as a backend role. Everything is read back. Idempotent: what " +
    "already matches is left alone. --env local rehearses against a loopback stand-in of those APIs.",
  params: {
    stackDir: { type: "string", help: "AWS: synthesized stack directory to read the outputs from (default cdktf.out/stacks/<env>)" },
    rehearse: { type: "enum", values: ENVIRONMENTS, help: "local only: rehearse with this environment's retention and role names (default dev)" },
    endpoint: {
      type: "string",
      pattern: /^http:\/\/(127\.0\.0\.1|localhost):\d{1,5}$/,
      patternHelp: "http://127.0.0.1:<port> of a running stand-in",
      help: "local only: the stand-in to rehearse against (default: one started for the run, state kept in the sandbox directory)",
    },
  },
  validate: (params, env) => {
    if (env === "local") {
      if (params.stackDir !== undefined) throw new UsageError("--stack-dir: AWS environments only; the sandbox has no stack outputs");
      return;
    }
    for (const k of /** @type {const} */ (["rehearse", "endpoint"])) {
      if (params[k] !== undefined) throw new UsageError(`--${k}: --env local only; on ${env} the domain and roles come from the stack outputs`);
    }
  },
  steps: [
    step("resolve the domain, the writers' IAM roles and the retention", {
      check: async (t, ctx) => {
        const plan = t.env === "local" ? await localPlan(t, ctx) : await awsPlan(t, ctx);
        ctx.log(`domain: ${plan.endpoint}${"rehearsing" in plan ? ` (the stand-in, with ${plan.rehearsing}'s values)` : ""}`);
        ctx.log(`logs (${LOG_INDEX_PREFIX}-*): kept ${plan.logRetentionDays} days; Fluent Bit signs as ${plan.logsRoleArn}`);
        ctx.log(`traces (jaeger-*): kept ${plan.traceRetentionDays} days; Jaeger's proxy signs as ${plan.tracesRoleArn}`);
        return plan;
      },
    }),
    step("we are the domain's security admin", {
      check: async (t, ctx) => {
        const os = await api(t, ctx);
        const info = (await os.ok("GET", `${SECURITY}/authinfo`)).json ?? {};
        /** @type {string[]} */
        const roles = info.roles ?? [];
        const who = String(info.user_name ?? "unknown");
        // A master user holds both: all_access for ISM, security_manager for roles and mappings.
        const missing = ["all_access", "security_manager"].filter((r) => !roles.includes(r));
        if (missing.length > 0) {
          const master = t.env === "local" ? "" : ` (config: ${aws(t).config.platform.opensearch.masterRoleArn})`;
          throw new Error(`signed in as ${who} with OpenSearch roles [${roles.join(", ")}]: the ISM and security APIs need all_access and security_manager (missing ${missing.join(", ")}), which the domain's master role has${master}; assume it and run again`);
        }
        ctx.log(`signed in as ${who} (${roles.join(", ")})`);
        return { caller: who };
      },
    }),
    step("the ISM retention policies are as in config", {
      check: async (t, ctx) => ({ policyPlan: await planPolicies(t, ctx) }),
      run: async (t, ctx) => {
        const os = await api(t, ctx);
        const plan = /** @type {PolicyPlan[]} */ (ctx.data.policyPlan);
        for (const p of policies(ctx)) {
          const planned = plan.find((x) => x.id === p.id);
          if (!planned || planned.action === "none") continue;
          const where = apiPath(`${ISM}/policies`, p.id);
          const query = planned.action === "update" ? { if_seq_no: String(planned.seqNo), if_primary_term: String(planned.primaryTerm) } : undefined;
          if (t.would(`PUT ${where}${query ? `?if_seq_no=${query.if_seq_no}&if_primary_term=${query.if_primary_term}` : ""} ${JSON.stringify(p.body)}`, { body: p.body })) continue;
          await os.ok("PUT", where, { query, body: p.body });
        }
        return { policiesChanged: plan.filter((x) => x.action !== "none").map((x) => x.id) };
      },
      verify: async (t, ctx) => {
        const os = await api(t, ctx);
        for (const p of policies(ctx)) {
          const got = (await os.ok("GET", apiPath(`${ISM}/policies`, p.id))).json;
          if (!matches(p.body.policy, got?.policy)) throw new Error(`policy ${p.id} read back differs from what was written: ${JSON.stringify(got?.policy)}`);
        }
        return true;
      },
      // No rollback: retention is never worse than none, and a policy indices already use must not be deleted.
    }),
    step("existing log and trace indices are managed by their policy", {
      // Attaching a policy deletes the indices already older than the retention.
      destructive: true,
      check: async (t, ctx) => ({ indexPlan: await planIndices(t, ctx) }),
      run: async (t, ctx) => {
        const os = await api(t, ctx);
        let attached = 0;
        for (const p of /** @type {IndexPlan[]} */ (ctx.data.indexPlan)) {
          for (const [verb, names] of /** @type {const} */ ([["add", p.add], ["change_policy", p.change]])) {
            if (!names.length) continue;
            const where = apiPath(`${ISM}/${verb}`, names.join(","));
            const body = { policy_id: p.id };
            if (t.would(`POST ${where} ${JSON.stringify(body)}`, { body })) continue;
            const r = (await os.ok("POST", where, { body })).json ?? {};
            if (r.failures) throw new Error(`${verb} ${p.id} failed for ${JSON.stringify(r.failed_indices)}`);
            attached += Number(r.updated_indices ?? 0);
          }
        }
        return { indicesAttached: attached };
      },
      verify: async (t, ctx) => {
        const os = await api(t, ctx);
        for (const p of /** @type {IndexPlan[]} */ (ctx.data.indexPlan)) {
          const names = [...p.add, ...p.change];
          if (!names.length) continue;
          const got = (await os.ok("GET", apiPath(`${ISM}/explain`, names.join(",")))).json ?? {};
          const wrong = names.filter((n) => policyIdOf(got[n]) !== p.id);
          if (wrong.length) throw new Error(`${wrong.join(", ")} not managed by ${p.id} after attaching it`);
        }
        return true;
      },
    }),
    step("the writer roles have exactly their permissions", {
      check: async (t, ctx) => ({ rolePlan: await planSecurity(t, ctx, "roles", writerRoles()) }),
      run: (t, ctx) => applySecurity(t, ctx, "roles", writerRoles(), /** @type {SecurityPlan[]} */ (ctx.data.rolePlan)),
      verify: (t, ctx) => verifySecurity(t, ctx, "roles", writerRoles()),
      rollback: (t, ctx) => rollbackSecurity(t, ctx, "roles", /** @type {SecurityPlan[] | undefined} */ (ctx.data.rolePlan)),
    }),
    step("the Fluent Bit and Jaeger IAM roles are mapped to the writer roles", {
      check: async (t, ctx) => ({ mappingPlan: await planSecurity(t, ctx, "rolesmapping", mappings(ctx)) }),
      run: (t, ctx) => applySecurity(t, ctx, "rolesmapping", mappings(ctx), /** @type {SecurityPlan[]} */ (ctx.data.mappingPlan)),
      verify: (t, ctx) => verifySecurity(t, ctx, "rolesmapping", mappings(ctx)),
      rollback: (t, ctx) => rollbackSecurity(t, ctx, "rolesmapping", /** @type {SecurityPlan[] | undefined} */ (ctx.data.mappingPlan)),
    }),
  ],
});

/**
 * AWS: the domain and the writers' role ARNs from the stack outputs, the retention from config.
 * @param {Target} target
 * @param {StepContext} ctx
 */
async function awsPlan(target, ctx) {
  const t = aws(target);
  const dir = path.resolve(repoRoot, String(ctx.params.stackDir ?? path.join("cdktf.out", "stacks", t.env)));
  const r = await t.exec(["terraform", `-chdir=${dir}`, "output", "-json"], { mutates: false });
  /** @type {Record<string, {value?: unknown}>} */
  let outputs;
  try {
    outputs = JSON.parse(r?.stdout || "{}");
  } catch {
    throw new Error(`terraform output -json in ${dir} is not JSON: run cdktf synth ${t.env} and terraform -chdir=${dir} init first`);
  }
  /** @param {keyof typeof OUTPUTS} key @param {RegExp} shape */
  const output = (key, shape) => {
    const value = outputs[OUTPUTS[key]]?.value;
    if (typeof value !== "string") throw new Error(`the ${t.env} stack has no output ${OUTPUTS[key]} (in ${dir}): deploy it from this repository's version (npx cdktf deploy ${t.env})`);
    if (!shape.test(value)) throw new Error(`output ${OUTPUTS[key]} is ${JSON.stringify(value)}: not ${shape === IAM_ROLE_ARN ? "an IAM role ARN" : "an OpenSearch VPC domain endpoint"}`);
    return value;
  };
  return {
    endpoint: output("endpoint", DOMAIN_ENDPOINT),
    logsRoleArn: output("logsRoleArn", IAM_ROLE_ARN),
    tracesRoleArn: output("tracesRoleArn", IAM_ROLE_ARN),
    logRetentionDays: t.config.platform.logIndexRetentionDays,
    traceRetentionDays: t.config.platform.traceRetentionDays,
  };
}

/**
 * The sandbox: the rehearsed environment's retention, and the role ARNs its
 * stack would output (`<cluster>-fluent-bit`, `<cluster>-jaeger-opensearch`
 * in its account, as modules/platform names them).
 * @param {Target} t
 * @param {StepContext} ctx
 */
async function localPlan(t, ctx) {
  const { env, names } = await environmentConfig(String(ctx.params.rehearse ?? "dev"));
  const os = await api(t, ctx);
  return {
    endpoint: os.endpoint.origin,
    rehearsing: env.name,
    logsRoleArn: `arn:aws:iam::${env.account.id}:role/${names.cluster}-fluent-bit`,
    tracesRoleArn: `arn:aws:iam::${env.account.id}:role/${names.cluster}-jaeger-opensearch`,
    logRetentionDays: env.platform.logIndexRetentionDays,
    traceRetentionDays: env.platform.traceRetentionDays,
  };
}

/** @type {WeakMap<Target, Promise<OpenSearchApi>>} */
const connections = new WeakMap();

/**
 * The client for this run's target: SigV4-signed to the domain on AWS (as
 * the operator's credentials, the SDK's default chain), unsigned to the
 * stand-in locally. Made once per target; a resumed run makes it again.
 * @param {Target} t
 * @param {StepContext} ctx
 */
function api(t, ctx) {
  let c = connections.get(t);
  if (!c) {
    c = connect(t, ctx);
    connections.set(t, c);
  }
  return c;
}

/**
 * @param {Target} target
 * @param {StepContext} ctx
 */
async function connect(target, ctx) {
  if (target.env !== "local") {
    const t = aws(target);
    if (typeof ctx.data.endpoint !== "string") throw new Error("no domain endpoint resolved (step 1)");
    return new OpenSearchApi({
      endpoint: `https://${ctx.data.endpoint}`,
      fetch: t.fetch,
      journal: t.journal,
      signing: { region: t.config.account.region, credentials: () => t.elasticache.config.credentials(), now: () => t.now() },
    });
  }
  if (ctx.params.endpoint !== undefined) return new OpenSearchApi({ endpoint: String(ctx.params.endpoint), journal: target.journal });
  const stateFile = path.join(local(target).dir, STANDIN_STATE_FILE);
  const standIn = await startOpenSearchStandIn({ stateFile });
  const close = target.close;
  target.close = async () => {
    await standIn.close();
    await close?.();
  };
  ctx.log(`rehearsing against the OpenSearch stand-in at ${standIn.url} (state: ${path.relative(process.cwd(), stateFile)})`);
  return new OpenSearchApi({ endpoint: standIn.url, journal: target.journal });
}

/** @param {StepContext} ctx */
function policies(ctx) {
  return [logRetentionPolicy(Number(ctx.data.logRetentionDays)), traceRetentionPolicy(Number(ctx.data.traceRetentionDays))];
}

function writerRoles() {
  return [
    { name: WRITER_ROLES.logs, body: logsWriterRole() },
    { name: WRITER_ROLES.traces, body: tracesWriterRole() },
  ];
}

/** @param {StepContext} ctx */
function mappings(ctx) {
  return [
    { name: WRITER_ROLES.logs, body: roleMapping(String(ctx.data.logsRoleArn)) },
    { name: WRITER_ROLES.traces, body: roleMapping(String(ctx.data.tracesRoleArn)) },
  ];
}

/**
 * @param {Target} t
 * @param {StepContext} ctx
 * @returns {Promise<PolicyPlan[]>}
 */
async function planPolicies(t, ctx) {
  const os = await api(t, ctx);
  /** @type {PolicyPlan[]} */
  const plan = [];
  for (const p of policies(ctx)) {
    const r = await os.ok("GET", apiPath(`${ISM}/policies`, p.id), { allow: [404] });
    if (r.status === 404) {
      ctx.log(`policy ${p.id}: missing; will create it (delete after ${p.retentionDays} days, on ${p.indexPatterns.join(", ")})`);
      plan.push({ id: p.id, action: "create", seqNo: null, primaryTerm: null });
      continue;
    }
    const same = matches(p.body.policy, r.json?.policy);
    ctx.log(`policy ${p.id}: ${same ? `up to date (delete after ${p.retentionDays} days)` : `differs (deletes after ${minIndexAge(r.json?.policy) ?? "?"}, config says ${p.retentionDays}d); will update it`}`);
    plan.push({ id: p.id, action: same ? "none" : "update", seqNo: Number(r.json?._seq_no), primaryTerm: Number(r.json?._primary_term) });
  }
  return plan;
}

/**
 * Indices that exist already: those without a policy get ours (`add`), those
 * on an older version of ours move to the current one (`change_policy`),
 * those another policy manages are left alone.
 * @param {Target} t
 * @param {StepContext} ctx
 * @returns {Promise<IndexPlan[]>}
 */
async function planIndices(t, ctx) {
  const os = await api(t, ctx);
  /** @type {IndexPlan[]} */
  const plan = [];
  for (const p of policies(ctx)) {
    const got = (await os.ok("GET", apiPath(`${ISM}/explain`, p.indexPatterns.join(",")), { query: { show_policy: "true" } })).json ?? {};
    /** @type {IndexPlan} */
    const entry = { id: p.id, add: [], change: [] };
    /** @type {string[]} */
    const others = [];
    for (const [name, e] of Object.entries(got)) {
      if (name === "total_managed_indices" || !e || typeof e !== "object") continue;
      const id = policyIdOf(e);
      if (id === null) entry.add.push(name);
      else if (id !== p.id) others.push(`${name} (${id})`);
      else if (!matches({ default_state: p.body.policy.default_state, states: p.body.policy.states }, e.policy)) entry.change.push(name);
    }
    entry.add.sort();
    entry.change.sort();
    ctx.log(`${p.indexPatterns.join(", ")}: ${entry.add.length} without a policy, ${entry.change.length} on an older ${p.id}${others.length ? `; left alone, managed by another policy: ${others.join(", ")}` : ""}`);
    plan.push(entry);
  }
  return plan;
}

/**
 * @param {any} explained one index of an explain response
 * @returns {string | null}
 */
function policyIdOf(explained) {
  return explained?.["index.plugins.index_state_management.policy_id"] ?? explained?.policy_id ?? null;
}

/** @param {any} policy */
function minIndexAge(policy) {
  for (const s of policy?.states ?? []) for (const tr of s.transitions ?? []) if (tr.conditions?.min_index_age) return String(tr.conditions.min_index_age);
  return null;
}

/**
 * A stored role or mapping without the flags the domain adds, or null.
 * @param {OpenSearchApi} os
 * @param {SecurityKind} kind
 * @param {string} name
 */
async function getSecurity(os, kind, name) {
  const r = await os.ok("GET", apiPath(`${SECURITY}/api/${kind}`, name), { allow: [404] });
  if (r.status === 404) return null;
  const { reserved, hidden: _hidden, static: _static, ...rest } = r.json?.[name] ?? {};
  if (reserved) throw new Error(`${kind}/${name} is reserved on the domain and cannot be changed`);
  return /** @type {Record<string, unknown>} */ (rest);
}

/**
 * @param {Target} t
 * @param {StepContext} ctx
 * @param {SecurityKind} kind
 * @param {Array<{name: string, body: object}>} wanted
 * @returns {Promise<SecurityPlan[]>}
 */
async function planSecurity(t, ctx, kind, wanted) {
  const os = await api(t, ctx);
  /** @type {SecurityPlan[]} */
  const plan = [];
  for (const { name, body } of wanted) {
    const before = await getSecurity(os, kind, name);
    /** @type {Action} */
    const action = before === null ? "create" : matches(body, before) ? "none" : "update";
    ctx.log(`${kind}/${name}: ${action === "none" ? "up to date" : action === "create" ? "missing; will create it" : `differs (${JSON.stringify(before)}); will replace it`}`);
    plan.push({ name, action, before });
  }
  return plan;
}

/**
 * @param {Target} t
 * @param {StepContext} ctx
 * @param {SecurityKind} kind
 * @param {Array<{name: string, body: object}>} wanted
 * @param {SecurityPlan[]} plan
 */
async function applySecurity(t, ctx, kind, wanted, plan) {
  const os = await api(t, ctx);
  /** @type {string[]} */
  const changed = [];
  for (const { name, body } of wanted) {
    if (plan.find((p) => p.name === name)?.action === "none") continue;
    const where = apiPath(`${SECURITY}/api/${kind}`, name);
    changed.push(name);
    if (t.would(`PUT ${where} ${JSON.stringify(body)}`, { body })) continue;
    await os.ok("PUT", where, { body });
  }
  return { [kind === "roles" ? "rolesChanged" : "mappingsChanged"]: changed };
}

/**
 * @param {Target} t
 * @param {StepContext} ctx
 * @param {SecurityKind} kind
 * @param {Array<{name: string, body: object}>} wanted
 */
async function verifySecurity(t, ctx, kind, wanted) {
  const os = await api(t, ctx);
  for (const { name, body } of wanted) {
    const got = await getSecurity(os, kind, name);
    if (!matches(body, got)) throw new Error(`${kind}/${name} read back differs from what was written: ${JSON.stringify(got)}`);
  }
  return true;
}

/**
 * Put back what was there before the run: delete what it created, restore what it replaced.
 * @param {Target} t
 * @param {StepContext} ctx
 * @param {SecurityKind} kind
 * @param {SecurityPlan[] | undefined} plan
 */
async function rollbackSecurity(t, ctx, kind, plan) {
  const os = await api(t, ctx);
  for (const p of [...(plan ?? [])].reverse()) {
    if (p.action === "none") continue;
    const where = apiPath(`${SECURITY}/api/${kind}`, p.name);
    if (p.before === null) {
      if (!t.would(`DELETE ${where}`)) await os.ok("DELETE", where, { allow: [404] });
    } else if (!t.would(`PUT ${where} ${JSON.stringify(p.before)}`, { body: p.before })) {
      await os.ok("PUT", where, { body: p.before });
    }
  }
}
