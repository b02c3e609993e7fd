#!/usr/bin/env zx
// Fail the primary PostgreSQL database over to its standby, measuring RTO and RPO with a write probe.
import { runbook, step } from "./lib/runbook.mjs";

export default runbook({
  id: "db-failover",
  title: "Fail over the primary PostgreSQL database",
  summary:
    "Checks the standby, fails over (sandbox: fence the primary, promote the standby; AWS: RDS reboot with ForceFailover), " +
    "verifies writes on the new primary and makes the old primary follow it. A write probe runs throughout " +
    "(AWS: a Kubernetes Job in groundwork-drills with Vault database credentials): " +
    "RTO = fault to first write on the new primary, RPO = acknowledged writes lost.",
  params: {
    maxLagBytes: { type: "int", default: 16 * 1024 * 1024, min: 0, help: "refuse when the standby is further behind than this" },
    timeout: { type: "duration", default: "15m", help: "how long to wait for AWS to finish the failover" },
    writeProbe: { type: "bool", default: true, help: "measure RTO/RPO with a write probe (AWS: a Kubernetes Job); --no-write-probe when it cannot run in an incident" },
  },
  steps: [
    step("standby is healthy and close", {
      check: (t, ctx) => t.db.standbyStatus(Number(ctx.params.maxLagBytes)),
    }),
    step("fail over to the standby", {
      destructive: true,
      run: (t, ctx) => t.db.failover(roles(ctx), Number(ctx.params.timeout) * 1000),
      verify: (t) => t.db.acceptsWrites(),
    }),
    step("old primary follows the new one", {
      run: (t, ctx) => t.db.rejoinAsStandby(failedOver(ctx)),
    }),
  ],
  probe: (t, ctx) => (ctx.params.writeProbe === false ? null : t.db.writeProbe(ctx.runId)),
  health: (t, ctx) => (ctx.data.newPrimary ? t.db.acceptsWrites() : true),
});

/** @param {import("./lib/runbook.mjs").StepContext} ctx */
function roles(ctx) {
  return { primary: String(ctx.data.primary), standby: String(ctx.data.standby) };
}

/** @param {import("./lib/runbook.mjs").StepContext} ctx */
function failedOver(ctx) {
  return { oldPrimary: String(ctx.data.oldPrimary), newPrimary: String(ctx.data.newPrimary) };
}
