#!/usr/bin/env node
// Runbook overhead on AWS: everything a run costs except waiting for AWS.
// Runs the AWS runbooks against mocked SDK clients that answer at once, with a
// fake clock (polling sleeps take no time), and reports wall time per run
// against the 5 s budget. The first run is cold (config loaded through tsx,
// SDK clients built); the rest are warm.
//   node scripts/bench-runbooks.mjs [--runs N] [--json <file>]
import { ElastiCacheClient, DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, TestFailoverCommand } from "@aws-sdk/client-elasticache";
import {
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeEventsCommand,
  RDSClient,
  RebootDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import dbBackupVerify from "../runbooks/db-backup-verify.mjs";
import dbFailover from "../runbooks/db-failover.mjs";
import { environmentConfig } from "../runbooks/lib/config.mjs";
import { execute } from "../runbooks/lib/runbook.mjs";
import { AwsTarget } from "../runbooks/lib/targets/aws.mjs";
import redisFailover from "../runbooks/redis-failover.mjs";
import { rdsInstance, replicationGroup } from "../tests/runbooks/aws-fixtures.mjs";

const BUDGET_SECONDS = 5;

let values;
try {
  ({ values } = parseArgs({ options: { runs: { type: "string", default: "5" }, json: { type: "string" }, help: { type: "boolean" } } }));
} catch (err) {
  console.error(`bench-runbooks: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
if (values.help) {
  console.log("usage: node scripts/bench-runbooks.mjs [--runs N] [--json <file>]");
  process.exit(0);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
  console.error(`bench-runbooks: --runs is "${values.runs}"; expected a whole number from 1 to 50`);
  process.exit(2);
}

const rds = mockClient(RDSClient);
const elasticache = mockClient(ElastiCacheClient);
const drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-bench-runbooks-"));

/** The staging instance as the tests mock it, with what db-backup-verify compares on the scratch restore. */
const instance = (over) => rdsInstance({ Engine: "postgres", EngineVersion: "16.4", StorageEncrypted: true, ...over });
const group = (primary, status) => replicationGroup(`groundwork-staging-${primary}`, status);

/** Each case: mock answers for one full run (with a few polls), then the runbook and its flags. */
const cases = [
  {
    decl: dbFailover,
    // The control plane only: the in-cluster write probe needs a cluster (and measures AWS, not the runbook).
    argv: ["--yes", "--no-write-probe"],
    mock() {
      rds.reset();
      rds
        .on(DescribeDBInstancesCommand)
        .resolvesOnce(instance({}))
        .resolvesOnce(instance({ DBInstanceStatus: "rebooting" }))
        .resolvesOnce(instance({ DBInstanceStatus: "rebooting" }))
        .resolves(instance({ AvailabilityZone: "eu-west-1b", SecondaryAvailabilityZone: "eu-west-1a" }));
      rds.on(RebootDBInstanceCommand).resolves({});
      rds.on(DescribeEventsCommand).resolves({ Events: [{ Message: "Multi-AZ instance failover completed" }] });
    },
  },
  {
    decl: redisFailover,
    argv: ["--yes", "--no-write-probe"],
    mock() {
      elasticache.reset();
      elasticache.on(DescribeReplicationGroupsCommand).resolvesOnce(group("001")).resolvesOnce(group("001", "modifying")).resolves(group("002"));
      elasticache.on(TestFailoverCommand).resolves({});
      elasticache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [{ CacheClusterStatus: "available" }] });
    },
  },
  {
    decl: dbBackupVerify,
    argv: [],
    mock() {
      rds.reset();
      rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: "rds:s1", SnapshotCreateTime: new Date("2025-01-31T03:00:00Z"), Status: "available" }] });
      rds
        .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "groundwork-staging" })
        .resolves(instance({}))
        .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "groundwork-staging-verify-20250131t120000z" })
        .resolvesOnce(instance({ DBInstanceStatus: "creating" }))
        .resolvesOnce(instance({}))
        .resolvesOnce(instance({}))
        .rejects(Object.assign(new Error("not found"), { name: "DBInstanceNotFoundFault" }));
      rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
      rds.on(DeleteDBInstanceCommand).resolves({});
    },
  },
];

async function once(c) {
  c.mock();
  const t0 = performance.now();
  let clock = Date.parse("2025-01-31T12:00:00Z");
  let waited = 0;
  const { env: config, names, stateStore } = await environmentConfig("staging");
  const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
  const target = new AwsTarget(config, names, stateStore, {
    rds: new RDSClient({ region: config.account.region, credentials }),
    elasticache: new ElastiCacheClient({ region: config.account.region, credentials }),
    s3: new S3Client({ region: stateStore.account.region, credentials }),
    now: () => clock,
    sleep: async (ms) => {
      waited += ms;
      clock += ms;
    },
  });
  const r = await execute(c.decl, ["--env", "staging", ...c.argv], { env: { GROUNDWORK_DRILLS_DIR: drills }, out: () => {}, isTTY: false, target });
  const seconds = (performance.now() - t0) / 1000;
  if (r.exitCode !== 0) throw new Error(`${c.decl.id}: ${r.error}`);
  return { seconds, awsWaitSeconds: waited / 1000 };
}

/** @type {Array<Record<string, any>>} */
const rows = [];
try {
  for (const c of cases) {
    const times = [];
    let awsWait = 0;
    for (let i = 0; i < runs; i++) {
      const m = await once(c);
      times.push(m.seconds);
      awsWait = m.awsWaitSeconds;
    }
    const warm = times.slice(1).sort((a, b) => a - b);
    const median = warm.length ? warm[Math.floor(warm.length / 2)] : times[0];
    const worst = Math.max(...times);
    rows.push({ runbook: c.decl.id, runs, coldSeconds: round(times[0]), warmMedianSeconds: round(median), worstSeconds: round(worst), simulatedAwsWaitSeconds: awsWait, budgetSeconds: BUDGET_SECONDS, withinBudget: worst < BUDGET_SECONDS });
  }
} finally {
  fs.rmSync(drills, { recursive: true, force: true });
}

// Process start as an operator sees it: node, zx, the SDK and the runbook's imports (`--help` stops before any AWS call).
const startup = [];
for (let i = 0; i < Math.min(runs, 3); i++) {
  const t0 = performance.now();
  const p = spawnSync(process.execPath, [path.join(path.dirname(new URL(import.meta.url).pathname), "../node_modules/zx/build/cli.js"), path.join(path.dirname(new URL(import.meta.url).pathname), "../runbooks/db-failover.mjs"), "--help"], { encoding: "utf8" });
  if (p.status !== 0) throw new Error(`bench-runbooks: zx runbooks/db-failover.mjs --help exited ${p.status}: ${p.stderr}`);
  startup.push((performance.now() - t0) / 1000);
}
const startSeconds = round([...startup].sort((a, b) => a - b)[Math.floor(startup.length / 2)]);
for (const r of rows) {
  r.processStartSeconds = startSeconds;
  r.totalSeconds = round(startSeconds + r.worstSeconds);
  r.withinBudget = r.totalSeconds < BUDGET_SECONDS;
}

const header = ["runbook", "runs", "process start s", "cold run s", "warm median s", "start + worst s", "AWS wait skipped s", "budget s", "verdict"];
const lines = [
  `Runbook overhead on AWS (mocked SDK, fake clock; ${os.cpus().length} CPU(s), node ${process.version})`,
  "",
  `| ${header.join(" | ")} |`,
  `|${header.map(() => "---").join("|")}|`,
  ...rows.map((r) => `| ${r.runbook} | ${r.runs} | ${r.processStartSeconds} | ${r.coldSeconds} | ${r.warmMedianSeconds} | ${r.totalSeconds} | ${r.simulatedAwsWaitSeconds} | ${r.budgetSeconds} | ${r.withinBudget ? "within" : "OVER"} |`),
];
console.log(lines.join("\n"));
if (values.json) fs.writeFileSync(values.json, `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rows }, null, 2)}\n`);
if (rows.some((r) => !r.withinBudget)) process.exitCode = 1;

function round(n) {
  return Math.round(n * 1000) / 1000;
}
