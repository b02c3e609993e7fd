#!/usr/bin/env zx
// List, take or restore Vault's Raft snapshots (S3 bucket <prefix>-vault-snapshots-<account>, keys raft/*.snap).
import crypto from "node:crypto";
import { UsageError } from "./lib/params.mjs";
import { compactTime, runbook, step } from "./lib/runbook.mjs";
import { POLL, VAULT_NAMES } from "./lib/targets/aws.mjs";
import { aws } from "./lib/targets/index.mjs";

export default runbook({
  id: "vault-snapshot",
  title: "Take, list or restore a Vault Raft snapshot",
  summary:
    "--action list (default) lists the snapshots in the snapshot bucket, newest first. --action save runs the " +
    "vault-snapshot CronJob now (kubectl create job --from=cronjob/vault-snapshot), waits for the Job and finds its " +
    "object in S3. --action restore --key raft/<name>.snap downloads that snapshot and force-restores it " +
    "(POST /v1/sys/storage/raft/snapshot-force, destructive: replaces every secret, policy and token), then waits " +
    "until Vault is unsealed with a leader.",
  environments: ["dev", "staging", "prod"],
  environmentsWhy: "Vault is not in the sandbox",
  params: {
    action: { type: "enum", values: ["list", "save", "restore"], default: "list", help: "what to do" },
    key: { type: "string", pattern: /^raft\/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\.snap$/, patternHelp: "a snapshot key from --action list, such as raft/2025/01/31/20250131T120000Z.snap", help: "restore only: the snapshot to restore" },
    timeout: { type: "duration", default: "10m", help: "how long to wait for the snapshot Job or for Vault after a restore" },
  },
  validate: (params) => {
    if (params.action === "restore" && params.key === undefined) throw new UsageError("--action restore needs --key: allowed: a snapshot key from --action list, such as raft/2025/01/31/20250131T120000Z.snap");
    if (params.action !== "restore" && params.key !== undefined) throw new UsageError(`--key: only with --action restore (got --action ${params.action})`);
  },
  steps: [
    step("list the snapshots", {
      check: async (target, ctx) => {
        const t = aws(target);
        const list = await t.snapshots.list();
        ctx.log(`s3://${t.snapshots.bucket}/${t.snapshots.prefix}: ${list.length} snapshot(s)`);
        for (const s of list.slice(0, ctx.params.action === "list" ? list.length : 5)) ctx.log(`${s.key}  ${s.lastModified}  ${s.size} bytes`);
        if (ctx.params.key !== undefined && !list.some((s) => s.key === ctx.params.key)) {
          throw new Error(`--key ${ctx.params.key} is not in s3://${t.snapshots.bucket}: pick one from the list`);
        }
        return { snapshots: list.length, newest: list[0]?.key ?? null };
      },
    }),
    step("take a snapshot now (vault-snapshot CronJob)", {
      when: (params) => params.action === "save",
      run: async (target, ctx) => {
        const t = aws(target);
        const job = `${VAULT_NAMES.snapshotCronJob}-manual-${compactTime(new Date(t.now())).toLowerCase()}`;
        const startedAt = t.now();
        await t.kube.kubectl(["-n", VAULT_NAMES.namespace, "create", "job", `--from=cronjob/${VAULT_NAMES.snapshotCronJob}`, job]);
        if (t.dryRun) {
          ctx.log(`would wait up to ${ctx.params.timeout} s for job ${job} to complete, then find its object in S3`);
          return { job };
        }
        await t.poll(
          async () => {
            const j = await t.kube.json(["-n", VAULT_NAMES.namespace, "get", "job", job]);
            /** @type {Array<{type: string, status: string, message?: string}>} */
            const conditions = j.status?.conditions ?? [];
            const failed = conditions.find((c) => c.type === "Failed" && c.status === "True");
            if (failed) throw new Error(`job ${job} failed: ${failed.message ?? "see kubectl -n vault logs job/" + job}`);
            return (j.status?.succeeded ?? 0) >= 1;
          },
          { intervalMs: POLL.job, timeoutMs: Number(ctx.params.timeout) * 1000, what: `job ${job} to complete` },
        );
        // The Job names its object itself (modules/vault/chart.ts); find the one it just wrote.
        const fresh = (await t.snapshots.list()).filter((s) => Date.parse(s.lastModified) >= startedAt - 60_000);
        if (!fresh.length) throw new Error(`job ${job} completed but no new object appeared under s3://${t.snapshots.bucket}/${t.snapshots.prefix}`);
        ctx.log(`saved ${fresh[0].key} (${fresh[0].size} bytes)`);
        return { job, snapshotKey: fresh[0].key, snapshotBytes: fresh[0].size };
      },
    }),
    step("restore the snapshot (replaces all of Vault's data)", {
      destructive: true,
      when: (params) => params.action === "restore",
      run: async (target, ctx) => {
        const t = aws(target);
        const key = String(ctx.params.key);
        if (t.would(`download s3://${t.snapshots.bucket}/${key} and call Vault POST /v1/sys/storage/raft/snapshot-force`)) return { restored: key };
        const bytes = await t.snapshots.get(key);
        const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
        ctx.log(`${key}: ${bytes.length} bytes, sha256 ${sha256}`);
        await t.vault.restoreSnapshot(bytes);
        return { restored: key, snapshotBytes: bytes.length, snapshotSha256: sha256 };
      },
    }),
    step("Vault is unsealed and has a leader", {
      when: (params) => params.action === "restore",
      run: async (target, ctx) => {
        const t = aws(target);
        if (t.dryRun) {
          ctx.log("would poll GET /v1/sys/seal-status and /v1/sys/leader until unsealed with a leader");
          return {};
        }
        const s = await t.vault.waitUnsealedWithLeader(Number(ctx.params.timeout) * 1000);
        ctx.log(`unsealed, leader ${s.leaderAddress}`);
        return { leaderAddress: s.leaderAddress };
      },
    }),
  ],
});
