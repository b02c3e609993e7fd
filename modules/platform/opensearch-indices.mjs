/**
 * The log and trace indices in the OpenSearch domain: their names, how long
 * they are kept (ISM policies) and what the writers may do to them
 * (fine-grained access control roles). One source, read by the Fluent Bit
 * construct (`FluentBit.ismPolicy`) and by the runbook that applies them
 * (`runbooks/opensearch-bootstrap.mjs`), so what the code and the docs say
 * cannot drift from what is applied to the domain.
 *
 * Plain JavaScript with JSDoc types: the runbooks run under zx without a
 * TypeScript loader, and the constructs import it like a `.ts` module.
 */

/** Prefix of Fluent Bit's daily log indices (`<prefix>-YYYY.MM.DD`). */
export const LOG_INDEX_PREFIX = "logs-k8s";

/**
 * Jaeger v1's Elasticsearch/OpenSearch indices (no index prefix configured):
 * daily `jaeger-span-YYYY-MM-DD`, `jaeger-service-*`, and the dependency and
 * adaptive-sampling indices.
 */
export const TRACE_INDEX_PATTERNS = /** @type {const} */ (["jaeger-span-*", "jaeger-service-*", "jaeger-dependencies-*", "jaeger-sampling-*"]);

/** The ISM policy id of the trace indices. */
export const TRACE_POLICY_ID = "jaeger-retention";

/** Fine-grained access control roles the writers' IAM roles are mapped to (never all_access). */
export const WRITER_ROLES = /** @type {const} */ ({ logs: "groundwork-logs-writer", traces: "groundwork-traces-writer" });

/**
 * @typedef {{
 *   policy: {
 *     description: string,
 *     default_state: string,
 *     states: Array<{name: string, actions: Array<Record<string, object>>, transitions: Array<{state_name: string, conditions?: {min_index_age: string}}>}>,
 *     ism_template: Array<{index_patterns: string[], priority: number}>,
 *   },
 * }} IsmPolicyBody
 * @typedef {{id: string, indexPatterns: string[], retentionDays: number, body: IsmPolicyBody}} RetentionPolicy
 * @typedef {{
 *   cluster_permissions: string[],
 *   index_permissions: Array<{index_patterns: string[], fls: string[], masked_fields: string[], allowed_actions: string[]}>,
 *   tenant_permissions: string[],
 * }} SecurityRole
 * @typedef {{backend_roles: string[], hosts: string[], users: string[]}} RoleMapping
 */

/**
 * An ISM policy that deletes an index `retentionDays` after its creation and
 * attaches itself to new indices matching `indexPatterns` (`ism_template`).
 * @param {{id: string, what: string, indexPatterns: readonly string[], retentionDays: number}} o
 * @returns {RetentionPolicy}
 */
export function retentionPolicy({ id, what, indexPatterns, retentionDays }) {
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650) {
    throw new Error(`ISM policy ${id}: retentionDays is ${retentionDays}; expected an integer from 1 to 3650`);
  }
  return {
    id,
    indexPatterns: [...indexPatterns],
    retentionDays,
    body: {
      policy: {
        description: `Delete ${what} indices after ${retentionDays} days`,
        default_state: "hot",
        states: [
          { name: "hot", actions: [], transitions: [{ state_name: "delete", conditions: { min_index_age: `${retentionDays}d` } }] },
          { name: "delete", actions: [{ delete: {} }], transitions: [] },
        ],
        ism_template: [{ index_patterns: [...indexPatterns], priority: 100 }],
      },
    },
  };
}

/**
 * Retention of Fluent Bit's log indices: policy `<indexPrefix>-retention` on `<indexPrefix>-*`.
 * @param {number} retentionDays
 * @param {string} [indexPrefix]
 */
export function logRetentionPolicy(retentionDays, indexPrefix = LOG_INDEX_PREFIX) {
  return retentionPolicy({ id: `${indexPrefix}-retention`, what: indexPrefix, indexPatterns: [`${indexPrefix}-*`], retentionDays });
}

/**
 * Retention of Jaeger's span, service, dependency and sampling indices. Jaeger's
 * own `esIndexCleaner` deletes them too; the policy makes OpenSearch enforce the
 * same limit if the cleaner CronJob stops running.
 * @param {number} retentionDays
 */
export function traceRetentionPolicy(retentionDays) {
  return retentionPolicy({ id: TRACE_POLICY_ID, what: "Jaeger", indexPatterns: TRACE_INDEX_PATTERNS, retentionDays });
}

/**
 * Fluent Bit's role: bulk-index into its own daily indices, creating them and
 * their dynamic mappings. No reads, no deletes, no other index.
 * @param {string} [indexPrefix]
 * @returns {SecurityRole}
 */
export function logsWriterRole(indexPrefix = LOG_INDEX_PREFIX) {
  return {
    // `_bulk` is authorised at cluster level first, then per index.
    cluster_permissions: ["indices:data/write/bulk"],
    index_permissions: [
      {
        index_patterns: [`${indexPrefix}-*`],
        fls: [],
        masked_fields: [],
        allowed_actions: ["create_index", "index", "indices:admin/mapping/auto_put"],
      },
    ],
    tenant_permissions: [],
  };
}

/**
 * The Jaeger proxy's role (collector, query and index cleaner sign as the same
 * IAM role): at cluster level bulk writes, multi-get/search and scrolls,
 * index templates and the version check; on the Jaeger indices only: create,
 * write, read and delete whole indices (the cleaner). No alias changes, no reindex.
 * @returns {SecurityRole}
 */
export function tracesWriterRole() {
  return {
    cluster_permissions: ["cluster_monitor", "cluster_composite_ops_ro", "cluster_manage_index_templates", "indices:data/write/bulk"],
    index_permissions: [
      {
        index_patterns: [...TRACE_INDEX_PATTERNS],
        fls: [],
        masked_fields: [],
        allowed_actions: ["create_index", "index", "read", "indices:admin/mapping/auto_put", "indices:admin/delete", "indices:admin/get", "indices_monitor"],
      },
    ],
    tenant_permissions: [],
  };
}

/**
 * Map one IAM role (a backend role under fine-grained access control) and nothing else.
 * @param {string} iamRoleArn
 * @returns {RoleMapping}
 */
export function roleMapping(iamRoleArn) {
  return { backend_roles: [iamRoleArn], hosts: [], users: [] };
}
