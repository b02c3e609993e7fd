#!/usr/bin/env zx
// Fail the Redis primary over to its replica (Sentinel in the sandbox, ElastiCache TestFailover on AWS), measuring RTO and RPO.
import { runbook, step } from "./lib/runbook.mjs";

export default runbook({
  id: "redis-failover",
  title: "Fail over the Redis primary",
  summary:
    "Checks the replica and Sentinel quorum, fails over (sandbox: pause writes on the primary and SENTINEL FAILOVER; " +
    "AWS: ElastiCache TestFailover), verifies clients are sent to the new primary and the old one replicates from it. " +
    "A write probe measures RTO and RPO (sandbox: through Sentinel; AWS: a Kubernetes Job in groundwork-drills " +
    "writing to the primary endpoint with an IAM auth token).",
  params: {
    maxLagBytes: { type: "int", default: 1024 * 1024, min: 0, help: "refuse when the replica is further behind than this" },
    timeout: { type: "duration", default: "15m", help: "how long to wait for the failover" },
    writeProbe: { type: "bool", default: true, help: "measure RTO/RPO with a write probe (AWS: a Kubernetes Job); --no-write-probe when it cannot run in an incident" },
  },
  steps: [
    step("replica is in sync and Sentinel has quorum", {
      check: (t, ctx) => t.cache.replicaStatus(Number(ctx.params.maxLagBytes)),
    }),
    step("fail over to the replica", {
      destructive: true,
      run: (t, ctx) => t.cache.failover({ primary: String(ctx.data.primary), nodeGroupId: /** @type {string | undefined} */ (ctx.data.nodeGroupId) }, Number(ctx.params.timeout) * 1000),
      verify: (t, ctx) => t.cache.clientsSeeNewPrimary({ newPrimary: String(ctx.data.newPrimary) }),
    }),
    step("old primary replicates from the new one", {
      run: (t, ctx) => t.cache.oldPrimaryFollows({ oldPrimary: String(ctx.data.oldPrimary), newPrimary: String(ctx.data.newPrimary) }),
    }),
  ],
  probe: (t, ctx) => (ctx.params.writeProbe === false ? null : t.cache.writeProbe(ctx.runId)),
});
