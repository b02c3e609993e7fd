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
import { judge } from "../../runbooks/dr-drill.mjs";
import { environmentConfig } from "../../runbooks/lib/config.mjs";
import { execute, type Runbook } from "../../runbooks/lib/runbook.mjs";
import { AwsTarget, POLL } from "../../runbooks/lib/targets/aws.mjs";
import redisFailover from "../../runbooks/redis-failover.mjs";
import { replicationGroup } from "./aws-fixtures";

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

async function target(env: "dev" | "staging" | "prod") {
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
  });
}

async function run(decl: Runbook, argv: string[], env: "dev" | "staging" | "prod" = "staging") {
  let out = "";
  const r = await execute(decl, ["--env", env, ...argv], {
    env: { GROUNDWORK_DRILLS_DIR: drills, GROUNDWORK_ALLOW_PROD: "1" },
    out: (s) => (out += s),
    isTTY: false,
    target: await target(env),
  });
  return { r, out };
}

/**
 * Runbook overhead on AWS (everything but waiting for AWS: mocks answer at
 * once, the clock is fake). Recorded, not asserted; `node
 * scripts/bench-runbooks.mjs` prints it against the 5 s budget.
 */
function recordOverhead(runbook: string, t0: number) {
  console.info(`runbook overhead: ${runbook} ${((performance.now() - t0) / 1000).toFixed(3)} s (budget 5 s)`);
}

const instance = (over: Partial<DBInstance>): { DBInstances: DBInstance[] } => ({
  DBInstances: [
    {
      DBInstanceIdentifier: "groundwork-staging",
      DBInstanceStatus: "available",
      MultiAZ: true,
      AvailabilityZone: "eu-west-1a",
      SecondaryAvailabilityZone: "eu-west-1b",
      DBInstanceClass: "db.r6g.large",
      DBSubnetGroup: { DBSubnetGroupName: "groundwork-staging-db" },
      VpcSecurityGroups: [{ VpcSecurityGroupId: "sg-0123", Status: "active" }],
      ...over,
    },
  ],
});

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

describe("db-restore on RDS", () => {
  it("restores to the time into a new instance like the source and waits until available", async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "groundwork-staging" })
      .resolves(instance({}))
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "groundwork-staging-restore-20250131t110000" })
      .resolvesOnce(instance({ DBInstanceStatus: "creating" }))
      .resolves(instance({ DBInstanceStatus: "available" }));
    rds.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    const { r } = await run(dbRestore, ["--time", "2025-01-31T11:00:00Z"]);
    expect(r.error).toBeNull();
    expect(rds.commandCalls(RestoreDBInstanceToPointInTimeCommand).map((c) => c.args[0].input)).toEqual([
      {
        SourceDBInstanceIdentifier: "groundwork-staging",
        TargetDBInstanceIdentifier: "groundwork-staging-restore-20250131t110000",
        RestoreTime: new Date("2025-01-31T11:00:00Z"),
        DBInstanceClass: "db.r6g.large",
        DBSubnetGroupName: "groundwork-staging-db",
        VpcSecurityGroupIds: ["sg-0123"],
        MultiAZ: false,
        PubliclyAccessible: false,
        DeletionProtection: false,
        CopyTagsToSnapshot: true,
        Tags: [{ Key: "groundwork:restore-of", Value: "groundwork-staging" }],
      },
    ]);
    expect(sleeps).toEqual([POLL.rds * 3]);
    expect(r.measurements.restoreSeconds).toBe(30);
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

describe("state-restore on S3", () => {
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
      .resolves(instance(encrypted))
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
