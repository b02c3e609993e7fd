/**
 * The in-cluster write probe of AWS targets. The runbook host has no network
 * path into the VPC, so the probe runs where the services run: a short-lived
 * Kubernetes Job in `groundwork-drills` that writes a sequence number every
 * ~100 ms to the database's (or Redis group's) writer endpoint and logs one
 * JSON line per attempt. After the failover the runbook reads the Job's log,
 * reads back from the new primary which sequence numbers survived (a
 * `kubectl exec` into the probe), and computes RTO and RPO with the same code
 * as the sandbox's probe (../probe.mjs).
 *
 * Credentials never pass through the manifest, argv, journal or logs:
 * - PostgreSQL: the Vault Agent injector renders a libpq service file from
 *   Vault's database secrets engine (role `drill-probe`) into the pod.
 * - Redis: ElastiCache accepts IAM auth only; the runbook host signs a
 *   15-minute IAM auth token and hands it to the cluster as a Secret on
 *   kubectl's stdin, refreshed every 10 minutes while the probe runs.
 * The grants both need are in runbooks/db-failover.md and redis-failover.md.
 */
import crypto from "node:crypto";
import { assertRecovered, computeMeasurement, parseProbeLog, parseSeqRanges } from "../probe.mjs";

/** Namespace of drill workloads; created (and then deleted) by the probe when missing. */
export const DRILL_NAMESPACE = "groundwork-drills";
/** Service account, Vault Kubernetes-auth role and Vault database role of the probe. */
export const PROBE_IDENTITY = "drill-probe";
/** Client images, pinned by version (the same majors as the servers: PostgreSQL 16, Redis 7). */
export const PROBE_IMAGES = { postgres: "postgres:16.4-alpine", redis: "redis:7.2-alpine" };
/** Label on every object a probe creates: the run it belongs to. */
export const RUN_LABEL = "groundwork.io/run";

/**
 * intervalMs: pause between writes. deadlineSeconds: the Job's
 * activeDeadlineSeconds (a forgotten probe stops itself; a failover waits at
 * most 15 min and the standby rebuild 30 min). startTimeoutMs: how long the
 * first acknowledged write may take (image pull, Vault Agent login).
 * tokenRefreshMs: IAM auth tokens live 15 min.
 */
export const PROBE = { intervalMs: 100, deadlineSeconds: 3600, startTimeoutMs: 5 * 60_000, tokenRefreshMs: 10 * 60_000, ttlAfterFinishedSeconds: 600 };

/** Vault Agent settings shared with charts/microservice (modules/vault/constants.ts). */
const VAULT = { authPath: "auth/kubernetes", caIssuer: "vault-ca", databaseMount: "database", namespace: "vault", databaseCaConfigMap: "vault-database-ca" };

/** The probe table; created once by a DBA (runbooks/db-failover.md, "Grants"). */
export const PROBE_TABLE = "groundwork_drills.write_probe";

/**
 * @typedef {import("./aws.mjs").AwsTarget} AwsTarget
 * @typedef {import("../probe.mjs").ProbeMeasurement} ProbeMeasurement
 * @typedef {Record<string, any>} K8sObject
 * @typedef {{host: string, port: number, caPem?: string}} Endpoint
 * @typedef {{
 *   kind: "postgres" | "redis",
 *   what: string,
 *   endpoint: (t: AwsTarget) => Promise<Endpoint>,
 *   redisUser?: string,
 *   authToken?: (t: AwsTarget, endpoint: Endpoint) => Promise<string>,
 * }} ProbeSpec
 */

/** Shell helpers both probe scripts start with: epoch milliseconds (busybox date may lack %N). */
const NOW_MS = `now_ms() { n=$(date +%s%N); case "$n" in *N) echo "$(date +%s)000" ;; *) echo "\${n%??????}" ;; esac; }`;

/**
 * The probe and read-back scripts (mounted from a ConfigMap; no secret in them).
 * @param {"postgres" | "redis"} kind
 */
export function probeScripts(kind) {
  if (kind === "postgres") {
    return {
      "probe.sh": [
        "#!/bin/sh",
        "# One INSERT per attempt through a new connection (as a client reconnecting after the failover); one JSON line per attempt.",
        "set -u",
        NOW_MS,
        "seq=0",
        "while :; do",
        "  seq=$((seq + 1))",
        "  t0=$(now_ms)",
        `  server=$(psql -X -q -t -A -v ON_ERROR_STOP=1 -c "INSERT INTO ${PROBE_TABLE} (run, seq) VALUES ('$PROBE_RUN', $seq) RETURNING host(inet_server_addr())" 2>/dev/null)`,
        "  rc=$?",
        "  t=$(now_ms)",
        '  if [ "$rc" -eq 0 ] && [ -n "$server" ]; then ok=true; else ok=false; server=""; fi',
        `  printf '{"seq":%d,"t0":%s,"t":%s,"ok":%s,"server":"%s"}\\n' "$seq" "$t0" "$t" "$ok" "$server"`,
        '  sleep "$PROBE_INTERVAL"',
        "done",
        "",
      ].join("\n"),
      "readback.sh": [
        "#!/bin/sh",
        "# The sequence numbers the primary holds, as runs of consecutive numbers (`lo hi` per line), then the probe's rows go.",
        "set -eu",
        `psql -X -q -t -A -F ' ' -v ON_ERROR_STOP=1 -c "SELECT min(seq), max(seq) FROM (SELECT seq, seq - row_number() OVER (ORDER BY seq) AS g FROM ${PROBE_TABLE} WHERE run = '$PROBE_RUN') s GROUP BY g ORDER BY 1"`,
        `psql -X -q -v ON_ERROR_STOP=1 -c "DELETE FROM ${PROBE_TABLE} WHERE run = '$PROBE_RUN'" >/dev/null 2>&1 || true`,
        "",
      ].join("\n"),
    };
  }
  const cli = 'REDISCLI_AUTH="$(cat /run/secrets/probe/token)" timeout 2 redis-cli --tls --cacert /etc/ssl/certs/ca-certificates.crt -h "$PROBE_HOST" -p "$PROBE_PORT" --user "$PROBE_USER"';
  return {
    "probe.sh": [
      "#!/bin/sh",
      "# One XADD per attempt through a new connection, with the server's address (CLIENT INFO laddr); one JSON line per attempt.",
      "set -u",
      NOW_MS,
      "seq=0",
      "while :; do",
      "  seq=$((seq + 1))",
      "  t0=$(now_ms)",
      `  out=$(printf 'XADD %s %s-0 t %s\\nCLIENT INFO\\n' "$PROBE_KEY" "$seq" "$t0" | ${cli} 2>/dev/null)`,
      "  t=$(now_ms)",
      `  server=$(printf '%s\\n' "$out" | sed -n 's/.* laddr=\\([^ ]*\\).*/\\1/p')`,
      `  if [ "$(printf '%s\\n' "$out" | head -n 1)" = "$seq-0" ] && [ -n "$server" ]; then ok=true; else ok=false; server=""; fi`,
      `  printf '{"seq":%d,"t0":%s,"t":%s,"ok":%s,"server":"%s"}\\n' "$seq" "$t0" "$t" "$ok" "$server"`,
      '  sleep "$PROBE_INTERVAL"',
      "done",
      "",
    ].join("\n"),
    "readback.sh": [
      "#!/bin/sh",
      "# The sequence numbers the primary's stream holds (`seq seq` per line), then the stream goes.",
      "set -eu",
      `printf 'XRANGE %s - +\\n' "$PROBE_KEY" | ${cli} | awk '/^[0-9]+-0$/ { sub(/-0$/, ""); print $0, $0 }'`,
      `printf 'DEL %s\\n' "$PROBE_KEY" | ${cli} >/dev/null 2>&1 || true`,
      "",
    ].join("\n"),
  };
}

/**
 * Vault Agent injector annotations: log in as `drill-probe`, render a libpq
 * service file from `database/creds/drill-probe` before the probe starts,
 * and exit (no sidecar: a Job's pod must be able to finish).
 * https://developer.hashicorp.com/vault/docs/platform/k8s/injector/annotations
 * @param {Endpoint} db
 * @param {string} vaultCaSecret
 */
export function vaultAnnotations(db, vaultCaSecret) {
  const creds = `${VAULT.databaseMount}/creds/${PROBE_IDENTITY}`;
  const template = [
    `{{- with secret "${creds}" -}}`,
    "[probe]",
    `host=${db.host}`,
    `port=${db.port}`,
    "dbname=groundwork",
    "user={{ .Data.username }}",
    "password={{ .Data.password }}",
    "sslmode=verify-full",
    "sslrootcert=/probe-ca/ca.pem",
    "connect_timeout=2",
    "{{- end }}",
    "",
  ].join("\n");
  return {
    "vault.hashicorp.com/agent-inject": "true",
    "vault.hashicorp.com/agent-pre-populate-only": "true",
    "vault.hashicorp.com/role": PROBE_IDENTITY,
    "vault.hashicorp.com/auth-path": VAULT.authPath,
    "vault.hashicorp.com/tls-secret": vaultCaSecret,
    "vault.hashicorp.com/ca-cert": "/vault/tls/ca.crt",
    "vault.hashicorp.com/agent-run-as-user": "70",
    "vault.hashicorp.com/agent-run-as-group": "70",
    "vault.hashicorp.com/agent-requests-cpu": "25m",
    "vault.hashicorp.com/agent-limits-cpu": "100m",
    "vault.hashicorp.com/agent-requests-mem": "32Mi",
    "vault.hashicorp.com/agent-limits-mem": "64Mi",
    "vault.hashicorp.com/agent-inject-secret-pg_service.conf": creds,
    "vault.hashicorp.com/agent-inject-perms-pg_service.conf": "0400",
    "vault.hashicorp.com/agent-inject-template-pg_service.conf": template,
  };
}

/**
 * Everything a probe applies, as Kubernetes objects: the namespace (when
 * missing), service account, scripts, CA bundles, and the Job last.
 * @param {{kind: "postgres" | "redis", name: string, runId: string, endpoint: Endpoint, createNamespace: boolean, redisUser?: string, intervalMs?: number, deadlineSeconds?: number}} o
 * @returns {{setup: K8sObject[], job: K8sObject, tokenSecret: string | null}}
 */
export function probeManifest(o) {
  const ns = DRILL_NAMESPACE;
  const labels = { "app.kubernetes.io/name": PROBE_IDENTITY, "app.kubernetes.io/managed-by": "groundwork-runbooks", [RUN_LABEL]: o.runId };
  const pg = o.kind === "postgres";
  const scripts = `${o.name}-scripts`;
  const vaultCa = `${o.name}-vault-ca`;
  const dbCa = `${o.name}-database-ca`;
  const tokenSecret = pg ? null : `${o.name}-auth`;
  /** @type {K8sObject[]} */
  const setup = [];
  if (o.createNamespace) {
    setup.push({
      apiVersion: "v1",
      kind: "Namespace",
      // Baseline enforced, restricted warned: the probe itself meets restricted; the injected Vault Agent may not.
      metadata: { name: ns, labels: { ...labels, "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted" } },
    });
  }
  // The Vault role binds this service account in this namespace; it is shared by runs and left in place.
  setup.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: PROBE_IDENTITY, namespace: ns, labels: { "app.kubernetes.io/name": PROBE_IDENTITY } }, automountServiceAccountToken: false });
  setup.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: scripts, namespace: ns, labels }, data: probeScripts(o.kind) });
  if (pg) {
    setup.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: dbCa, namespace: ns, labels }, data: { "ca.pem": o.endpoint.caPem ?? "" } });
    // Vault's CA for the agent, as the chart gets it: a client-auth-only certificate from the ClusterIssuer Vault's CA backs.
    setup.push({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: vaultCa, namespace: ns, labels },
      spec: {
        secretName: vaultCa,
        commonName: `${o.name}.${ns}.vault-ca`,
        duration: "24h",
        renewBefore: "8h",
        usages: ["client auth"],
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: VAULT.caIssuer },
      },
    });
  }
  const uid = pg ? 70 : 999; // the images' own postgres / redis users
  /** @type {Array<{name: string, value: string}>} */
  const env = [
    { name: "PROBE_RUN", value: o.runId },
    { name: "PROBE_INTERVAL", value: String((o.intervalMs ?? PROBE.intervalMs) / 1000) },
    { name: "HOME", value: "/tmp" },
  ];
  if (pg) env.push({ name: "PGSERVICEFILE", value: "/vault/secrets/pg_service.conf" }, { name: "PGSERVICE", value: "probe" }, { name: "PGAPPNAME", value: "groundwork-drill-probe" }, { name: "PGOPTIONS", value: "-c statement_timeout=2000" });
  else env.push({ name: "PROBE_HOST", value: o.endpoint.host }, { name: "PROBE_PORT", value: String(o.endpoint.port) }, { name: "PROBE_USER", value: String(o.redisUser) }, { name: "PROBE_KEY", value: `groundwork:drill-probe:${o.runId}` });
  const mounts = [
    { name: "scripts", mountPath: "/probe", readOnly: true },
    { name: "tmp", mountPath: "/tmp" },
    pg ? { name: "database-ca", mountPath: "/probe-ca", readOnly: true } : { name: "auth", mountPath: "/run/secrets/probe", readOnly: true },
  ];
  const volumes = [
    { name: "scripts", configMap: { name: scripts, defaultMode: 0o444 } },
    { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
    pg ? { name: "database-ca", configMap: { name: dbCa } } : { name: "auth", secret: { secretName: tokenSecret, defaultMode: 0o400 } },
  ];
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: o.name, namespace: ns, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: o.deadlineSeconds ?? PROBE.deadlineSeconds,
      ttlSecondsAfterFinished: PROBE.ttlAfterFinishedSeconds,
      template: {
        metadata: { labels, ...(pg ? { annotations: vaultAnnotations(o.endpoint, vaultCa) } : {}) },
        spec: {
          serviceAccountName: PROBE_IDENTITY,
          // The Vault Agent logs in with the service account token; the Redis probe needs none.
          automountServiceAccountToken: pg,
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 5,
          securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "probe",
              image: pg ? PROBE_IMAGES.postgres : PROBE_IMAGES.redis,
              imagePullPolicy: "IfNotPresent",
              command: ["/bin/sh", "/probe/probe.sh"],
              env,
              resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "250m", memory: "64Mi" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
  return { setup, job, tokenSecret };
}

/**
 * An ElastiCache IAM auth token: a SigV4-presigned `connect` request for the
 * user, valid 15 minutes, without the scheme (what AUTH takes as password).
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html
 * @param {{replicationGroupId: string, userId: string, region: string, now: number, credentials: {accessKeyId: string, secretAccessKey: string, sessionToken?: string}}} o
 */
export function elasticacheAuthToken(o) {
  const host = o.replicationGroupId.toLowerCase();
  const amzDate = new Date(o.now).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${o.region}/elasticache/aws4_request`;
  /** @type {Record<string, string>} */
  const query = {
    Action: "connect",
    User: o.userId,
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `${o.credentials.accessKeyId}/${scope}`,
    "X-Amz-Date": amzDate,
    "X-Amz-Expires": "900",
    "X-Amz-SignedHeaders": "host",
  };
  if (o.credentials.sessionToken) query["X-Amz-Security-Token"] = o.credentials.sessionToken;
  const enc = (/** @type {string} */ v) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${enc(k)}=${enc(query[k])}`)
    .join("&");
  const emptyHash = crypto.createHash("sha256").update("").digest("hex");
  const canonicalRequest = ["GET", "/", canonicalQuery, `host:${host}\n`, "host", emptyHash].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, crypto.createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  const hmac = (/** @type {crypto.BinaryLike} */ key, /** @type {string} */ data) => crypto.createHmac("sha256", key).update(data).digest();
  let key = hmac(`AWS4${o.credentials.secretAccessKey}`, day);
  for (const part of [o.region, "elasticache", "aws4_request"]) key = hmac(key, part);
  const signature = crypto.createHmac("sha256", key).update(toSign).digest("hex");
  return `${host}/?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

/** The write probe as a Kubernetes Job. Implements the engine's RecoveryProbe. */
export class KubeWriteProbe {
  /**
   * @param {AwsTarget} t
   * @param {string} runId
   * @param {ProbeSpec} spec
   */
  constructor(t, runId, spec) {
    this.t = t;
    this.runId = runId;
    this.spec = spec;
    this.name = `${PROBE_IDENTITY}-${spec.kind === "postgres" ? "pg" : "redis"}-${crypto.createHash("sha256").update(runId).digest("hex").slice(0, 10)}`;
    /** @type {number | null} */
    this.faultAt = null;
    this.createdNamespace = false;
    this.applied = false;
    this.started = false;
    /** @type {NodeJS.Timeout | null} */
    this.refresher = null;
    /** @type {Promise<ProbeMeasurement> | null} */
    this.measuring = null;
    /** @type {Endpoint | null} */
    this.endpoint = null;
  }

  /** @param {string[]} args @param {{mutates?: boolean, input?: string, allowFail?: boolean}} [opts] */
  kubectl(args, opts) {
    return this.t.kube.kubectl(args, opts);
  }

  markFault() {
    this.faultAt ??= this.t.now();
  }

  /** Dry run: print the manifest and every command, run none of them. */
  async plan() {
    const endpoint = { host: `<${this.spec.what} writer endpoint>`, port: this.spec.kind === "postgres" ? 5432 : 6379, caPem: "<vault/vault-database-ca ca.pem>" };
    const m = probeManifest({ kind: this.spec.kind, name: this.name, runId: this.runId, endpoint, createNamespace: true, redisUser: this.spec.redisUser });
    const k = [this.t.kube.bin, "--context", this.t.kube.context];
    const ns = ["-n", DRILL_NAMESPACE];
    this.t.log(`would start the write probe: Job ${DRILL_NAMESPACE}/${this.name} (${this.spec.what}), one write every ${PROBE.intervalMs} ms, at most ${PROBE.deadlineSeconds} s`);
    const lines = [`${[...k, "get", "namespace", DRILL_NAMESPACE, "-o", "json"].join(" ")}   (the namespace is created only when missing)`];
    if (this.spec.kind === "postgres") lines.push([...k, "-n", VAULT.namespace, "get", "configmap", VAULT.databaseCaConfigMap, "-o", "json"].join(" "));
    lines.push(`${[...k, "apply", "-f", "-"].join(" ")}   (stdin: the objects below but the Job)`);
    if (m.tokenSecret) lines.push(`${[...k, ...ns, "create", "-f", "-"].join(" ")}   (stdin: Secret ${m.tokenSecret} with an IAM auth token signed here; refreshed every ${PROBE.tokenRefreshMs / 60_000} min with replace -f -)`);
    lines.push(`${[...k, "create", "-f", "-"].join(" ")}   (stdin: the Job)`);
    lines.push(`${[...k, ...ns, "logs", `job/${this.name}`, "-c", "probe", "--tail=-1"].join(" ")}   (until the first acknowledged write, and after the failover)`);
    lines.push([...k, ...ns, "exec", `job/${this.name}`, "-c", "probe", "--", "/bin/sh", "/probe/readback.sh"].join(" "));
    lines.push(...this.cleanupCommands(true).map((a) => [...k, ...a].join(" ")));
    for (const l of lines) this.t.log(`would run: ${l}`);
    this.t.log("manifest:");
    for (const l of JSON.stringify({ apiVersion: "v1", kind: "List", items: [...m.setup, m.job] }, null, 2).split("\n")) this.t.log(`  ${l}`);
  }

  /** Create the Job and wait for its first acknowledged write. */
  async start() {
    const ns = await this.t.kube.kubectl(["get", "namespace", DRILL_NAMESPACE, "-o", "json"], { mutates: false, allowFail: true });
    this.createdNamespace = !ns.trim();
    const endpoint = await this.spec.endpoint(this.t);
    this.endpoint = endpoint;
    const m = probeManifest({ kind: this.spec.kind, name: this.name, runId: this.runId, endpoint, createNamespace: this.createdNamespace, redisUser: this.spec.redisUser });
    this.applied = true; // from here on, cleanup has something to remove
    await this.kubectl(["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: m.setup }) });
    if (m.tokenSecret) {
      await this.putToken(m.tokenSecret, "create");
      const secretName = m.tokenSecret;
      this.refresher = setInterval(() => {
        this.putToken(secretName, "replace").catch((err) => this.t.log(`write probe: token refresh failed: ${err instanceof Error ? err.message : String(err)}`));
      }, PROBE.tokenRefreshMs);
      this.refresher.unref();
    }
    await this.kubectl(["create", "-f", "-"], { input: JSON.stringify(m.job) });
    this.t.log(`write probe: Job ${DRILL_NAMESPACE}/${this.name} writing to ${endpoint.host}:${endpoint.port}`);
    await this.t.poll(
      async () => {
        const log = await this.logs(true);
        return parseProbeLog(log).acks.length > 0;
      },
      { intervalMs: 5_000, timeoutMs: PROBE.startTimeoutMs, what: `the write probe's first acknowledged write (kubectl -n ${DRILL_NAMESPACE} describe job ${this.name})` },
    );
    this.started = true;
  }

  /**
   * The IAM auth token as a Secret, on kubectl's stdin (never in argv or the journal).
   * @param {string} name
   * @param {"create" | "replace"} verb
   */
  async putToken(name, verb) {
    if (!this.spec.authToken || !this.endpoint) throw new Error("write probe: no token source");
    const token = await this.spec.authToken(this.t, this.endpoint);
    this.t.masker.addSecret(token);
    const secret = { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name, namespace: DRILL_NAMESPACE, labels: { [RUN_LABEL]: this.runId } }, stringData: { token } };
    await this.kubectl(["-n", DRILL_NAMESPACE, verb, "-f", "-"], { input: JSON.stringify(secret) });
  }

  /** @param {boolean} [allowFail] */
  logs(allowFail = false) {
    return this.t.kube.kubectl(["-n", DRILL_NAMESPACE, "logs", `job/${this.name}`, "-c", "probe", "--tail=-1"], { mutates: false, allowFail });
  }

  /** Stop, read back and compute RTO and RPO; the Job (and the namespace, when the probe created it) goes in any case. */
  measure() {
    this.measuring ??= this.measureOnce();
    return this.measuring;
  }

  async measureOnce() {
    if (this.refresher) clearInterval(this.refresher);
    try {
      if (!this.started) throw new Error(`write probe: did not start (${this.applied ? "no acknowledged write" : "the Job was never created"}); nothing was measured`);
      const log = parseProbeLog(await this.logs());
      const back = await this.kubectl(["-n", DRILL_NAMESPACE, "exec", `job/${this.name}`, "-c", "probe", "--", "/bin/sh", "/probe/readback.sh"]);
      const present = parseSeqRanges(back);
      const maxSeq = present.size ? Math.max(...present) : null;
      this.t.log(`write probe: ${log.attempts} attempt(s), ${log.acks.length} acknowledged; the primary holds ${present.size} (max seq ${maxSeq ?? "none"})`);
      return assertRecovered(computeMeasurement(log.acks, log.failed, this.faultAt, present));
    } finally {
      await this.cleanup();
    }
  }

  /** @param {boolean} createdNamespace */
  cleanupCommands(createdNamespace) {
    const ns = ["-n", DRILL_NAMESPACE];
    /** @type {string[][]} */
    const cmds = [[...ns, "delete", "job", this.name, "--ignore-not-found", "--cascade=foreground", "--wait=true", "--timeout=120s"]];
    if (createdNamespace) cmds.push(["delete", "namespace", DRILL_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=300s"]);
    else cmds.push([...ns, "delete", "configmaps,secrets,certificates.cert-manager.io", "-l", `${RUN_LABEL}=${this.runId}`, "--ignore-not-found"]);
    return cmds;
  }

  /** Remove what the probe created; failures are logged (the Job also stops itself at its deadline). */
  async cleanup() {
    if (!this.applied) return;
    for (const args of this.cleanupCommands(this.createdNamespace)) {
      try {
        await this.kubectl(args);
      } catch (err) {
        this.t.log(`write probe cleanup: ${err instanceof Error ? err.message : String(err)} (remove it by hand: kubectl ${args.join(" ")})`);
      }
    }
    this.applied = false;
  }
}
