/**
 * Checks over the delivery pipeline's files (.github/, docker/), written as
 * functions that return findings so that each can be shown to catch a broken
 * input as well as to pass the committed one.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";

export const ROOT = join(import.meta.dirname, "..", "..");

export type Doc = Record<string, unknown>;

export function read(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

/** Files under `dir` (relative to the repository root) whose name ends with one of `exts`. */
export function filesUnder(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(join(ROOT, d))) {
      const rel = join(d, name);
      if (statSync(join(ROOT, rel)).isDirectory()) walk(rel);
      else if (exts.some((e) => name.endsWith(e))) out.push(relative(ROOT, join(ROOT, rel)));
    }
  };
  walk(dir);
  return out.sort();
}

export function workflowFiles(): string[] {
  return filesUnder(".github/workflows", [".yml", ".yaml"]);
}

export function yamlDoc(text: string): Doc {
  return parse(text) as Doc;
}

const isRecord = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);
const asRecord = (v: unknown): Doc => (isRecord(v) ? v : {});

// ---------------------------------------------------------------- actions

const SHA_REF = /^[^@\s]+@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v?\d+\.\d+\.\d+\b/;

/**
 * Every `uses:` of a non-local action must be `owner/repo[/path]@<40 hex>` with
 * a `# vX.Y.Z` comment; a `docker://` image needs a sha256 digest. Findings
 * name the file and line.
 */
export function unpinnedUses(file: string, text: string): string[] {
  const findings: string[] = [];
  text.split("\n").forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(.*)$/.exec(line);
    if (!m) return;
    const [, ref, rest] = m;
    const where = `${file}:${i + 1}: ${line.trim()}`;
    if (ref.startsWith("./")) return;
    if (ref.startsWith("docker://")) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref)) findings.push(`${where} — docker image not pinned by digest`);
      return;
    }
    if (!SHA_REF.test(ref)) findings.push(`${where} — not pinned to a full 40-hex commit SHA`);
    else if (!VERSION_COMMENT.test(rest)) findings.push(`${where} — pinned SHA has no "# vX.Y.Z" comment`);
  });
  return findings;
}

/** `owner/repo@sha` pairs used in a file, for the pin table's cross-check. */
export function pinnedRefs(text: string): { action: string; sha: string }[] {
  return [...text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)(?:\/[^@\s]*)?@([0-9a-f]{40})/g)].map((m) => ({ action: m[1], sha: m[2] }));
}

// ---------------------------------------------------------------- workflows

export function jobsOf(doc: Doc): Record<string, Doc> {
  const jobs = asRecord(doc.jobs);
  return Object.fromEntries(Object.entries(jobs).map(([k, v]) => [k, asRecord(v)]));
}

/** Workflow-level `permissions` and a `permissions` block on every job; never read-all/write-all. */
export function permissionFindings(file: string, doc: Doc): string[] {
  const findings: string[] = [];
  const broad = (p: unknown) => p === "write-all" || p === "read-all";
  if (!("permissions" in doc)) findings.push(`${file}: no workflow-level permissions`);
  else if (broad(doc.permissions)) findings.push(`${file}: workflow permissions are ${String(doc.permissions)}`);
  for (const [id, job] of Object.entries(jobsOf(doc))) {
    if (!("permissions" in job)) findings.push(`${file}: job ${id} has no permissions block`);
    else if (broad(job.permissions)) findings.push(`${file}: job ${id} permissions are ${String(job.permissions)}`);
  }
  return findings;
}

function triggers(doc: Doc): string[] {
  // YAML 1.1 readers turn a bare `on` key into true; yaml 2 keeps "on".
  const on = doc.on ?? (doc as Record<string, unknown>)["true"];
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.map(String);
  return Object.keys(asRecord(on));
}

/** A `pull_request_target` workflow must not check out the pull request's head. */
export function pullRequestTargetFindings(file: string, doc: Doc): string[] {
  if (!triggers(doc).includes("pull_request_target")) return [];
  const findings: string[] = [];
  for (const [id, job] of Object.entries(jobsOf(doc))) {
    for (const step of (job.steps as Doc[] | undefined) ?? []) {
      if (!String(step.uses ?? "").startsWith("actions/checkout@")) continue;
      const ref = String(asRecord(step.with).ref ?? "") + String(asRecord(step.with).repository ?? "");
      if (/pull_request\.head|head_ref|github\.event\.number|refs\/pull\//.test(ref)) {
        findings.push(`${file}: job ${id} checks out the pull request head (${ref}) under pull_request_target`);
      }
    }
  }
  return findings;
}

const LONG_LIVED_KEYS = /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|AWS_SESSION_TOKEN/;

/** No stored AWS keys anywhere: lines that name them. */
export function longLivedKeyFindings(file: string, text: string): string[] {
  return text
    .split("\n")
    .flatMap((line, i) => (LONG_LIVED_KEYS.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

/** Every AWS credentials step assumes a role, in a job that may mint an OIDC token. */
export function oidcFindings(file: string, doc: Doc): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries(jobsOf(doc))) {
    const steps = (job.steps as Doc[] | undefined) ?? [];
    const aws = steps.filter((s) => String(s.uses ?? "").startsWith("aws-actions/configure-aws-credentials@"));
    if (aws.length === 0) continue;
    if (asRecord(job.permissions)["id-token"] !== "write") findings.push(`${file}: job ${id} assumes an AWS role without permissions id-token: write`);
    for (const s of aws) {
      if (!asRecord(s.with)["role-to-assume"]) findings.push(`${file}: job ${id} configures AWS credentials without role-to-assume`);
    }
  }
  return findings;
}

/**
 * deploy.yml: dev → staging → prod, prod on the `production` environment, one
 * serialized, never-cancelled concurrency group per environment, and per
 * environment a rollback job (in `<environment>-rollback`) that runs only when
 * that environment's smoke check failed and redeploys the recorded last good
 * commit.
 */
export function deployGraphFindings(doc: Doc): string[] {
  const f: string[] = [];
  const jobs = jobsOf(doc);
  const needs = (id: string): string[] => {
    const n = jobs[id]?.needs;
    return Array.isArray(n) ? n.map(String) : n === undefined ? [] : [String(n)];
  };
  const envName = (job: Doc | undefined) => {
    const e = job?.environment;
    return typeof e === "string" ? e : String(asRecord(e).name ?? "");
  };
  const chain: [string, string, string | undefined][] = [
    ["deploy-dev", "dev", undefined],
    ["deploy-staging", "staging", "deploy-dev"],
    ["deploy-prod", "production", "deploy-staging"],
  ];
  for (const [id, environment, after] of chain) {
    const job = jobs[id];
    if (!job) {
      f.push(`job ${id} is missing`);
      continue;
    }
    if (after && !needs(id).includes(after)) f.push(`${id} does not need ${after}`);
    if (envName(job) !== environment) f.push(`${id} runs in environment "${envName(job)}"; expected "${environment}"`);
    const conc = asRecord(job.concurrency);
    if (!conc.group) f.push(`${id} has no concurrency group`);
    if (conc["cancel-in-progress"] !== false) f.push(`${id} concurrency must set cancel-in-progress: false`);
    if (!/steps\.smoke\.outputs/.test(String(asRecord(job.outputs).smoke ?? ""))) f.push(`${id} does not expose its smoke result as output "smoke"`);
    const steps = (job.steps as Doc[] | undefined) ?? [];
    if (!steps.some((s) => s.id === "smoke")) f.push(`${id} has no step with id "smoke"`);

    const rollbackId = id.replace("deploy-", "rollback-");
    const rb = jobs[rollbackId];
    if (!rb) {
      f.push(`job ${rollbackId} is missing`);
      continue;
    }
    if (!needs(rollbackId).includes(id)) f.push(`${rollbackId} does not need ${id}`);
    const cond = String(rb.if ?? "");
    if (!cond.includes("failure()") || !new RegExp(`needs\\.${id}\\.outputs\\.smoke\\s*==\\s*'failed'`).test(cond)) {
      f.push(`${rollbackId} must run only on ${id}'s smoke failure; its if is "${cond}"`);
    }
    // Its own environment (main only, no reviewers): a prod rollback must not wait for the deploy's approval.
    if (envName(rb) !== `${environment}-rollback`) f.push(`${rollbackId} runs in environment "${envName(rb)}"; expected "${environment}-rollback"`);
    if (asRecord(rb.concurrency).group !== conc.group) f.push(`${rollbackId} must share ${id}'s concurrency group`);
    const rbSteps = (rb.steps as Doc[] | undefined) ?? [];
    const checksOutGood = rbSteps.some((s) => String(s.uses ?? "").startsWith("actions/checkout@") && /steps\.good\.outputs\.sha/.test(String(asRecord(s.with).ref ?? "")));
    if (!checksOutGood) f.push(`${rollbackId} does not check out the recorded last good commit`);
    const last = rbSteps.at(-1);
    if (!last || !/exit 1/.test(String(last.run ?? "")) || !/always\(\)/.test(String(last.if ?? ""))) {
      f.push(`${rollbackId} must end with an always() step that fails the run`);
    }
  }
  if (!needs("deploy-dev").includes("images")) f.push("deploy-dev does not need images");
  return f;
}

// ---------------------------------------------------------------- Dockerfile

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Instructions of a Dockerfile: comments dropped, continuation lines joined. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    if (buf === "" && (/^\s*#/.test(line) || line.trim() === "")) return;
    if (buf !== "" && /^\s*#/.test(line)) return; // comment inside a continuation
    if (buf === "") start = i + 1;
    if (line.endsWith("\\")) {
      buf += line.slice(0, -1) + " ";
      return;
    }
    buf += line;
    const m = /^\s*(\w+)\s*(.*)$/s.exec(buf);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buf = "";
  });
  return out;
}

export interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

export function stages(instructions: readonly Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      out.push({ image: parts[0], name: /^as$/i.test(parts[1] ?? "") ? parts[2] : undefined, instructions: [] });
    } else out.at(-1)?.instructions.push(ins);
  }
  return out;
}

const SECRET_NAME = /pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|auth/i;
// A package name stands alone: `g++` matches, `gcc-doc` and `libmake` do not.
const pkg = (names: string) => `(?<![\\w.+-])(${names})(?![\\w.+-])`;
const BUILD_TOOLS = [
  new RegExp(`\\bapk\\s+add\\b[^&;|]*${pkg("build-base|gcc|g\\+\\+|make|musl-dev|libc-dev|python3|cmake")}`),
  new RegExp(`\\bapt(-get)?\\s+install\\b[^&;|]*${pkg("build-essential|gcc|g\\+\\+|make|cmake|python3")}`),
  new RegExp(`\\b(yum|dnf|microdnf)\\s+install\\b[^&;|]*${pkg("gcc|gcc-c\\+\\+|make|cmake")}`),
];

/** Whether an image reference is pinned: a digest, or a tag with a version number that is not `latest`. */
export function imagePinned(ref: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
  const tag = /:([^/:@]+)$/.exec(ref)?.[1];
  return tag !== undefined && tag !== "latest" && /\d/.test(tag);
}

export function dockerfileFindings(text: string): string[] {
  const f: string[] = [];
  const all = parseDockerfile(text);
  const st = stages(all);
  if (st.length < 2) f.push(`${st.length} stage(s); expected a multi-stage build (build stage + minimal final stage)`);
  const names = new Set<string>();
  for (const s of st) {
    if (!names.has(s.image) && s.image !== "scratch" && !imagePinned(s.image)) f.push(`base image ${s.image} is not pinned (no version tag or digest, or "latest")`);
    if (s.name) names.add(s.name);
  }
  for (const ins of all) {
    if (ins.keyword !== "ENV" && ins.keyword !== "ARG") continue;
    // `ENV A=1 B=2`, `ENV A 1`, `ARG A`, `ARG A=default`
    const pairs = ins.args.includes("=") ? ins.args.split(/\s+/).map((p) => p.split("=")[0]) : [ins.args.split(/\s+/)[0]];
    for (const name of pairs) {
      if (SECRET_NAME.test(name)) f.push(`line ${ins.line}: ${ins.keyword} ${name} looks like a secret; pass secrets at run time or with RUN --mount=type=secret`);
    }
  }
  const final = st.at(-1);
  if (final) {
    const users = final.instructions.filter((i) => i.keyword === "USER");
    const user = users.at(-1)?.args.split(":")[0];
    if (!user) f.push("final stage has no USER; it would run as root");
    else if (user === "root" || user === "0") f.push(`final stage runs as USER ${user}`);
    const hc = final.instructions.find((i) => i.keyword === "HEALTHCHECK");
    if (!hc || /^NONE\b/i.test(hc.args)) f.push("final stage has no HEALTHCHECK");
    for (const ins of final.instructions.filter((i) => i.keyword === "RUN")) {
      if (BUILD_TOOLS.some((re) => re.test(ins.args))) f.push(`line ${ins.line}: final stage installs build tools: ${ins.args}`);
    }
  }
  return f;
}

// ---------------------------------------------------------------- compose

const REQUIRED_VAR = /^\$\{[A-Z0-9_]+:\?[^}]*\}$/;
const SECRET_ENV = /PASSWORD|TOKEN|SECRET|API_KEY|PRIVATE_KEY|CREDENTIAL/;

/**
 * docker-compose.yml: images pinned (built services come from the template),
 * healthchecks on every service, depends_on with conditions, secrets only as
 * `${VAR:?message}` (no defaults, no literals), ports on loopback only.
 */
export function composeFindings(doc: Doc): string[] {
  const f: string[] = [];
  const services = asRecord(doc.services);
  for (const [name, raw] of Object.entries(services)) {
    const svc = asRecord(raw);
    const build = svc.build;
    if (build !== undefined) {
      if (asRecord(build).dockerfile !== "docker/production/Dockerfile") f.push(`${name}: built from ${String(asRecord(build).dockerfile)}; expected the template docker/production/Dockerfile`);
    } else if (typeof svc.image !== "string") f.push(`${name}: no image`);
    else if (!imagePinned(svc.image)) f.push(`${name}: image ${svc.image} is not pinned to a version`);

    const hc = asRecord(svc.healthcheck);
    if (!hc.test || hc.disable === true) f.push(`${name}: no healthcheck`);

    const deps = svc.depends_on;
    if (Array.isArray(deps)) f.push(`${name}: depends_on is a list; use conditions (service_healthy)`);
    for (const [dep, cond] of Object.entries(asRecord(deps))) {
      const c = asRecord(cond).condition;
      if (c !== "service_healthy" && c !== "service_completed_successfully") f.push(`${name}: depends_on ${dep} has condition ${String(c)}; expected service_healthy`);
    }

    const env = svc.environment;
    const entries: [string, string][] = Array.isArray(env)
      ? env.map((e) => String(e).split(/=(.*)/s).slice(0, 2) as [string, string])
      : Object.entries(asRecord(env)).map(([k, v]) => [k, String(v ?? "")]);
    for (const [key, value] of entries) {
      if (SECRET_ENV.test(key) && !REQUIRED_VAR.test(value)) f.push(`${name}: ${key} must be exactly \${VAR:?message} (required, no default); it is ${JSON.stringify(value)}`);
      const cred = /:\/\/[^/@:\s]*:([^@]*)@/.exec(value);
      if (cred && !REQUIRED_VAR.test(cred[1])) f.push(`${name}: ${key} embeds a credential that is not a required variable: ${JSON.stringify(value)}`);
      if (/\$\{[A-Z0-9_]*(PASSWORD|TOKEN|SECRET)[A-Z0-9_]*:?-/.test(value)) f.push(`${name}: ${key} gives a secret a default value`);
    }

    for (const p of (svc.ports as unknown[] | undefined) ?? []) {
      if (!String(p).startsWith("127.0.0.1:")) f.push(`${name}: port ${String(p)} is not bound to 127.0.0.1`);
    }
  }
  return f;
}
