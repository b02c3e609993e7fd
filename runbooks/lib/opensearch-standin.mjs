/**
 * A loopback stand-in for the parts of an OpenSearch domain the
 * opensearch-bootstrap runbook uses: the security plugin's `authinfo`,
 * `roles` and `rolesmapping` APIs and the ISM `policies`, `explain`, `add`
 * and `change_policy` APIs, plus index creation (which attaches policies by
 * their `ism_template`, as OpenSearch does). The domain is in private subnets
 * and is not in the sandbox, so `--env local` rehearses against this, and
 * the tests assert every request it records.
 *
 * Responses follow the OpenSearch 2.x documentation (ISM API; security REST
 * API), including what the real service adds to stored objects: a policy's
 * `policy_id`, `last_updated_time`, `schema_version` and each action's default
 * `retry`; a role's `reserved`/`hidden`/`static`. Updating an existing policy
 * needs `if_seq_no` and `if_primary_term` (409 otherwise), and a role mapping
 * needs its role to exist (404 otherwise). It implements nothing else and
 * checks no permissions.
 */
import fs from "node:fs";
import http from "node:http";

/**
 * @typedef {{method: string, path: string, headers: http.IncomingHttpHeaders, body: string}} RecordedRequest
 * @typedef {{seqNo: number, primaryTerm: number, version: number, policy: Record<string, any>}} StoredPolicy
 * @typedef {{policyId: string | null, policy: Record<string, any> | null, policySeqNo: number | null}} StoredIndex
 * @typedef {{
 *   policies: Record<string, StoredPolicy>,
 *   roles: Record<string, Record<string, any>>,
 *   rolesmapping: Record<string, Record<string, any>>,
 *   indices: Record<string, StoredIndex>,
 *   seqNo: number,
 * }} StandInState
 * @typedef {{user_name: string, backend_roles: string[], roles: string[]}} AuthInfo
 * @typedef {{
 *   stateFile?: string,
 *   authinfo?: AuthInfo,
 *   indices?: string[],
 *   fail?: (req: RecordedRequest) => [number, unknown] | null,
 *   now?: () => number,
 * }} StandInOptions
 */

/** Who the stand-in says the caller is: the domain's master user, as fine-grained access control maps it. */
export const STANDIN_MASTER = { user_name: "arn:aws:iam::000000000000:role/groundwork-local-opensearch-master", backend_roles: [], roles: ["all_access", "security_manager"] };

/** ISM's default retry on every action it stores. */
const DEFAULT_RETRY = { count: 3, backoff: "exponential", delay: "1m" };

/** @returns {StandInState} */
function emptyState() {
  return { policies: {}, roles: {}, rolesmapping: {}, indices: {}, seqNo: 0 };
}

/**
 * Start the stand-in on 127.0.0.1 (a free port). With `stateFile`, state is
 * loaded from it and saved after every change, so runs in separate processes
 * see each other's work.
 * @param {StandInOptions} [opts]
 */
export async function startOpenSearchStandIn(opts = {}) {
  /** @type {StandInState} */
  const state = opts.stateFile && fs.existsSync(opts.stateFile) ? JSON.parse(fs.readFileSync(opts.stateFile, "utf8")) : emptyState();
  for (const name of opts.indices ?? []) state.indices[name] ??= { policyId: null, policy: null, policySeqNo: null };
  const now = opts.now ?? (() => Date.now());
  const authinfo = opts.authinfo ?? STANDIN_MASTER;
  /** @type {RecordedRequest[]} */
  const requests = [];
  const save = () => {
    if (opts.stateFile) fs.writeFileSync(opts.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  };

  const server = http.createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const r = { method: String(req.method), path: String(req.url), headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(r);
      let status = 500;
      /** @type {unknown} */
      let json = null;
      try {
        [status, json] = opts.fail?.(r) ?? handle(r);
      } catch (err) {
        [status, json] = [400, { error: { type: "parse_exception", reason: err instanceof Error ? err.message : String(err) }, status: 400 }];
      }
      if (r.method !== "GET" && status < 300) save();
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(json));
    });
  });

  /**
   * @param {RecordedRequest} r
   * @returns {[number, unknown]}
   */
  function handle(r) {
    const url = new URL(r.path, "http://standin");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const body = r.body ? JSON.parse(r.body) : null;
    const route = `${r.method} /${parts.slice(0, 4).join("/")}`;
    if (route === "GET /_plugins/_security/authinfo") return [200, { user: `User [name=${authinfo.user_name}]`, ...authinfo, custom_attribute_names: [], tenants: {}, principal: null }];
    if (parts[0] === "_plugins" && parts[1] === "_security" && parts[2] === "api" && (parts[3] === "roles" || parts[3] === "rolesmapping") && parts.length === 5) {
      return security(r.method, parts[3], parts[4], body);
    }
    if (parts[0] === "_plugins" && parts[1] === "_ism" && parts.length === 4) {
      if (parts[2] === "policies") return policies(r.method, parts[3], body, url.searchParams);
      if (parts[2] === "explain" && r.method === "GET") return explain(parts[3], url.searchParams.get("show_policy") === "true");
      if (parts[2] === "add" && r.method === "POST") return attach(parts[3], String(body?.policy_id), false);
      if (parts[2] === "change_policy" && r.method === "POST") return attach(parts[3], String(body?.policy_id), true);
    }
    if (parts.length === 1 && r.method === "PUT" && !parts[0].startsWith("_")) return createIndex(parts[0]);
    return [404, { error: { type: "no_handler", reason: `no handler for ${r.method} ${url.pathname} in the stand-in` }, status: 404 }];
  }

  /**
   * @param {string} method
   * @param {"roles" | "rolesmapping"} kind
   * @param {string} name
   * @param {any} body
   * @returns {[number, unknown]}
   */
  function security(method, kind, name, body) {
    const store = state[kind];
    const notFound = /** @type {[number, unknown]} */ ([404, { status: "NOT_FOUND", message: `Resource '${name}' not found.` }]);
    if (method === "GET") return store[name] ? [200, { [name]: store[name] }] : notFound;
    if (method === "DELETE") {
      if (!store[name]) return notFound;
      delete store[name];
      return [200, { status: "OK", message: `'${name}' deleted.` }];
    }
    if (method !== "PUT") return [405, { status: "METHOD_NOT_ALLOWED", message: method }];
    if (kind === "rolesmapping" && !state.roles[name]) return [404, { status: "NOT_FOUND", message: `Role '${name}' is not available for role-mapping.` }];
    const existed = Boolean(store[name]);
    store[name] =
      kind === "roles"
        ? {
            reserved: false,
            hidden: false,
            cluster_permissions: body.cluster_permissions ?? [],
            index_permissions: (body.index_permissions ?? []).map((/** @type {any} */ p) => ({ fls: [], masked_fields: [], ...p })),
            tenant_permissions: body.tenant_permissions ?? [],
            static: false,
          }
        : { hosts: body.hosts ?? [], users: body.users ?? [], reserved: false, hidden: false, backend_roles: body.backend_roles ?? [], and_backend_roles: [] };
    return existed ? [200, { status: "OK", message: `'${name}' updated.` }] : [201, { status: "CREATED", message: `'${name}' created.` }];
  }

  /**
   * @param {string} method
   * @param {string} id
   * @param {any} body
   * @param {URLSearchParams} query
   * @returns {[number, unknown]}
   */
  function policies(method, id, body, query) {
    const stored = state.policies[id];
    const missing = /** @type {[number, unknown]} */ ([404, { error: { root_cause: [{ type: "status_exception", reason: "Policy not found" }], type: "status_exception", reason: "Policy not found" }, status: 404 }]);
    const view = (/** @type {StoredPolicy} */ p) => ({ _id: id, _version: p.version, _seq_no: p.seqNo, _primary_term: p.primaryTerm, policy: p.policy });
    if (method === "GET") return stored ? [200, view(stored)] : missing;
    if (method === "DELETE") {
      if (!stored) return missing;
      delete state.policies[id];
      return [200, { _index: ".opendistro-ism-config", _id: id, result: "deleted" }];
    }
    if (method !== "PUT") return [405, { error: method, status: 405 }];
    if (!body?.policy || !Array.isArray(body.policy.states)) return [400, { error: { type: "illegal_argument_exception", reason: "Required [policy] with [states]" }, status: 400 }];
    const ifSeq = query.get("if_seq_no");
    const ifTerm = query.get("if_primary_term");
    if (stored && (ifSeq === null || ifTerm === null)) {
      return [409, { error: { type: "version_conflict_engine_exception", reason: `[${id}]: version conflict, document already exists (current version [${stored.version}])` }, status: 409 }];
    }
    if (!stored && ifSeq !== null) return missing;
    if (stored && (Number(ifSeq) !== stored.seqNo || Number(ifTerm) !== stored.primaryTerm)) {
      return [409, { error: { type: "version_conflict_engine_exception", reason: `[${id}]: version conflict, required seqNo [${ifSeq}], primary term [${ifTerm}]. current document has seqNo [${stored.seqNo}] and primary term [${stored.primaryTerm}]` }, status: 409 }];
    }
    const t = now();
    const p = body.policy;
    /** @type {StoredPolicy} */
    const next = {
      seqNo: state.seqNo++,
      primaryTerm: 1,
      version: (stored?.version ?? 0) + 1,
      policy: {
        policy_id: id,
        description: p.description,
        last_updated_time: t,
        schema_version: 21,
        error_notification: p.error_notification ?? null,
        default_state: p.default_state,
        states: p.states.map((/** @type {any} */ s) => ({ ...s, actions: (s.actions ?? []).map((/** @type {any} */ a) => ({ retry: DEFAULT_RETRY, ...a })), transitions: s.transitions ?? [] })),
        ism_template: (p.ism_template ?? []).map((/** @type {any} */ x) => ({ ...x, last_updated_time: t })),
      },
    };
    state.policies[id] = next;
    return [stored ? 200 : 201, { ...view(next), policy: { policy: next.policy } }];
  }

  /** @param {string} expr comma-separated names or wildcard patterns */
  function matching(expr) {
    const patterns = expr.split(",");
    return Object.keys(state.indices)
      .filter((name) => patterns.some((p) => matchingOne(p, name)))
      .sort();
  }

  /**
   * @param {string} expr
   * @param {boolean} showPolicy
   * @returns {[number, unknown]}
   */
  function explain(expr, showPolicy) {
    /** @type {Record<string, unknown>} */
    const out = {};
    let managed = 0;
    for (const name of matching(expr)) {
      const ix = state.indices[name];
      if (!ix.policyId) {
        out[name] = { "index.plugins.index_state_management.policy_id": null, "index.opendistro.index_state_management.policy_id": null, enabled: null };
        continue;
      }
      managed++;
      out[name] = {
        "index.plugins.index_state_management.policy_id": ix.policyId,
        "index.opendistro.index_state_management.policy_id": ix.policyId,
        index: name,
        policy_id: ix.policyId,
        enabled: true,
        ...(showPolicy ? { policy: ix.policy } : {}),
      };
    }
    return [200, { ...out, total_managed_indices: managed }];
  }

  /**
   * `add` (only indices without a policy) or `change_policy` (only indices with one).
   * @param {string} expr
   * @param {string} policyId
   * @param {boolean} change
   * @returns {[number, unknown]}
   */
  function attach(expr, policyId, change) {
    const p = state.policies[policyId];
    if (!p) return [404, { error: { type: "resource_not_found_exception", reason: `Could not find policy=${policyId}` }, status: 404 }];
    let updated = 0;
    /** @type {Array<{index_name: string, reason: string}>} */
    const failed = [];
    for (const name of matching(expr)) {
      const ix = state.indices[name];
      if (!change && ix.policyId) failed.push({ index_name: name, reason: "This index already has a policy, use the update policy API to update index policies" });
      else if (change && !ix.policyId) failed.push({ index_name: name, reason: "This index does not have a policy" });
      else {
        // OpenSearch applies a change at the index's next ISM run; the stand-in applies it at once.
        state.indices[name] = { policyId, policy: p.policy, policySeqNo: p.seqNo };
        updated++;
      }
    }
    return [200, { updated_indices: updated, failures: failed.length > 0, failed_indices: failed }];
  }

  /**
   * What Fluent Bit or Jaeger does first: create an index. The policy whose
   * `ism_template` matches, highest priority first, manages it.
   * @param {string} name
   * @returns {[number, unknown]}
   */
  function createIndex(name) {
    if (state.indices[name]) return [400, { error: { type: "resource_already_exists_exception", reason: `index [${name}] already exists` }, status: 400 }];
    const candidates = Object.values(state.policies)
      .flatMap((p) => (p.policy.ism_template ?? []).map((/** @type {any} */ tpl) => ({ p, tpl })))
      .filter(({ tpl }) => tpl.index_patterns.some((/** @type {string} */ pat) => matchingOne(pat, name)))
      .sort((a, b) => b.tpl.priority - a.tpl.priority);
    const chosen = candidates[0]?.p;
    state.indices[name] = chosen ? { policyId: chosen.policy.policy_id, policy: chosen.policy, policySeqNo: chosen.seqNo } : { policyId: null, policy: null, policySeqNo: null };
    return [200, { acknowledged: true, shards_acknowledged: true, index: name }];
  }

  /**
   * @param {string} pattern
   * @param {string} name
   */
  function matchingOne(pattern, name) {
    return new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(name);
  }

  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    state,
    /** Stop listening and drop kept-alive connections (fetch keeps them open). */
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      }),
  };
}
