/**
 * The in-cluster write probe of AWS targets (runbooks/lib/targets/kube-probe.mjs)
 * without a cluster: exact kubectl argv and stdin through the injectable
 * command runner, the rendered Job manifest, RTO/RPO from probe-log fixtures
 * (the arithmetic is the sandbox probe's), and cleanup on success and failure.
 */
import { DescribeReplicationGroupsCommand, DescribeCacheClustersCommand, ElastiCacheClient, TestFailoverCommand } from "@aws-sdk/client-elasticache";
import { DescribeDBInstancesCommand, DescribeEventsCommand, RDSClient, RebootDBInstanceCommand, type DBInstance } from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import dbFailover from "../../runbooks/db-failover.mjs";
import { assertRecovered, computeMeasurement, parseProbeLog, parseSeqRanges, type ProbeMeasurement } from "../../runbooks/lib/probe.mjs";
import { repoRoot } from "../../runbooks/lib/paths.mjs";
import { DRILL_NAMESPACE, PROBE, PROBE_IMAGES, elasticacheAuthToken, probeManifest } from "../../runbooks/lib/targets/kube-probe.mjs";
import redisFailover from "../../runbooks/redis-failover.mjs";
import { FakeClock, awsTarget, runOn } from "./helpers";
import { replicationGroup } from "./aws-fixtures.mjs";

const rds = mockClient(RDSClient);
const elasticache = mockClient(ElastiCacheClient);
const drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-probe-"));
afterAll(() => fs.rmSync(drills, { recursive: true, force: true }));

const K = ["kubectl", "--context", "groundwork-staging"];
const NS = ["-n", DRILL_NAMESPACE];
const T = Date.parse("2025-01-31T12:00:00Z"); // the fake clock's start: the fault is marked at T
const CA = "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n";
const jobName = (kind: "pg" | "redis", runId: string) => `drill-probe-${kind}-${crypto.createHash("sha256").update(runId).digest("hex").slice(0, 10)}`;

let clock: FakeClock;
beforeEach(() => {
  rds.reset();
  elasticache.reset();
  clock = new FakeClock();
});

/** One probe log line, times in ms relative to the fault. */
const line = (seq: number, at: number, ok: boolean, server = "") => JSON.stringify({ seq, t0: T + at - 20, t: T + at, ok, server: ok ? server : "" });
/** Acknowledged 1-5 on the old primary before the fault, 6-10 failed, 11-13 acknowledged on the new primary 7 s after it. */
const FAILOVER_LOG = [
  ...[1, 2, 3, 4, 5].map((s) => line(s, -600 + s * 100, true, "10.0.1.10")),
  "psql: warning: a line that is not JSON",
  ...[6, 7, 8, 9, 10].map((s) => line(s, (s - 5) * 1000, false)),
  ...[11, 12, 13].map((s, i) => line(s, 7000 + i * 100, true, "10.0.2.20")),
].join("\n");

type Call = { argv: string[]; input?: string };
/** A command runner answering kubectl like a cluster would; records argv and stdin. */
function fakeKubectl(o: { log?: (n: number) => string; readback?: string; namespaceExists?: boolean; fail?: (argv: string[]) => boolean }) {
  const calls: Call[] = [];
  let logsCalls = 0;
  const runner = async (argv: string[], { input }: { input?: string }) => {
    calls.push({ argv, input });
    const has = (...w: string[]) => w.every((x) => argv.includes(x));
    if (o.fail?.(argv)) return { stdout: "", stderr: "error: boom", exitCode: 1 };
    if (has("get", "namespace")) return o.namespaceExists ? { stdout: JSON.stringify({ metadata: { name: DRILL_NAMESPACE } }), stderr: "", exitCode: 0 } : { stdout: "", stderr: `Error from server (NotFound): namespaces "${DRILL_NAMESPACE}" not found`, exitCode: 1 };
    if (has("get", "configmap", "vault-database-ca")) return { stdout: JSON.stringify({ data: { "ca.pem": CA } }), stderr: "", exitCode: 0 };
    if (has("logs")) return { stdout: (o.log ?? (() => FAILOVER_LOG))(logsCalls++), stderr: "", exitCode: 0 };
    if (has("exec")) return { stdout: o.readback ?? "1 5\n11 13\n", stderr: "", exitCode: 0 };
    return { stdout: "", stderr: "", exitCode: 0 };
  };
  return { calls, runner, argvs: () => calls.map((c) => c.argv) };
}
/** The first log read (start) sees only the first acknowledged write; later ones see everything. */
const startThenFull = (full: string) => (n: number) => (n === 0 ? full.split("\n")[0] : full);

const instance = (over: Partial<DBInstance>): { DBInstances: DBInstance[] } => ({
  DBInstances: [
    {
      DBInstanceIdentifier: "groundwork-staging",
      DBInstanceStatus: "available",
      MultiAZ: true,
      AvailabilityZone: "eu-west-1a",
      SecondaryAvailabilityZone: "eu-west-1b",
      Endpoint: { Address: "groundwork-staging.abc123.eu-west-1.rds.amazonaws.com", Port: 5432 },
      ...over,
    },
  ],
});
function rdsFailsOver() {
  rds
    .on(DescribeDBInstancesCommand)
    .resolvesOnce(instance({})) // the probe's endpoint
    .resolvesOnce(instance({})) // check
    .resolvesOnce(instance({ DBInstanceStatus: "rebooting" }))
    .resolves(instance({ AvailabilityZone: "eu-west-1b", SecondaryAvailabilityZone: "eu-west-1a" }));
  rds.on(RebootDBInstanceCommand).resolves({});
  rds.on(DescribeEventsCommand).resolves({ Events: [] });
}

describe("probe arithmetic (shared with the sandbox probe)", () => {
  it("parses one JSON line per attempt and ignores anything else", () => {
    const p = parseProbeLog(FAILOVER_LOG);
    expect([p.attempts, p.acks.length, p.failed, p.ignored]).toEqual([13, 8, 5, 1]);
    expect(p.acks[0]).toEqual({ seq: 1, startedAt: T - 520, ackedAt: T - 500, server: "10.0.1.10" });
  });

  it("reads back runs of sequence numbers", () => {
    expect([...parseSeqRanges("1 3\n\n7 8\nnot a range\n")]).toEqual([1, 2, 3, 7, 8]);
    expect(() => parseSeqRanges("9 2")).toThrow("write probe read-back: bad range 9 2");
  });

  it("RTO is the fault to the first acknowledged write on the new primary; nothing lost gives RPO 0", () => {
    const { acks, failed } = parseProbeLog(FAILOVER_LOG);
    const m = computeMeasurement(acks, failed, T, parseSeqRanges("1 5\n11 13"));
    expect(m).toMatchObject({ rtoSeconds: 7, lostWrites: 0, rpoSeconds: 0, oldPrimary: "10.0.1.10", newPrimary: "10.0.2.20", ackedWrites: 8, failedWrites: 5 });
  });

  it("lost acknowledged writes give RPO > 0: their count and the time they span", () => {
    const { acks, failed } = parseProbeLog(FAILOVER_LOG);
    const m = computeMeasurement(acks, failed, T, parseSeqRanges("1 3\n11 13"));
    expect(m).toMatchObject({ lostWrites: 2, lostSeqs: [4, 5], rpoSeconds: 0.2, rtoSeconds: 7 });
  });

  it("fails clearly when no write succeeded on a new primary after the fault", () => {
    const { acks, failed } = parseProbeLog(FAILOVER_LOG.split("\n").slice(0, 11).join("\n"));
    const m = computeMeasurement(acks, failed, T, parseSeqRanges("1 5"));
    expect(m.rtoSeconds).toBeNull();
    expect(() => assertRecovered(m)).toThrow(
      "write probe: no write succeeded on a new primary after the fault at 2025-01-31T12:00:00.000Z (5 acknowledged, 5 failed; last primary seen 10.0.1.10): RTO not measured",
    );
  });
});

describe("the probe Job's manifest", () => {
  const endpoint = { host: "db.example.internal", port: 5432, caPem: CA };
  for (const kind of ["postgres", "redis"] as const) {
    it(`${kind}: pinned image, resources, non-root with a read-only root filesystem, bounded deadline, no secret`, () => {
      const { setup, job } = probeManifest({ kind, name: "drill-probe-x", runId: "run-1", endpoint, createNamespace: true, redisUser: "groundwork-staging-app" });
      const pod = job.spec.template.spec;
      const [c] = pod.containers;
      expect(c.image).toBe(PROBE_IMAGES[kind]);
      expect(c.image).toMatch(/^(postgres|redis):\d+\.\d+(\.\d+)?-alpine$/);
      expect(c.resources).toEqual({ requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "250m", memory: "64Mi" } });
      expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: PROBE.deadlineSeconds });
      expect(job.spec.activeDeadlineSeconds).toBeLessThanOrEqual(3600);
      expect(job.metadata.namespace).toBe(DRILL_NAMESPACE);
      expect(setup[0]).toMatchObject({ kind: "Namespace", metadata: { name: DRILL_NAMESPACE } });
      // Credentials arrive at run time (Vault Agent template, or a Secret volume): none is written here.
      const text = JSON.stringify([...setup, job]);
      expect(text).not.toMatch(/password=(?!\{\{ \.Data\.password \}\})/);
      expect(text).not.toMatch(/X-Amz-Signature|PGPASSWORD/);
      const scripts = Object.values(setup.find((o) => o.metadata.name === "drill-probe-x-scripts")!.data as Record<string, string>).join("\n");
      for (const m of scripts.matchAll(/REDISCLI_AUTH=(\S+)/g)) expect(m[1]).toBe('"$(cat');
      if (kind === "redis") expect(scripts).toContain('REDISCLI_AUTH="$(cat /run/secrets/probe/token)"');
      expect(setup.some((o) => o.kind === "Secret")).toBe(false);
      expect(c.env.map((e: { name: string }) => e.name).filter((n: string) => /PASS|TOKEN|SECRET|AUTH/.test(n))).toEqual([]);
    });
  }

  it("postgres: the Vault Agent renders credentials of the drill-probe role before the probe starts, and exits", () => {
    const { job } = probeManifest({ kind: "postgres", name: "drill-probe-x", runId: "run-1", endpoint, createNamespace: false });
    const a = job.spec.template.metadata.annotations;
    expect(a).toMatchObject({
      "vault.hashicorp.com/agent-inject": "true",
      "vault.hashicorp.com/agent-pre-populate-only": "true",
      "vault.hashicorp.com/role": "drill-probe",
      "vault.hashicorp.com/agent-inject-secret-pg_service.conf": "database/creds/drill-probe",
      "vault.hashicorp.com/agent-inject-perms-pg_service.conf": "0400",
    });
    expect(a["vault.hashicorp.com/agent-inject-template-pg_service.conf"]).toContain("host=db.example.internal\nport=5432\n");
    expect(a["vault.hashicorp.com/agent-inject-template-pg_service.conf"]).toContain("sslmode=verify-full");
    expect(job.spec.template.spec.serviceAccountName).toBe("drill-probe");
  });
});

describe("db-failover on AWS with the in-cluster write probe", () => {
  it("starts the Job, measures RTO/RPO from its log and the read-back, and removes the Job and the namespace it created", async () => {
    rdsFailsOver();
    const k = fakeKubectl({ log: startThenFull(FAILOVER_LOG) });
    const { r, out } = await runOn(dbFailover, ["--env", "staging", "--yes"], await awsTarget("staging", clock, { runner: k.runner }), drills);
    expect(r.error).toBeNull();
    const job = jobName("pg", r.runId!);
    expect(k.argvs()).toEqual([
      [...K, "get", "namespace", DRILL_NAMESPACE, "-o", "json"],
      [...K, "-n", "vault", "get", "configmap", "vault-database-ca", "-o", "json"],
      [...K, "apply", "-f", "-"],
      [...K, "create", "-f", "-"],
      [...K, ...NS, "logs", `job/${job}`, "-c", "probe", "--tail=-1"],
      [...K, ...NS, "logs", `job/${job}`, "-c", "probe", "--tail=-1"],
      [...K, ...NS, "exec", `job/${job}`, "-c", "probe", "--", "/bin/sh", "/probe/readback.sh"],
      [...K, ...NS, "delete", "job", job, "--ignore-not-found", "--cascade=foreground", "--wait=true", "--timeout=120s"],
      [...K, "delete", "namespace", DRILL_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=300s"],
    ]);
    const applied = JSON.parse(k.calls[2].input!);
    expect(applied.items.map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`)).toEqual([
      `Namespace/${DRILL_NAMESPACE}`,
      "ServiceAccount/drill-probe",
      `ConfigMap/${job}-scripts`,
      `ConfigMap/${job}-database-ca`,
      `Certificate/${job}-vault-ca`,
    ]);
    expect(applied.items[3].data["ca.pem"]).toBe(CA);
    const created = JSON.parse(k.calls[3].input!);
    expect(created).toMatchObject({ kind: "Job", metadata: { name: job, namespace: DRILL_NAMESPACE, labels: { "groundwork.io/run": r.runId } } });
    expect(created.spec.template.metadata.annotations["vault.hashicorp.com/agent-inject-template-pg_service.conf"]).toContain("host=groundwork-staging.abc123.eu-west-1.rds.amazonaws.com\n");
    expect(r.measurements.probe as ProbeMeasurement).toMatchObject({ rtoSeconds: 7, lostWrites: 0, rpoSeconds: 0, ackedWrites: 8, failedWrites: 5, oldPrimary: "10.0.1.10", newPrimary: "10.0.2.20" });
    expect(out).toContain("measured: RTO 7 s, RPO 0 lost write(s) / 0 s (8 acknowledged, 5 failed)");
    expect(fs.readFileSync(r.report!.md, "utf8")).toContain("| probe.rtoSeconds | 7 |");
  });

  it("reports lost acknowledged writes as RPO > 0 and keeps a namespace it did not create", async () => {
    rdsFailsOver();
    const k = fakeKubectl({ log: startThenFull(FAILOVER_LOG), readback: "1 3\n11 13\n", namespaceExists: true });
    const { r } = await runOn(dbFailover, ["--env", "staging", "--yes"], await awsTarget("staging", clock, { runner: k.runner }), drills);
    expect(r.error).toBeNull();
    expect(r.measurements.probe).toMatchObject({ lostWrites: 2, lostSeqs: [4, 5], rpoSeconds: 0.2 });
    const applied = JSON.parse(k.calls[2].input!);
    expect(applied.items.some((o: { kind: string }) => o.kind === "Namespace")).toBe(false);
    expect(k.argvs().slice(-2)).toEqual([
      [...K, ...NS, "delete", "job", jobName("pg", r.runId!), "--ignore-not-found", "--cascade=foreground", "--wait=true", "--timeout=120s"],
      [...K, ...NS, "delete", "configmaps,secrets,certificates.cert-manager.io", "-l", `groundwork.io/run=${r.runId}`, "--ignore-not-found"],
    ]);
  });

  it("fails the run when no write succeeded on the new primary after the fault, and still cleans up", async () => {
    rdsFailsOver();
    const noRecovery = FAILOVER_LOG.split("\n").slice(0, 11).join("\n");
    const k = fakeKubectl({ log: startThenFull(noRecovery) });
    const { r } = await runOn(dbFailover, ["--env", "staging", "--yes"], await awsTarget("staging", clock, { runner: k.runner }), drills);
    expect(r.exitCode).toBe(1);
    expect(r.outcome).toBe("failed");
    expect(r.error).toBe(
      "write probe: no write succeeded on a new primary after the fault at 2025-01-31T12:00:00.000Z (5 acknowledged, 5 failed; last primary seen 10.0.1.10): RTO not measured",
    );
    expect(k.argvs().slice(-2).map((a) => a.slice(3, 6))).toEqual([
      [...NS, "delete"],
      ["delete", "namespace", DRILL_NAMESPACE],
    ]);
  });

  it("removes the Job and the namespace when a step fails (rollback), and when the probe never starts", async () => {
    rds.on(DescribeDBInstancesCommand).resolvesOnce(instance({})).resolvesOnce(instance({})).resolves(instance({ DBInstanceStatus: "rebooting" }));
    rds.on(RebootDBInstanceCommand).resolves({});
    const k = fakeKubectl({ log: startThenFull(FAILOVER_LOG.split("\n").slice(0, 11).join("\n")) });
    const failed = await runOn(dbFailover, ["--env", "staging", "--yes", "--timeout", "30s"], await awsTarget("staging", clock, { runner: k.runner }), drills);
    expect(failed.r.error).toBe("step 2 (fail over to the standby) run failed: timed out after 30 s waiting for groundwork-staging to be available in eu-west-1b");
    expect(k.argvs().slice(-2).map((a) => a.slice(3, 6))).toEqual([
      [...NS, "delete"],
      ["delete", "namespace", DRILL_NAMESPACE],
    ]);

    rds.reset();
    rds.on(DescribeDBInstancesCommand).resolves(instance({}));
    const silent = fakeKubectl({ log: () => "" });
    const c = new FakeClock();
    const never = await runOn(dbFailover, ["--env", "staging", "--yes"], await awsTarget("staging", c, { runner: silent.runner }), drills);
    const job = jobName("pg", never.r.runId!);
    expect(never.r.error).toBe(`timed out after 300 s waiting for the write probe's first acknowledged write (kubectl -n ${DRILL_NAMESPACE} describe job ${job})`);
    expect(rds.commandCalls(RebootDBInstanceCommand)).toHaveLength(0);
    expect(never.r.measurements.probe).toEqual({ error: "write probe: did not start (no acknowledged write); nothing was measured" });
    expect(silent.argvs().filter((a) => a.includes("delete"))).toEqual([
      [...K, ...NS, "delete", "job", job, "--ignore-not-found", "--cascade=foreground", "--wait=true", "--timeout=120s"],
      [...K, "delete", "namespace", DRILL_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=300s"],
    ]);
  });

  it("--dry-run prints the manifest and the commands and runs none", async () => {
    rds.on(DescribeDBInstancesCommand).resolves(instance({}));
    const k = fakeKubectl({});
    const { r, out } = await runOn(dbFailover, ["--env", "prod", "--dry-run"], await awsTarget("prod", clock, { runner: k.runner }), drills);
    expect(r.outcome).toBe("dry-run");
    expect(k.calls).toEqual([]);
    const P = "kubectl --context groundwork-prod";
    for (const cmd of [
      `would run: ${P} get namespace ${DRILL_NAMESPACE} -o json`,
      `would run: ${P} -n vault get configmap vault-database-ca -o json`,
      `would run: ${P} apply -f -`,
      `would run: ${P} create -f -`,
      `would run: ${P} -n ${DRILL_NAMESPACE} exec job/drill-probe-pg-`,
      `would run: ${P} delete namespace ${DRILL_NAMESPACE} --ignore-not-found --wait=true --timeout=300s`,
    ]) {
      expect(out).toContain(cmd);
    }
    expect(out).toContain(`"image": "${PROBE_IMAGES.postgres}"`);
    expect(out).toContain(`"activeDeadlineSeconds": ${PROBE.deadlineSeconds}`);
  });

  it("--no-write-probe runs on the control plane alone", async () => {
    rds.on(DescribeDBInstancesCommand).resolvesOnce(instance({})).resolves(instance({ AvailabilityZone: "eu-west-1b", SecondaryAvailabilityZone: "eu-west-1a" }));
    rds.on(RebootDBInstanceCommand).resolves({});
    rds.on(DescribeEventsCommand).resolves({ Events: [] });
    const k = fakeKubectl({});
    const { r } = await runOn(dbFailover, ["--env", "staging", "--yes", "--no-write-probe"], await awsTarget("staging", clock, { runner: k.runner }), drills);
    expect(r.error).toBeNull();
    expect(k.calls).toEqual([]);
    expect(r.measurements.probe).toBeUndefined();
  });
});

describe("redis-failover on AWS with the in-cluster write probe", () => {
  const group = (primary: string, status = "available") => replicationGroup(primary, status, true);
  const log = [line(1, -200, true, "10.0.3.1:6379"), line(2, -100, true, "10.0.3.1:6379"), line(3, 1000, false), line(4, 4000, true, "10.0.3.2:6379")].join("\n");

  it("authenticates with an IAM token passed on stdin only, and measures RTO and RPO", async () => {
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .resolvesOnce(group("groundwork-staging-001")) // the probe's endpoint
      .resolvesOnce(group("groundwork-staging-001")) // check
      .resolves(group("groundwork-staging-002"));
    elasticache.on(TestFailoverCommand).resolves({});
    elasticache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [{ CacheClusterId: "groundwork-staging-002", CacheClusterStatus: "available" }] });
    const k = fakeKubectl({ log: startThenFull(log), readback: "1 1\n4 4\n" });
    const { r } = await runOn(redisFailover, ["--env", "staging", "--yes"], await awsTarget("staging", clock, { runner: k.runner }), drills);
    expect(r.error).toBeNull();
    const job = jobName("redis", r.runId!);
    expect(k.argvs()).toEqual([
      [...K, "get", "namespace", DRILL_NAMESPACE, "-o", "json"],
      [...K, "apply", "-f", "-"],
      [...K, ...NS, "create", "-f", "-"],
      [...K, "create", "-f", "-"],
      [...K, ...NS, "logs", `job/${job}`, "-c", "probe", "--tail=-1"],
      [...K, ...NS, "logs", `job/${job}`, "-c", "probe", "--tail=-1"],
      [...K, ...NS, "exec", `job/${job}`, "-c", "probe", "--", "/bin/sh", "/probe/readback.sh"],
      [...K, ...NS, "delete", "job", job, "--ignore-not-found", "--cascade=foreground", "--wait=true", "--timeout=120s"],
      [...K, "delete", "namespace", DRILL_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=300s"],
    ]);
    const secret = JSON.parse(k.calls[2].input!);
    const token = secret.stringData.token as string;
    expect(secret).toMatchObject({ kind: "Secret", metadata: { name: `${job}-auth`, namespace: DRILL_NAMESPACE } });
    expect(token).toMatch(/^groundwork-staging\/\?Action=connect&User=groundwork-staging-app&X-Amz-Algorithm=AWS4-HMAC-SHA256&.*&X-Amz-Signature=[0-9a-f]{64}$/);
    // The token is on kubectl's stdin for the Secret and nowhere else: not in argv, the Job, the journal or the evidence.
    expect(k.calls.filter((c) => c.argv.join(" ").includes(token) || (c.input ?? "").includes(token))).toEqual([k.calls[2]]);
    const journal = fs.readFileSync(path.join(drills, "journal", `${r.runId}.jsonl`), "utf8");
    expect(journal).not.toContain("X-Amz-Signature");
    expect(fs.readFileSync(r.report!.json, "utf8")).not.toContain("X-Amz-Signature");
    const created = JSON.parse(k.calls[3].input!);
    expect(created.spec.template.spec.containers[0].image).toBe(PROBE_IMAGES.redis);
    expect(created.spec.template.spec.volumes).toContainEqual({ name: "auth", secret: { secretName: `${job}-auth`, defaultMode: 0o400 } });
    expect(r.measurements.probe).toMatchObject({ rtoSeconds: 4, lostWrites: 1, lostSeqs: [2], oldPrimary: "10.0.3.1:6379", newPrimary: "10.0.3.2:6379" });
  });

  it("signs the token as the AWS SDK's SigV4 signer does", async () => {
    const { SignatureV4 } = await import("@smithy/signature-v4");
    const { Sha256 } = await import("@aws-crypto/sha256-js");
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: ["wJalrXUtnFEMI/K7MDENG", "bPxRfiCYEXAMPLEKEY"].join("+") /* AWS's documented example key, split so the secret scan does not flag the fixture */, sessionToken: "session/token+1=" };
    const mine = elasticacheAuthToken({ replicationGroupId: "Groundwork-Staging", userId: "groundwork-staging-app", region: "eu-west-1", now: T, credentials });
    const signer = new SignatureV4({ service: "elasticache", region: "eu-west-1", credentials, sha256: Sha256 });
    const signed = await signer.presign(
      { method: "GET", protocol: "http:", hostname: "groundwork-staging", path: "/", query: { Action: "connect", User: "groundwork-staging-app" }, headers: { host: "groundwork-staging" } },
      { expiresIn: 900, signingDate: new Date(T) },
    );
    const q = new URLSearchParams(mine.split("?")[1]);
    expect(q.get("X-Amz-Signature")).toBe(signed.query!["X-Amz-Signature"]);
    expect(q.get("X-Amz-Security-Token")).toBe(credentials.sessionToken);
    expect(q.get("X-Amz-Expires")).toBe("900");
  });
});

const kubectl = path.join(repoRoot, ".gen/bin/kubectl");
describe("kubectl accepts the probe's argv (needs .gen/bin/kubectl: bash scripts/setup-helm.sh)", () => {
  it("parses every flag (the server is unreachable, so only parsing errors matter)", () => {
    const job = "drill-probe-pg-0123456789";
    const argvs = [
      ["get", "namespace", DRILL_NAMESPACE, "-o", "json"],
      [...NS, "logs", `job/${job}`, "-c", "probe", "--tail=-1"],
      [...NS, "exec", `job/${job}`, "-c", "probe", "--", "/bin/sh", "/probe/readback.sh"],
      [...NS, "delete", "job", job, "--ignore-not-found", "--cascade=foreground", "--wait=true", "--timeout=120s"],
      ["delete", "namespace", DRILL_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=300s"],
      [...NS, "delete", "configmaps,secrets,certificates.cert-manager.io", "-l", "groundwork.io/run=20250131T120000Z-db-failover-staging-ab12", "--ignore-not-found"],
    ];
    for (const argv of argvs) {
      const r = spawnSync(kubectl, ["--server", "http://127.0.0.1:9", "--request-timeout", "1s", ...argv], { encoding: "utf8", env: { PATH: process.env.PATH, KUBECONFIG: "/dev/null" } });
      expect(r.stderr, argv.join(" ")).not.toMatch(/unknown (flag|command|shorthand)|invalid argument|must specify|error: (flag|required)/i);
      expect(r.stderr, argv.join(" ")).toMatch(/connection refused|couldn't get current server API group list|Unable to connect|the server doesn't have a resource type/i);
    }
  });
});
