/**
 * AWS targets with a mocked SDK: the exact commands and parameters, the
 * polling and the timeouts. A fake clock and sleep make waiting instant.
 */
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, TestFailoverCommand } from "@aws-sdk/client-elasticache";
import {
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeEventsCommand,
  RDSClient,
  RebootDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type DBInstance,
} from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import dbBackupVerify from "../../runbooks/db-backup-verify.mjs";
import dbFailover from "../../runbooks/db-failover.mjs";
import dbRestore from "../../runbooks/db-restore.mjs";
import drDrill, { judge } from "../../runbooks/dr-drill.mjs";
import { environmentConfig } from "../../runbooks/lib/config.mjs";
import { repoRoot } from "../../runbooks/lib/paths.mjs";
import { execute, type Runbook } from "../../runbooks/lib/runbook.mjs";
import { AwsTarget, POLL, RESTORE_NOT_COMPARED, type AwsOptions } from "../../runbooks/lib/targets/aws.mjs";
import redisFailover from "../../runbooks/redis-failover.mjs";
import { DRILL_NAMESPACE } from "../../runbooks/lib/targets/kube-probe.mjs";
import { rdsInstance as instance, replicationGroup } from "./aws-fixtures.mjs";

const rds = mockClient(RDSClient);
const elasticache = mockClient(ElastiCacheClient);
const drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-aws-"));
afterAll(() => fs.rmSync(drills, { recursive: true, force: true }));

let clock: number;
let sleeps: number[];
beforeEach(() => {
  rds.reset();
  elasticache.reset();
  clock = Date.parse("2025-01-31T12:00:00Z");
  sleeps = [];
});

async function target(env: "dev" | "staging" | "prod", extra: Partial<AwsOptions> = {}) {
  const { env: config, names, stateStore } = await environmentConfig(env);
  const credentials = { accessKeyId: "test", secretAccessKey: "test" };
  return new AwsTarget(config, names, stateStore, {
    rds: new RDSClient({ region: config.account.region, credentials }),
    elasticache: new ElastiCacheClient({ region: config.account.region, credentials }),
    s3: new S3Client({ region: stateStore.account.region, credentials }),
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    ...extra,
  });
}

async function run(decl: Runbook, argv: string[], env: "dev" | "staging" | "prod" = "staging", extra: Partial<AwsOptions> = {}, drillsDir = drills) {
  let out = "";
  const r = await execute(decl, ["--env", env, ...argv], {
    env: { GROUNDWORK_DRILLS_DIR: drillsDir, GROUNDWORK_ALLOW_PROD: "1" },
    out: (s) => (out += s),
    isTTY: false,
    target: await target(env, extra),
  });
  return { r, out };
}

/** The SDK commands a mocked client received, by name, in order. */
const commandNames = (mock: { calls: () => Array<{ args: unknown[] }> }) => mock.calls().map((c) => (c.args[0] as object).constructor.name);

/**
 * Runbook overhead on AWS (everything but waiting for AWS: mocks answer at
 * once, the clock is fake). Recorded, not asserted; `node
 * scripts/bench-runbooks.mjs` prints it against the 5 s budget.
 */
function recordOverhead(runbook: string, t0: number) {
  console.info(`runbook overhead: ${runbook} ${((performance.now() - t0) / 1000).toFixed(3)} s (budget 5 s)`);
}

/** What the source instance carries that a restore must keep (modules/database). */
const SOURCE_SETTINGS: Partial<DBInstance> = {
  DBParameterGroups: [{ DBParameterGroupName: "groundwork-staging", ParameterApplyStatus: "in-sync" }],
  IAMDatabaseAuthenticationEnabled: true,
};


describe("db-failover on RDS (control plane only: --no-write-probe; the probe is in aws-probe.test.ts)", () => {
  it("reboots with ForceFailover and polls until the instance is available in the standby's AZ", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce(instance({})) // check
      .resolvesOnce(instance({ DBInstanceStatus: "rebooting" })) // first poll, right after the reboot
      .resolvesOnce(instance({ DBInstanceStatus: "rebooting" }))
      .resolves(instance({ AvailabilityZone: "eu-west-1b", SecondaryAvailabilityZone: "eu-west-1a" }));
    rds.on(RebootDBInstanceCommand).resolves({});
    rds.on(DescribeEventsCommand).resolves({ Events: [{ Message: "Multi-AZ instance failover completed" }] });

    const t0 = performance.now();
    const { r } = await run(dbFailover, ["--yes", "--no-write-probe"]);
    recordOverhead("db-failover", t0);
    expect(r.error).toBeNull();
    expect(rds.commandCalls(RebootDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: "groundwork-staging", ForceFailover: true }]);
    expect(rds.commandCalls(DescribeDBInstancesCommand).every((c) => c.args[0].input.DBInstanceIdentifier === "groundwork-staging")).toBe(true);
    expect(rds.commandCalls(DescribeEventsCommand).map((c) => c.args[0].input)).toEqual([
      { SourceIdentifier: "groundwork-staging", SourceType: "db-instance", StartTime: new Date("2025-01-31T12:00:00Z"), EventCategories: ["failover"] },
    ]);
    expect(sleeps).toEqual([POLL.rds, POLL.rds]);
    expect(r.data).toMatchObject({ oldPrimary: "eu-west-1a", newPrimary: "eu-west-1b", controlPlaneRtoSeconds: 20, failoverEvent: "Multi-AZ instance failover completed" });
  });

  it("fails when the failover does not finish within --timeout", async () => {
    rds.on(DescribeDBInstancesCommand).resolvesOnce(instance({})).resolves(instance({ DBInstanceStatus: "rebooting" }));
    rds.on(RebootDBInstanceCommand).resolves({});
    const { r } = await run(dbFailover, ["--yes", "--no-write-probe", "--timeout", "30s"]);
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe("step 2 (fail over to the standby) run failed: timed out after 30 s waiting for groundwork-staging to be available in eu-west-1b");
    expect(sleeps).toEqual([POLL.rds, POLL.rds, POLL.rds]);
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(5);
  });

  it("fails when the instance has no Multi-AZ standby, before changing anything", async () => {
    rds.on(DescribeDBInstancesCommand).resolves(instance({ MultiAZ: false, SecondaryAvailabilityZone: undefined }));
    const { r } = await run(dbFailover, ["--yes", "--no-write-probe"]);
    expect(r.error).toBe("step 1 (standby is healthy and close) check failed: groundwork-staging has no Multi-AZ standby to fail over to");
    expect(rds.commandCalls(RebootDBInstanceCommand)).toHaveLength(0);
  });

  it("--dry-run makes no mutating call", async () => {
    rds.on(DescribeDBInstancesCommand).resolves(instance({}));
    const { r, out } = await run(dbFailover, ["--dry-run"], "prod");
    expect(r.outcome).toBe("dry-run");
    expect(out).toContain("would call RDS RebootDBInstance groundwork-prod ForceFailover=true");
    expect(rds.commandCalls(RebootDBInstanceCommand)).toHaveLength(0);
  });
});

/** The exact RestoreDBInstanceToPointInTime input db-restore sends for the staging instance. */
const restoreInput = (time: string, name: string) => ({
  SourceDBInstanceIdentifier: "groundwork-staging",
  TargetDBInstanceIdentifier: name,
  RestoreTime: new Date(time),
  DBInstanceClass: "db.r6g.large",
  DBSubnetGroupName: "groundwork-staging-db",
  VpcSecurityGroupIds: ["sg-0123"],
  DBParameterGroupName: "groundwork-staging",
  EnableIAMDatabaseAuthentication: true,
  MultiAZ: false,
  PubliclyAccessible: false,
  DeletionProtection: false,
  CopyTagsToSnapshot: true,
  Tags: [{ Key: "groundwork:restore-of", Value: "groundwork-staging" }],
});

describe("db-restore on RDS", () => {
  const restoreName = "groundwork-staging-restore-20250131t110000";

  it("restores to the time into a new instance like the source, waits until available and reports the row comparison as not measured", async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "groundwork-staging" })
      .resolves(instance(SOURCE_SETTINGS))
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: restoreName })
      .resolvesOnce(instance({ DBInstanceStatus: "creating" }))
      .resolves(instance({ DBInstanceStatus: "available" }));
    rds.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    const { r, out } = await run(dbRestore, ["--time", "2025-01-31T11:00:00Z"]);
    expect(r.error).toBeNull();
    // The source's parameter group (rds.force_ssl) and IAM auth: without them RDS applies its defaults.
    expect(rds.commandCalls(RestoreDBInstanceToPointInTimeCommand).map((c) => c.args[0].input)).toEqual([restoreInput("2025-01-31T11:00:00Z", restoreName)]);
    expect(sleeps).toEqual([POLL.rds * 3]);
    expect(r.measurements.restoreSeconds).toBe(30);
    // Nothing is compared on AWS: recorded as not measured, never as a match.
    expect(r.measurements.comparison).toEqual({ tables: [], match: null, note: RESTORE_NOT_COMPARED });
    expect(r.data.verified).toBeNull();
    expect(out).toContain(`rows: ${RESTORE_NOT_COMPARED}`);
    expect(fs.readFileSync(r.report!.md, "utf8")).toContain(`| comparison.note | ${RESTORE_NOT_COMPARED} |`);
  });

  it("fails when the restore is not available within --timeout, naming what it waited for, and drops the new instance", async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "groundwork-staging" })
      .resolves(instance(SOURCE_SETTINGS))
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: restoreName })
      .resolves(instance({ DBInstanceStatus: "creating" }));
    rds.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    rds.on(DeleteDBInstanceCommand).resolves({});
    const { r, out } = await run(dbRestore, ["--time", "2025-01-31T11:00:00Z", "--timeout", "60s"]);
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe(`step 2 (restore into a new instance) run failed: timed out after 60 s waiting for ${restoreName} to be available`);
    // Polled at 0, 30 and 60 s, then gave up.
    expect(sleeps).toEqual([POLL.rds * 3, POLL.rds * 3]);
    expect(rds.commandCalls(DescribeDBInstancesCommand, { DBInstanceIdentifier: restoreName })).toHaveLength(3);
    // Rollback: the half-made restore is deleted; the source is never modified.
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: restoreName, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }]);
    expect(commandNames(rds)).toEqual(["DescribeDBInstancesCommand", "RestoreDBInstanceToPointInTimeCommand", ...Array(3).fill("DescribeDBInstancesCommand"), "DeleteDBInstanceCommand"]);
    expect(out).toContain("rolled back");
    expect(r.measurements.comparison).toBeUndefined();
  });

  it("fails when --cut-over is asked on AWS, before anything runs, with exit code 2 and the procedure named", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "gw-aws-cutover-"));
    try {
      const { r, out } = await run(dbRestore, ["--time", "2025-01-31T11:00:00Z", "--cut-over", "--yes"], "staging", {}, empty);
      expect(r.exitCode).toBe(2);
      expect(r.outcome).toBe("refused");
      expect(out).toBe(
        'db-restore: --cut-over: not with --env staging, allowed: --env local only; on AWS copy the rows back into the primary, or swap the instances by renaming them (runbooks/db-restore.md, "Cut-over on AWS")\n',
      );
      expect(rds.calls()).toHaveLength(0);
      expect(fs.readdirSync(empty)).toEqual([]); // no journal, no evidence
      // The procedure the message names is documented where it says.
      expect(fs.readFileSync(path.join(repoRoot, "runbooks/db-restore.md"), "utf8")).toMatch(/^## Cut-over on AWS$/m);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("redis-failover on ElastiCache (control plane only: --no-write-probe)", () => {
  const group = (primary: string, status = "available") => replicationGroup(primary, status);

  it("calls TestFailover on the node group and polls until another node is primary", async () => {
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .resolvesOnce(group("groundwork-staging-001"))
      .resolvesOnce(group("groundwork-staging-001", "modifying"))
      .resolves(group("groundwork-staging-002"));
    elasticache.on(TestFailoverCommand).resolves({});
    elasticache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [{ CacheClusterId: "groundwork-staging-002", CacheClusterStatus: "available" }] });
    const t0 = performance.now();
    const { r } = await run(redisFailover, ["--yes", "--no-write-probe"]);
    recordOverhead("redis-failover", t0);
    expect(r.error).toBeNull();
    expect(elasticache.commandCalls(TestFailoverCommand).map((c) => c.args[0].input)).toEqual([{ ReplicationGroupId: "groundwork-staging", NodeGroupId: "0001" }]);
    expect(elasticache.commandCalls(DescribeCacheClustersCommand).map((c) => c.args[0].input)).toEqual([{ CacheClusterId: "groundwork-staging-002", ShowCacheNodeInfo: true }]);
    expect(sleeps).toEqual([POLL.elasticache]);
    expect(r.data).toMatchObject({ oldPrimary: "groundwork-staging-001", newPrimary: "groundwork-staging-002", controlPlaneRtoSeconds: 5 });
  });

  it("fails when TestFailover does not give the group a new primary within --timeout, naming what it waited for", async () => {
    elasticache.on(DescribeReplicationGroupsCommand).resolvesOnce(group("groundwork-staging-001")).resolves(group("groundwork-staging-001", "modifying"));
    elasticache.on(TestFailoverCommand).resolves({});
    const { r } = await run(redisFailover, ["--yes", "--no-write-probe", "--timeout", "30s"]);
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe("step 2 (fail over to the replica) run failed: timed out after 30 s waiting for groundwork-staging to have a new primary");
    // Polled every 5 s from 0 to 30 s, then gave up.
    expect(sleeps).toEqual(Array(6).fill(POLL.elasticache));
    expect(elasticache.commandCalls(TestFailoverCommand).map((c) => c.args[0].input)).toEqual([{ ReplicationGroupId: "groundwork-staging", NodeGroupId: "0001" }]);
    // TestFailover has no undo (the runbook declares no rollback): nothing else is called, and clients were never checked.
    expect(commandNames(elasticache)).toEqual(["DescribeReplicationGroupsCommand", "TestFailoverCommand", ...Array(7).fill("DescribeReplicationGroupsCommand")]);
  });
});

describe("dr-drill verdicts", () => {
  const targets = { rtoSeconds: { database: 2, cache: 3 }, rpoSeconds: 0 };
  const probe = (rto: number | null, rpo: number) => ({ measuredBy: "write probe", rtoSeconds: rto, rpoSeconds: rpo });
  it("misses a target when a figure is above it or was not measured by a probe", () => {
    const v = judge(targets, { databaseFailover: probe(2.5, 0), cacheFailover: probe(null, 0), databaseRestore: { restoreMatches: true } });
    expect(v.map((x) => [x.what, x.met])).toEqual([
      ["database failover RTO (s)", false],
      ["database failover RPO (s)", true],
      ["cache failover RTO (s)", false],
      ["cache failover RPO (s)", true],
      ["restore matches the source", true],
    ]);
  });

  it("reports RPO as not measured for a run without a write probe, where only the control plane is seen", () => {
    const cp = { measuredBy: "control plane", rtoSeconds: 60, rpoSeconds: null };
    const v = judge({ rtoSeconds: { database: 120, cache: 60 }, rpoSeconds: 5 }, { databaseFailover: cp, cacheFailover: cp, databaseRestore: { restoreMatches: true } });
    expect(v.map((x) => x.met)).toEqual([true, null, true, null, true]);
  });
});

describe("dr-drill on staging (mocked RDS, ElastiCache and kubectl for the in-cluster write probes)", () => {
  const restoreName = "groundwork-staging-restore-20250131t115500";
  const CA = "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n";
  /** One probe log line, `at` ms relative to `from`. */
  const line = (seq: number, from: number, at: number, ok: boolean, server: string) => JSON.stringify({ seq, t0: from + at - 20, t: from + at, ok, server: ok ? server : "" });

  /**
   * A staging environment that fails over and restores as AWS would. The
   * database's first write after the fault lands `dbRtoMs` later; Redis's 5 s later.
   */
  function stagingDrill(dbRtoMs: number) {
    const faults: { pg: number | null; redis: number | null } = { pg: null, redis: null };
    let az = ["eu-west-1a", "eu-west-1b"];
    let rebooting = false;
    let restorePolls = 0;
    const source = () => ({
      ...SOURCE_SETTINGS,
      AvailabilityZone: az[0],
      SecondaryAvailabilityZone: az[1],
      Endpoint: { Address: "groundwork-staging.abc123.eu-west-1.rds.amazonaws.com", Port: 5432 },
      LatestRestorableTime: new Date("2025-01-31T11:55:00Z"),
    });
    rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
      if (input.DBInstanceIdentifier === restoreName) return instance({ DBInstanceIdentifier: restoreName, DBInstanceStatus: restorePolls++ === 0 ? "creating" : "available" });
      if (rebooting) {
        rebooting = false;
        return instance({ DBInstanceStatus: "rebooting" });
      }
      return instance(source());
    });
    rds.on(RebootDBInstanceCommand).callsFake(() => {
      faults.pg = clock;
      rebooting = true;
      az = ["eu-west-1b", "eu-west-1a"];
      return {};
    });
    rds.on(DescribeEventsCommand).resolves({ Events: [{ Message: "Multi-AZ instance failover completed" }] });
    rds.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    rds.on(DeleteDBInstanceCommand).resolves({});
    let primary = "groundwork-staging-001";
    elasticache.on(DescribeReplicationGroupsCommand).callsFake(() => replicationGroup(primary, "available", true));
    elasticache.on(TestFailoverCommand).callsFake(() => {
      faults.redis = clock;
      primary = "groundwork-staging-002";
      return {};
    });
    elasticache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [{ CacheClusterId: "groundwork-staging-002", CacheClusterStatus: "available" }] });

    // kubectl as a cluster answers it: before its fault a probe has one acknowledged write; after it, the log of the failover.
    const kubectl: string[][] = [];
    const runner = async (argv: string[]) => {
      kubectl.push(argv);
      const has = (...w: string[]) => w.every((x) => argv.includes(x));
      const answer = (stdout: string, exitCode = 0) => ({ stdout, stderr: exitCode ? "Error from server (NotFound)" : "", exitCode });
      if (has("get", "namespace")) return answer("", 1);
      if (has("get", "configmap", "vault-database-ca")) return answer(JSON.stringify({ data: { "ca.pem": CA } }));
      const pg = argv.some((a) => a.startsWith("job/drill-probe-pg-"));
      const [oldServer, newServer, rtoMs] = pg ? ["10.0.1.10", "10.0.2.20", dbRtoMs] : ["10.0.3.1:6379", "10.0.3.2:6379", 5_000];
      const fault = pg ? faults.pg : faults.redis;
      if (has("logs")) {
        if (fault === null) return answer(line(1, clock, -100, true, oldServer));
        return answer([line(1, fault, -100, true, oldServer), line(2, fault, 1_000, false, ""), line(3, fault, rtoMs, true, newServer)].join("\n"));
      }
      if (has("exec")) return answer("1 1\n3 3\n");
      return answer("");
    };
    return { runner, kubectl };
  }

  it("fails (exit 1) when a measured figure misses config/staging.ts's target, with a MISSED row in the report", async () => {
    const { runner, kubectl } = stagingDrill(200_000); // database RTO 200 s; staging allows 180 s
    const { r, out } = await run(drDrill, ["--yes"], "staging", { runner });
    expect(r.exitCode).toBe(1);
    expect(r.outcome).toBe("failed");
    expect(r.error).toBe("step 5 (measurements meet the targets) run failed: missed database failover RTO (s)");

    const staging = (await environmentConfig("staging")).env.recovery;
    expect(r.measurements.targets).toEqual(staging);
    expect(r.measurements.targets).toEqual({ rtoSeconds: { database: 180, cache: 60 }, rpoSeconds: 60, backupRpoSeconds: 900 });
    expect(r.measurements.verdicts).toEqual([
      { what: "database failover RTO (s)", measured: 200, target: "<= 180", met: false },
      { what: "database failover RPO (s)", measured: 0, target: "<= 60", met: true },
      { what: "cache failover RTO (s)", measured: 5, target: "<= 60", met: true },
      { what: "cache failover RPO (s)", measured: 0, target: "<= 60", met: true },
      { what: "restore matches the source", measured: null, target: "true", met: null },
    ]);
    expect(r.measurements.databaseFailover).toMatchObject({ outcome: "succeeded", measuredBy: "write probe", rtoSeconds: 200, lostWrites: 0 });
    expect(r.measurements.databaseRestore).toMatchObject({ outcome: "succeeded", restoreSeconds: 30, restoreMatches: null, restoreNotMeasured: RESTORE_NOT_COMPARED });
    expect(out).toContain("MISSED database failover RTO (s): 200 (target <= 180)");

    const md = fs.readFileSync(r.report!.md, "utf8");
    expect(md).toContain("| database failover RTO (s) | 200 | <= 180 | MISSED |");
    expect(md).toContain("| restore matches the source | not measured | true | not measured |");
    expect(JSON.parse(fs.readFileSync(r.report!.json, "utf8"))).toMatchObject({ runbook: "dr-drill", env: "staging", outcome: "failed" });

    // The exact SDK calls of the suite: one failover of each store, one restore to the latest restorable time, dropped afterwards.
    expect(rds.commandCalls(RebootDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: "groundwork-staging", ForceFailover: true }]);
    expect(rds.commandCalls(DescribeEventsCommand).map((c) => c.args[0].input)).toEqual([
      { SourceIdentifier: "groundwork-staging", SourceType: "db-instance", StartTime: new Date("2025-01-31T12:00:00Z"), EventCategories: ["failover"] },
    ]);
    expect(rds.commandCalls(RestoreDBInstanceToPointInTimeCommand).map((c) => c.args[0].input)).toEqual([
      restoreInput("2025-01-31T11:55:00Z", restoreName),
    ]);
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: restoreName, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }]);
    expect(new Set(commandNames(rds))).toEqual(
      new Set(["DescribeDBInstancesCommand", "RebootDBInstanceCommand", "DescribeEventsCommand", "RestoreDBInstanceToPointInTimeCommand", "DeleteDBInstanceCommand"]),
    );
    expect(elasticache.commandCalls(TestFailoverCommand).map((c) => c.args[0].input)).toEqual([{ ReplicationGroupId: "groundwork-staging", NodeGroupId: "0001" }]);
    expect(new Set(commandNames(elasticache))).toEqual(new Set(["DescribeReplicationGroupsCommand", "TestFailoverCommand", "DescribeCacheClustersCommand"]));
    // Waits: the database failover (10 s) and the restore (30 s); Redis had a new primary at the first poll.
    expect(sleeps).toEqual([POLL.rds, POLL.rds * 3]);
    // Both probes ran and were removed with the namespace they created.
    const deletes = kubectl.filter((a) => a.includes("delete")).map((a) => a.slice(3, 6).join(" "));
    expect(deletes).toEqual([
      `-n ${DRILL_NAMESPACE} delete`,
      `delete namespace ${DRILL_NAMESPACE}`,
      `-n ${DRILL_NAMESPACE} delete`,
      `delete namespace ${DRILL_NAMESPACE}`,
    ]);
  });

  it("passes (exit 0) when every measured figure is within the targets; the restore comparison stays not measured", async () => {
    const { runner } = stagingDrill(90_000);
    const { r } = await run(drDrill, ["--yes"], "staging", { runner });
    expect(r.error).toBeNull();
    expect(r.exitCode).toBe(0);
    expect((r.measurements.verdicts as Array<{ met: boolean | null }>).map((v) => v.met)).toEqual([true, true, true, true, null]);
  });
});

describe("state-restore on S3", () => {
  it("fails when --env is local (the default), with exit code 2, a one-line reason and nothing written", async () => {
    const stateRestore = (await import("../../runbooks/state-restore.mjs")).default;
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "gw-state-local-"));
    try {
      for (const argv of [[], ["--env", "local"], ["--env", "local", "--version-id", "v1", "--yes"]]) {
        let out = "";
        const r = await execute(stateRestore, argv, { env: { GROUNDWORK_DRILLS_DIR: empty }, out: (s) => (out += s), isTTY: false });
        expect(r.exitCode, argv.join(" ")).toBe(2);
        expect(out).toBe("state-restore: --env local: this runbook runs against dev, staging, prod (the versioned state bucket is in AWS; the sandbox has no Terraform state)\n");
      }
      expect(fs.readdirSync(empty)).toEqual([]); // no journal, no evidence
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("lists versions, refuses while locked, copies the chosen version over the key", async () => {
    const { CopyObjectCommand, HeadObjectCommand, ListObjectVersionsCommand } = await import("@aws-sdk/client-s3");
    const stateRestore = (await import("../../runbooks/state-restore.mjs")).default;
    const s3 = mockClient(S3Client);
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: "staging/terraform.tfstate", VersionId: "v2", LastModified: new Date("2025-01-31T10:00:00Z"), Size: 10, IsLatest: true },
        { Key: "staging/terraform.tfstate", VersionId: "v1", LastModified: new Date("2025-01-30T10:00:00Z"), Size: 900, IsLatest: false },
        { Key: "staging/terraform.tfstate.tflock", VersionId: "l1", LastModified: new Date("2025-01-30T10:00:00Z"), Size: 1, IsLatest: false },
      ],
    });
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error("NotFound"), { name: "NotFound" }));
    s3.on(CopyObjectCommand).resolves({ VersionId: "v3" });
    const { r, out } = await run(stateRestore, ["--version-id", "v1", "--yes"]);
    expect(r.error).toBeNull();
    expect(out).toContain("v1  2025-01-30T10:00:00.000Z  900 bytes");
    expect(s3.commandCalls(ListObjectVersionsCommand)[0].args[0].input).toEqual({ Bucket: "groundwork-terraform-state-444444444444", Prefix: "staging/terraform.tfstate" });
    expect(s3.commandCalls(HeadObjectCommand)[0].args[0].input).toEqual({ Bucket: "groundwork-terraform-state-444444444444", Key: "staging/terraform.tfstate.tflock" });
    expect(s3.commandCalls(CopyObjectCommand).map((c) => c.args[0].input)).toEqual([
      {
        Bucket: "groundwork-terraform-state-444444444444",
        Key: "staging/terraform.tfstate",
        CopySource: "groundwork-terraform-state-444444444444/staging/terraform.tfstate?versionId=v1",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: "alias/groundwork-terraform-state",
      },
    ]);
    expect(r.data.newVersionId).toBe("v3");

    s3.on(HeadObjectCommand).resolves({});
    const locked = await run(stateRestore, ["--version-id", "v1", "--yes"]);
    expect(locked.r.error).toBe("step 2 (Terraform does not hold the lock) check failed: the state is locked (a plan or apply is running): wait for it, never force");
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
    s3.restore();
  });
});

describe("db-backup-verify on RDS", () => {
  const snapshot = (id: string, created: string, status = "available") => ({ DBSnapshotIdentifier: id, SnapshotCreateTime: new Date(created), Status: status, SnapshotType: "automated" });
  const scratch = "groundwork-staging-verify-20250131t120000z";

  it("restores the newest automated snapshot into a scratch instance, checks it, records the restore time and deletes it", async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [snapshot("rds:groundwork-staging-2025-01-29-03-00", "2025-01-29T03:00:00Z")], Marker: "m2" })
      .resolvesOnce({ DBSnapshots: [snapshot("rds:groundwork-staging-2025-01-31-03-00", "2025-01-31T03:00:00Z"), snapshot("rds:groundwork-staging-2025-01-31-09-00", "2025-01-31T09:00:00Z", "creating")] });
    const encrypted = { Engine: "postgres", EngineVersion: "16.4", StorageEncrypted: true, KmsKeyId: "arn:aws:kms:eu-west-1:222222222222:key/k" };
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "groundwork-staging" })
      .resolves(instance({ ...SOURCE_SETTINGS, ...encrypted }))
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: scratch })
      .resolvesOnce(instance({ DBInstanceStatus: "creating" }))
      .resolvesOnce(instance({ DBInstanceStatus: "creating" }))
      .resolvesOnce(instance({ DBInstanceStatus: "available", ...encrypted })) // restored
      .resolvesOnce(instance({ DBInstanceStatus: "available", ...encrypted })) // checks
      .resolvesOnce(instance({ DBInstanceStatus: "deleting" }))
      .rejects(Object.assign(new Error(`DBInstance ${scratch} not found.`), { name: "DBInstanceNotFoundFault" }));
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    rds.on(DeleteDBInstanceCommand).resolves({});

    const { r, out } = await run(dbBackupVerify, []);
    expect(r.error).toBeNull();
    expect(rds.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input)).toEqual([
      { DBInstanceIdentifier: "groundwork-staging", SnapshotType: "automated", Marker: undefined },
      { DBInstanceIdentifier: "groundwork-staging", SnapshotType: "automated", Marker: "m2" },
    ]);
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      {
        DBInstanceIdentifier: scratch,
        DBSnapshotIdentifier: "rds:groundwork-staging-2025-01-31-03-00",
        DBInstanceClass: "db.r6g.large",
        DBSubnetGroupName: "groundwork-staging-db",
        VpcSecurityGroupIds: ["sg-0123"],
        DBParameterGroupName: "groundwork-staging",
        MultiAZ: false,
        PubliclyAccessible: false,
        DeletionProtection: false,
        Tags: [
          { Key: "groundwork:restore-of", Value: "groundwork-staging" },
          { Key: "groundwork:scratch", Value: "db-backup-verify" },
        ],
      },
    ]);
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: scratch, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }]);
    // Waits (30 s each): twice while creating, once while deleting.
    expect(sleeps).toEqual([POLL.rds * 3, POLL.rds * 3, POLL.rds * 3]);
    expect(r.measurements.restoreSeconds).toBe(60);
    expect(r.measurements.backup).toEqual({ source: "rds:groundwork-staging-2025-01-31-03-00", createdAt: "2025-01-31T03:00:00.000Z", ageSeconds: 32400 });
    expect(out).toContain("ok      storage encrypted");
  });

  it("fails when the restore is not encrypted, and deletes the scratch instance anyway", async () => {
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [snapshot("rds:s1", "2025-01-31T03:00:00Z")] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "groundwork-staging" })
      .resolves(instance({ Engine: "postgres", EngineVersion: "16.4", StorageEncrypted: true }))
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: scratch })
      .resolvesOnce(instance({ DBInstanceStatus: "available", Engine: "postgres", EngineVersion: "16.4", StorageEncrypted: false }))
      .resolvesOnce(instance({ DBInstanceStatus: "available", Engine: "postgres", EngineVersion: "16.4", StorageEncrypted: false }))
      .rejects(Object.assign(new Error("not found"), { name: "DBInstanceNotFoundFault" }));
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    rds.on(DeleteDBInstanceCommand).resolves({});
    const { r } = await run(dbBackupVerify, []);
    expect(r.error).toBe("step 3 (integrity checks pass) run failed: integrity checks failed: storage encrypted");
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier)).toEqual([scratch]);
  });

  const encrypted = { Engine: "postgres", EngineVersion: "16.4", StorageEncrypted: true };
  /** The scratch instance: `status()` while it exists, not found once DeleteDBInstance was called and `gone` says so. */
  function scratchLifecycle(status: () => string, gone: () => boolean) {
    let deleteCalled = false;
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [snapshot("rds:s1", "2025-01-31T03:00:00Z")] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "groundwork-staging" }).resolves(instance(encrypted));
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: scratch }).callsFake(() => {
      if (deleteCalled && gone()) throw Object.assign(new Error(`DBInstance ${scratch} not found.`), { name: "DBInstanceNotFoundFault" });
      return instance({ DBInstanceStatus: deleteCalled ? "deleting" : status(), ...encrypted });
    });
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    rds.on(DeleteDBInstanceCommand).callsFake(() => {
      deleteCalled = true;
      return {};
    });
  }
  const deleteScratch = { DBInstanceIdentifier: scratch, SkipFinalSnapshot: true, DeleteAutomatedBackups: true };

  it("fails when the scratch restore is not available within --timeout, naming what it waited for, and deletes the scratch instance", async () => {
    scratchLifecycle(() => "creating", () => true);
    const { r, out } = await run(dbBackupVerify, ["--timeout", "60s"]);
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe(`step 2 (restore it into a scratch instance) run failed: timed out after 60 s waiting for ${scratch} to be available`);
    expect(sleeps).toEqual([POLL.rds * 3, POLL.rds * 3]);
    // Rollback: DeleteDBInstance, then wait until the scratch instance is gone (here at once).
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([deleteScratch]);
    expect(commandNames(rds).slice(-2)).toEqual(["DeleteDBInstanceCommand", "DescribeDBInstancesCommand"]);
    expect(out).toContain("rolled back");
    expect(r.measurements.restoreSeconds).toBeUndefined();
  });

  it("fails when the scratch instance is not deleted within --timeout, naming it, so it can be removed by hand", async () => {
    scratchLifecycle(() => "available", () => false);
    const { r, out } = await run(dbBackupVerify, ["--timeout", "60s"]);
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe(`step 4 (delete the scratch instance) run failed: timed out after 60 s waiting for ${scratch} to be deleted`);
    // Step 4 and then the rollback of step 2 each ask RDS to delete it and wait 60 s; the rollback's failure is reported too.
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([deleteScratch, deleteScratch]);
    expect(sleeps).toEqual(Array(4).fill(POLL.rds * 3));
    expect(out).toContain(`rollback failed: timed out after 60 s waiting for ${scratch} to be deleted`);
  });

  it("--dry-run names the snapshot and restores nothing", async () => {
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [snapshot("rds:s1", "2025-01-31T03:00:00Z")] });
    rds.on(DescribeDBInstancesCommand).resolves(instance({}));
    const { r, out } = await run(dbBackupVerify, ["--dry-run"], "prod");
    expect(r.outcome).toBe("dry-run");
    expect(out).toContain("would call RDS RestoreDBInstanceFromDBSnapshot rds:s1 -> groundwork-prod-verify-20250131t120000z");
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });
});
