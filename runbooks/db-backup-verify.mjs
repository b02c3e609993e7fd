#!/usr/bin/env zx
// Prove the latest PostgreSQL backup restores: restore it into a scratch instance, check it, record the restore time (RTO), delete the scratch.
import { compactTime, runbook, step } from "./lib/runbook.mjs";
import { aws } from "./lib/targets/index.mjs";

export default runbook({
  id: "db-backup-verify",
  title: "Verify the latest PostgreSQL backup by restoring it",
  summary:
    "Finds the latest recovery point (sandbox: newest base backup plus the WAL archive; AWS: newest automated RDS " +
    "snapshot), restores it into a scratch instance (sandbox: a new server on a free port; AWS: " +
    "RestoreDBInstanceFromDBSnapshot), runs integrity checks (sandbox: pg_amcheck on every relation and row " +
    "counts/checksums against the primary; AWS: available, same engine version, encrypted), records the restore " +
    "time as the restore RTO, and deletes the scratch instance (AWS: SkipFinalSnapshot). The primary is never touched.",
  params: {
    name: { type: "string", pattern: /^[a-z][a-z0-9-]{2,50}$/, patternHelp: "a lower-case name of 3-51 letters, digits and hyphens", help: "name of the scratch instance (default: <database>-verify-<time>)" },
    timeout: { type: "duration", default: "90m", help: "how long to wait for AWS to restore (and delete) the scratch instance" },
  },
  steps: [
    step("find the latest backup", {
      check: async (t, ctx) => {
        const point = await t.db.latestRecoveryPoint();
        const base = t.env === "local" ? "verify" : `${aws(t).names.dbInstance}-verify`;
        const name = String(ctx.params.name ?? `${base}-${compactTime(new Date(t.now())).toLowerCase()}`);
        ctx.log(`latest backup ${point.source}, taken ${point.createdAt} (${point.ageSeconds} s ago); scratch instance ${name}`);
        ctx.measurements.backup = point;
        return { scratchName: name, backupSource: point.source };
      },
    }),
    step("restore it into a scratch instance", {
      run: async (t, ctx) => {
        const r = await t.db.restoreScratch({ source: String(ctx.data.backupSource), name: String(ctx.data.scratchName) }, Number(ctx.params.timeout) * 1000);
        if (r.restoreSeconds !== undefined) {
          ctx.measurements.restoreSeconds = r.restoreSeconds;
          ctx.log(`restored in ${r.restoreSeconds} s (the restore RTO)`);
        }
        return r;
      },
      // Never leave a scratch instance behind, whatever failed.
      rollback: (t, ctx) => t.db.dropScratch(String(ctx.data.scratchName), Number(ctx.params.timeout) * 1000),
    }),
    step("integrity checks pass", {
      run: async (t, ctx) => {
        const { checks } = await t.db.checkScratch(String(ctx.data.scratchName), ctx.data);
        for (const c of checks) ctx.log(`${c.ok ? "ok     " : "FAILED "} ${c.check}: ${c.detail}`);
        ctx.measurements.checks = checks;
        const failed = checks.filter((c) => !c.ok);
        if (failed.length) throw new Error(`integrity checks failed: ${failed.map((c) => c.check).join(", ")}`);
        return { checksPassed: checks.length };
      },
    }),
    step("delete the scratch instance", {
      run: (t, ctx) => t.db.dropScratch(String(ctx.data.scratchName), Number(ctx.params.timeout) * 1000),
    }),
  ],
});
