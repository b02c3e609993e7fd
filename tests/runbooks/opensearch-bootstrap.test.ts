/**
 * opensearch-bootstrap against the loopback OpenSearch stand-in
 * (runbooks/lib/opensearch-standin.mjs): the domain is in private subnets and
 * not in the sandbox. Every request the runbook sends is recorded and
 * asserted: method, path, body, and on AWS the SigV4 signature, checked here
 * with an independent implementation of the documented algorithm.
 */
import { Testing, TerraformStack } from "cdktf";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { FluentBit } from "../../modules/platform/fluent-bit";
import { logRetentionPolicy, traceRetentionPolicy } from "../../modules/platform/opensearch-indices.mjs";
import { startOpenSearchStandIn, type StandInOptions } from "../../runbooks/lib/opensearch-standin.mjs";
import { repoRoot } from "../../runbooks/lib/paths.mjs";
import { execute } from "../../runbooks/lib/runbook.mjs";
import { LocalTarget } from "../../runbooks/lib/targets/local.mjs";
import bootstrap, { STANDIN_STATE_FILE } from "../../runbooks/opensearch-bootstrap.mjs";
import { FakeClock, awsTarget, recordingRunner } from "./helpers";

const drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-opensearch-"));
const sandboxDirs: string[] = [];
afterAll(() => {
  fs.rmSync(drills, { recursive: true, force: true });
  for (const d of sandboxDirs) fs.rmSync(d, { recursive: true, force: true });
});

function sandboxDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "gw-opensearch-sandbox-"));
  sandboxDirs.push(d);
  return d;
}

async function run(argv: string[], target: unknown = new LocalTarget(sandboxDir())) {
  let out = "";
  const r = await execute(bootstrap, argv, { env: { GROUNDWORK_DRILLS_DIR: drills }, out: (s) => (out += s), isTTY: false, target: target as never });
  return { r, out };
}

type StandIn = Awaited<ReturnType<typeof startOpenSearchStandIn>>;
let standIn: StandIn;
async function start(opts: StandInOptions = {}) {
  standIn = await startOpenSearchStandIn(opts);
  return standIn;
}
afterEach(() => standIn?.close());

const calls = () => standIn.requests.map((q) => `${q.method} ${q.path}`);
const bodyOf = (method: string, p: string) => JSON.parse(standIn.requests.find((q) => q.method === method && q.path === p)!.body);
const snapshot = () => JSON.parse(JSON.stringify(standIn.state));

const LOG_POLICY = "/_plugins/_ism/policies/logs-k8s-retention";
const TRACE_POLICY = "/_plugins/_ism/policies/jaeger-retention";
const LOG_EXPLAIN = "/_plugins/_ism/explain/logs-k8s-%2A";
const TRACE_EXPLAIN = "/_plugins/_ism/explain/jaeger-span-%2A%2Cjaeger-service-%2A%2Cjaeger-dependencies-%2A%2Cjaeger-sampling-%2A";
const ROLES = "/_plugins/_security/api/roles";
const MAPPINGS = "/_plugins/_security/api/rolesmapping";
const JAEGER_PATTERNS = ["jaeger-span-*", "jaeger-service-*", "jaeger-dependencies-*", "jaeger-sampling-*"];

/** What staging's config (logs 14 days, traces 7 days) puts on the domain, written out in full. */
const STAGING_LOG_POLICY = {
  policy: {
    description: "Delete logs-k8s indices after 14 days",
    default_state: "hot",
    states: [
      { name: "hot", actions: [], transitions: [{ state_name: "delete", conditions: { min_index_age: "14d" } }] },
      { name: "delete", actions: [{ delete: {} }], transitions: [] },
    ],
    ism_template: [{ index_patterns: ["logs-k8s-*"], priority: 100 }],
  },
};
const STAGING_TRACE_POLICY = {
  policy: {
    description: "Delete Jaeger indices after 7 days",
    default_state: "hot",
    states: [
      { name: "hot", actions: [], transitions: [{ state_name: "delete", conditions: { min_index_age: "7d" } }] },
      { name: "delete", actions: [{ delete: {} }], transitions: [] },
    ],
    ism_template: [{ index_patterns: JAEGER_PATTERNS, priority: 100 }],
  },
};
const LOGS_WRITER = {
  cluster_permissions: ["indices:data/write/bulk"],
  index_permissions: [{ index_patterns: ["logs-k8s-*"], fls: [], masked_fields: [], allowed_actions: ["create_index", "index", "indices:admin/mapping/auto_put"] }],
  tenant_permissions: [],
};
const TRACES_WRITER = {
  cluster_permissions: ["cluster_monitor", "cluster_composite_ops_ro", "cluster_manage_index_templates", "indices:data/write/bulk"],
  index_permissions: [
    {
      index_patterns: JAEGER_PATTERNS,
      fls: [],
      masked_fields: [],
      allowed_actions: ["create_index", "index", "read", "indices:admin/mapping/auto_put", "indices:admin/delete", "indices:admin/get", "indices_monitor"],
    },
  ],
  tenant_permissions: [],
};
const STAGING_FLUENT_BIT = "arn:aws:iam::222222222222:role/groundwork-staging-fluent-bit";
const STAGING_JAEGER = "arn:aws:iam::222222222222:role/groundwork-staging-jaeger-opensearch";

describe("one source for the retention policy", () => {
  it("FluentBit.ismPolicy is the body the runbook PUTs", () => {
    const stack = new TerraformStack(Testing.app(), "retention");
    const fb = new FluentBit(stack, "fluent-bit", { clusterName: "c", opensearchDomainArn: "arn:aws:es:eu-west-1:222222222222:domain/d", opensearchEndpoint: "vpc-d.eu-west-1.es.amazonaws.com", retentionDays: 14 });
    expect(fb.ismPolicy).toEqual(STAGING_LOG_POLICY);
    expect(fb.ismPolicyId).toBe("logs-k8s-retention");
    expect(logRetentionPolicy(14).body).toEqual(STAGING_LOG_POLICY);
    expect(traceRetentionPolicy(7).body).toEqual(STAGING_TRACE_POLICY);
  });
});

describe("opensearch-bootstrap against the stand-in (--env local)", () => {
  const argv = () => ["--rehearse", "staging", "--endpoint", standIn.url, "--yes"];

  it("dry run: reads, prints every write it would make, and changes nothing", async () => {
    await start({ indices: ["logs-k8s-2025.01.30"] });
    const before = snapshot();
    const { r, out } = await run(["--rehearse", "staging", "--endpoint", standIn.url, "--dry-run"]);
    expect(r.error).toBeNull();
    expect(r.outcome).toBe("dry-run");
    expect(r.runId).toBeNull();
    expect(standIn.requests.map((q) => q.method).every((m) => m === "GET")).toBe(true);
    expect(snapshot()).toEqual(before);
    expect(out).toContain(`would PUT ${LOG_POLICY} ${JSON.stringify(STAGING_LOG_POLICY)}`);
    expect(out).toContain(`would PUT ${TRACE_POLICY} ${JSON.stringify(STAGING_TRACE_POLICY)}`);
    expect(out).toContain(`would POST /_plugins/_ism/add/logs-k8s-2025.01.30 {"policy_id":"logs-k8s-retention"}`);
    expect(out).toContain(`would PUT ${ROLES}/groundwork-logs-writer ${JSON.stringify(LOGS_WRITER)}`);
    expect(out).toContain(`would PUT ${MAPPINGS}/groundwork-traces-writer ${JSON.stringify({ backend_roles: [STAGING_JAEGER], hosts: [], users: [] })}`);
    expect(out).toContain("opensearch-bootstrap: dry-run (nothing changed)");
  });

  it("applies the policies, attaches them to existing indices, creates the roles and maps the IAM roles, reading each back", async () => {
    await start({ indices: ["logs-k8s-2025.01.30", "jaeger-span-2025-01-30", "other-2025.01.30"] });
    const { r, out } = await run(argv());
    expect(r.error).toBeNull();
    expect(calls()).toEqual([
      "GET /_plugins/_security/authinfo",
      `GET ${LOG_POLICY}`,
      `GET ${TRACE_POLICY}`,
      `PUT ${LOG_POLICY}`,
      `PUT ${TRACE_POLICY}`,
      `GET ${LOG_POLICY}`,
      `GET ${TRACE_POLICY}`,
      `GET ${LOG_EXPLAIN}?show_policy=true`,
      `GET ${TRACE_EXPLAIN}?show_policy=true`,
      "POST /_plugins/_ism/add/logs-k8s-2025.01.30",
      "POST /_plugins/_ism/add/jaeger-span-2025-01-30",
      "GET /_plugins/_ism/explain/logs-k8s-2025.01.30",
      "GET /_plugins/_ism/explain/jaeger-span-2025-01-30",
      `GET ${ROLES}/groundwork-logs-writer`,
      `GET ${ROLES}/groundwork-traces-writer`,
      `PUT ${ROLES}/groundwork-logs-writer`,
      `PUT ${ROLES}/groundwork-traces-writer`,
      `GET ${ROLES}/groundwork-logs-writer`,
      `GET ${ROLES}/groundwork-traces-writer`,
      `GET ${MAPPINGS}/groundwork-logs-writer`,
      `GET ${MAPPINGS}/groundwork-traces-writer`,
      `PUT ${MAPPINGS}/groundwork-logs-writer`,
      `PUT ${MAPPINGS}/groundwork-traces-writer`,
      `GET ${MAPPINGS}/groundwork-logs-writer`,
      `GET ${MAPPINGS}/groundwork-traces-writer`,
    ]);
    expect(bodyOf("PUT", LOG_POLICY)).toEqual(STAGING_LOG_POLICY);
    expect(bodyOf("PUT", TRACE_POLICY)).toEqual(STAGING_TRACE_POLICY);
    expect(bodyOf("POST", "/_plugins/_ism/add/logs-k8s-2025.01.30")).toEqual({ policy_id: "logs-k8s-retention" });
    expect(bodyOf("POST", "/_plugins/_ism/add/jaeger-span-2025-01-30")).toEqual({ policy_id: "jaeger-retention" });
    expect(bodyOf("PUT", `${ROLES}/groundwork-logs-writer`)).toEqual(LOGS_WRITER);
    expect(bodyOf("PUT", `${ROLES}/groundwork-traces-writer`)).toEqual(TRACES_WRITER);
    expect(bodyOf("PUT", `${MAPPINGS}/groundwork-logs-writer`)).toEqual({ backend_roles: [STAGING_FLUENT_BIT], hosts: [], users: [] });
    expect(bodyOf("PUT", `${MAPPINGS}/groundwork-traces-writer`)).toEqual({ backend_roles: [STAGING_JAEGER], hosts: [], users: [] });
    // Never all_access: only the two writer roles exist, each mapped to exactly one IAM role.
    expect(Object.keys(standIn.state.roles).sort()).toEqual(["groundwork-logs-writer", "groundwork-traces-writer"]);
    expect(standIn.state.indices["other-2025.01.30"].policyId).toBeNull();
    expect(r.data).toMatchObject({ policiesChanged: ["logs-k8s-retention", "jaeger-retention"], indicesAttached: 2, rolesChanged: ["groundwork-logs-writer", "groundwork-traces-writer"] });
    expect(out).toContain("logs (logs-k8s-*): kept 14 days; Fluent Bit signs as arn:aws:iam::222222222222:role/groundwork-staging-fluent-bit");

    // Evidence and journal: every request, no stand-in-independent surprises.
    const journal = fs.readFileSync(path.join(drills, "journal", `${r.runId}.jsonl`), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    expect(journal.filter((e) => e.type === "http").map((e) => `${e.method} ${e.path} ${e.status}`)).toContain(`PUT ${LOG_POLICY} 201`);
    expect(JSON.parse(fs.readFileSync(r.report!.json, "utf8"))).toMatchObject({ runbook: "opensearch-bootstrap", env: "local", outcome: "succeeded" });

    // New indices get the policy by its ism_template, as Fluent Bit and Jaeger create them.
    await fetch(`${standIn.url}/logs-k8s-2025.02.01`, { method: "PUT" });
    await fetch(`${standIn.url}/jaeger-service-2025-02-01`, { method: "PUT" });
    expect(standIn.state.indices["logs-k8s-2025.02.01"].policyId).toBe("logs-k8s-retention");
    expect(standIn.state.indices["jaeger-service-2025-02-01"].policyId).toBe("jaeger-retention");
  });

  it("a second run changes nothing: every request is a GET", async () => {
    await start({ indices: ["logs-k8s-2025.01.30"] });
    expect((await run(argv())).r.error).toBeNull();
    const after = snapshot();
    standIn.requests.length = 0;
    const { r, out } = await run(argv());
    expect(r.error).toBeNull();
    expect(r.outcome).toBe("succeeded");
    expect(standIn.requests.length).toBeGreaterThan(0);
    expect(standIn.requests.filter((q) => q.method !== "GET").map((q) => `${q.method} ${q.path}`)).toEqual([]);
    expect(snapshot()).toEqual(after);
    expect(out).toContain("policy logs-k8s-retention: up to date (delete after 14 days)");
    expect(out).toContain("rolesmapping/groundwork-traces-writer: up to date");
    expect(r.data).toMatchObject({ policiesChanged: [], indicesAttached: 0, rolesChanged: [], mappingsChanged: [] });
  });

  it("a changed retention updates the policy with its sequence number and moves the indices on the old version", async () => {
    await start();
    expect((await run(["--rehearse", "dev", "--endpoint", standIn.url, "--yes"])).r.error).toBeNull();
    await fetch(`${standIn.url}/logs-k8s-2025.01.29`, { method: "PUT" }); // managed by dev's 7-day policy
    const { _seq_no: seqNo } = (await (await fetch(`${standIn.url}${LOG_POLICY}`)).json()) as { _seq_no: number };
    standIn.requests.length = 0;
    const { r, out } = await run(argv());
    expect(r.error).toBeNull();
    expect(out).toContain("policy logs-k8s-retention: differs (deletes after 7d, config says 14d); will update it");
    expect(calls()).toContain(`PUT ${LOG_POLICY}?if_seq_no=${seqNo}&if_primary_term=1`);
    expect(bodyOf("PUT", `${LOG_POLICY}?if_seq_no=${seqNo}&if_primary_term=1`)).toEqual(STAGING_LOG_POLICY);
    expect(bodyOf("POST", "/_plugins/_ism/change_policy/logs-k8s-2025.01.29")).toEqual({ policy_id: "logs-k8s-retention" });
    expect(calls().filter((c) => c.startsWith("POST /_plugins/_ism/add"))).toEqual([]);
    expect(standIn.state.indices["logs-k8s-2025.01.29"].policy!.states[0].transitions[0].conditions.min_index_age).toBe("14d");
    // The mappings follow the rehearsed environment's roles: replaced, not added to.
    expect(standIn.state.rolesmapping["groundwork-logs-writer"].backend_roles).toEqual([STAGING_FLUENT_BIT]);
  });

  it("fails when the caller is not the domain's security admin, before changing anything", async () => {
    await start({ authinfo: { user_name: "arn:aws:iam::222222222222:role/developer", backend_roles: [], roles: ["readall"] } });
    const { r } = await run(argv());
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe(
      "step 2 (we are the domain's security admin) check failed: signed in as arn:aws:iam::222222222222:role/developer with OpenSearch roles [readall]: " +
        "the ISM and security APIs need all_access and security_manager (missing all_access, security_manager), which the domain's master role has; assume it and run again",
    );
    expect(calls()).toEqual(["GET /_plugins/_security/authinfo"]);
  });

  it("fails when the caller has all_access but cannot manage security (not the master user)", async () => {
    await start({ authinfo: { user_name: "arn:aws:iam::222222222222:role/ops", backend_roles: [], roles: ["all_access"] } });
    const { r } = await run(argv());
    expect(r.exitCode).toBe(1);
    expect(r.error).toContain("(missing security_manager)");
    expect(calls()).toEqual(["GET /_plugins/_security/authinfo"]);
  });

  it("rolls the writer roles and mappings back when a mapping cannot be written, keeping the retention", async () => {
    await start({ fail: (q) => (q.method === "PUT" && q.path === `${MAPPINGS}/groundwork-traces-writer` ? [500, { status: "INTERNAL_SERVER_ERROR", message: "boom" }] : null) });
    const { r } = await run(argv());
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe(`step 6 (the Fluent Bit and Jaeger IAM roles are mapped to the writer roles) run failed: PUT ${MAPPINGS}/groundwork-traces-writer answered 500: boom`);
    expect(calls().slice(-4)).toEqual([`DELETE ${MAPPINGS}/groundwork-traces-writer`, `DELETE ${MAPPINGS}/groundwork-logs-writer`, `DELETE ${ROLES}/groundwork-traces-writer`, `DELETE ${ROLES}/groundwork-logs-writer`]);
    expect(standIn.state.roles).toEqual({});
    expect(standIn.state.rolesmapping).toEqual({});
    expect(Object.keys(standIn.state.policies).sort()).toEqual(["jaeger-retention", "logs-k8s-retention"]);
  });

  it("without --endpoint rehearses against a stand-in it starts, keeping its state in the sandbox directory, and stops it", async () => {
    const dir = sandboxDir();
    const first = await run(["--yes"], new LocalTarget(dir));
    expect(first.r.error).toBeNull();
    const url = /stand-in at (http:\/\/127\.0\.0\.1:\d+)/.exec(first.out)![1];
    await expect(fetch(`${url}/_plugins/_security/authinfo`)).rejects.toThrow();
    const state = JSON.parse(fs.readFileSync(path.join(dir, STANDIN_STATE_FILE), "utf8"));
    expect(state.policies["logs-k8s-retention"].policy.states[0].transitions[0].conditions.min_index_age).toBe("7d"); // dev by default
    expect(state.rolesmapping["groundwork-logs-writer"].backend_roles).toEqual(["arn:aws:iam::111111111111:role/groundwork-dev-fluent-bit"]);
    const second = await run(["--yes"], new LocalTarget(dir));
    expect(second.r.data).toMatchObject({ policiesChanged: [], indicesAttached: 0, rolesChanged: [], mappingsChanged: [] });
  });
});

describe("bad input", () => {
  it.each([
    [["--env", "qa"], 'opensearch-bootstrap: --env: got "qa", allowed: one of local, dev, staging, prod'],
    [["--env", "staging", "--endpoint", "http://127.0.0.1:9200"], "opensearch-bootstrap: --endpoint: --env local only; on staging the domain and roles come from the stack outputs"],
    [["--env", "prod", "--rehearse", "dev"], "opensearch-bootstrap: --rehearse: --env local only; on prod the domain and roles come from the stack outputs"],
    [["--stack-dir", "cdktf.out/stacks/dev"], "opensearch-bootstrap: --stack-dir: AWS environments only; the sandbox has no stack outputs"],
    [["--endpoint", "https://search.example.com"], 'opensearch-bootstrap: --endpoint: got "https://search.example.com", allowed: http://127.0.0.1:<port> of a running stand-in'],
    [["--rehearse", "qa"], 'opensearch-bootstrap: --rehearse: got "qa", allowed: one of dev, staging, prod'],
  ])("fails with one line and exit code 2: %j", async (args, message) => {
    await start();
    const { r, out } = await run([...args, "--yes"]);
    expect(r.exitCode).toBe(2);
    expect(out.trim()).toBe(message);
    expect(standIn.requests).toEqual([]);
  });
});

describe("opensearch-bootstrap on AWS (staging)", () => {
  const ENDPOINT = "vpc-groundwork-staging-logs-abc123def.eu-west-1.es.amazonaws.com";
  const outputs = (omit?: string) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries({ opensearch_endpoint: ENDPOINT, fluent_bit_role_arn: STAGING_FLUENT_BIT, jaeger_role_arn: STAGING_JAEGER, region: "eu-west-1" })
          .filter(([k]) => k !== omit)
          .map(([k, value]) => [k, { sensitive: false, type: "string", value }]),
      ),
    );
  let clock: FakeClock;
  let sent: Array<{ url: URL; method: string; headers: Record<string, string>; body: string }>;
  beforeEach(() => {
    clock = new FakeClock();
    sent = [];
  });

  /** The domain as fetch sees it: record what the runbook sends to https://<endpoint>, answer from the stand-in. */
  const domainFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const headers = { ...(init?.headers as Record<string, string>) };
    sent.push({ url, method: String(init?.method), headers, body: String(init?.body ?? "") });
    return fetch(`${standIn.url}${url.pathname}${url.search}`, { method: init?.method, headers, body: init?.body });
  };

  async function target(omit?: string) {
    const k = recordingRunner([[(a) => a[0] === "terraform", () => ({ stdout: outputs(omit) })]]);
    const t = await awsTarget("staging", clock, { runner: k.runner, fetch: domainFetch });
    return { t, k };
  }

  it("reads the stack outputs, signs every request with SigV4 as the operator, and maps the output ARNs", async () => {
    await start();
    const { t, k } = await target();
    const { r } = await run(["--env", "staging", "--yes"], t);
    expect(r.error).toBeNull();
    expect(k.calls).toEqual([["terraform", `-chdir=${path.join(repoRoot, "cdktf.out/stacks/staging")}`, "output", "-json"]]);
    expect(sent.length).toBe(standIn.requests.length);
    for (const q of sent) {
      expect(q.url.origin).toBe(`https://${ENDPOINT}`);
      expect(q.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/20250131\/eu-west-1\/es\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
      expect(signedHeaders(q.headers)).toEqual(expect.arrayContaining(["host", "x-amz-content-sha256", "x-amz-date"]));
      expect(q.headers["x-amz-date"]).toBe("20250131T120000Z");
      expect(q.headers["x-amz-content-sha256"]).toBe(sha256(q.body));
      expect(q.headers.authorization, `${q.method} ${q.url.pathname}`).toBe(expectedAuthorization(q, { accessKeyId: "test", secretAccessKey: "test" }, "eu-west-1"));
    }
    expect(bodyOf("PUT", `${MAPPINGS}/groundwork-logs-writer`)).toEqual({ backend_roles: [STAGING_FLUENT_BIT], hosts: [], users: [] });
    expect(bodyOf("PUT", `${MAPPINGS}/groundwork-traces-writer`)).toEqual({ backend_roles: [STAGING_JAEGER], hosts: [], users: [] });
    expect(bodyOf("PUT", LOG_POLICY)).toEqual(STAGING_LOG_POLICY);
    const journal = fs.readFileSync(path.join(drills, "journal", `${r.runId}.jsonl`), "utf8");
    expect(journal).not.toContain("Signature=");
    expect(journal).not.toMatch(/authorization/i);
  });

  it("fails when the stack has no writer role output, before any request to the domain", async () => {
    await start();
    const { t } = await target("jaeger_role_arn");
    const { r } = await run(["--env", "staging", "--yes"], t);
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe(
      `step 1 (resolve the domain, the writers' IAM roles and the retention) check failed: the staging stack has no output jaeger_role_arn (in ${path.join(repoRoot, "cdktf.out/stacks/staging")}): deploy it from this repository's version (npx cdktf deploy staging)`,
    );
    expect(sent).toEqual([]);
  });

  it("names the master role from config when the caller lacks it", async () => {
    await start({ authinfo: { user_name: "arn:aws:iam::222222222222:role/developer", backend_roles: ["arn:aws:iam::222222222222:role/developer"], roles: ["readall"] } });
    const { t } = await target();
    const { r } = await run(["--env", "staging", "--yes"], t);
    expect(r.error).toContain("(config: arn:aws:iam::222222222222:role/platform-admin)");
    expect(sent.map((q) => `${q.method} ${q.url.pathname}`)).toEqual(["GET /_plugins/_security/authinfo"]);
  });
});

function sha256(text: string) {
  return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

function signedHeaders(headers: Record<string, string>) {
  return /SignedHeaders=([^,]+)/.exec(headers.authorization)![1].split(";");
}

/**
 * SigV4 as the AWS documentation describes it (Create a signed AWS API
 * request), written independently of the SDK: the path as sent, each segment
 * URI-encoded once more (every service but S3); sorted query; the signed
 * headers with Host from the URL.
 */
function expectedAuthorization(q: { url: URL; method: string; headers: Record<string, string>; body: string }, creds: { accessKeyId: string; secretAccessKey: string }, region: string) {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalUri = q.url.pathname.split("/").map(enc).join("/");
  const canonicalQuery = [...q.url.searchParams.entries()]
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .sort()
    .join("&");
  const names = signedHeaders(q.headers);
  const value = (n: string) => (n === "host" ? q.url.host : q.headers[n]);
  const canonicalHeaders = names.map((n) => `${n}:${value(n).trim()}\n`).join("");
  const canonicalRequest = [q.method, canonicalUri, canonicalQuery, canonicalHeaders, names.join(";"), sha256(q.body)].join("\n");
  const amzDate = q.headers["x-amz-date"];
  const scope = `${amzDate.slice(0, 8)}/${region}/es/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac("sha256", key).update(data).digest();
  let key = hmac(`AWS4${creds.secretAccessKey}`, amzDate.slice(0, 8));
  for (const part of [region, "es", "aws4_request"]) key = hmac(key, part);
  const signature = crypto.createHmac("sha256", key).update(toSign).digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
}
