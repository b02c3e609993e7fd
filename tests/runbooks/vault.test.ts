/**
 * vault-init and vault-snapshot against a fake Vault HTTP API on 127.0.0.1
 * (Vault is not in the sandbox), S3 mocked with aws-sdk-client-mock and
 * kubectl through a recording command runner. A fake clock makes polling instant.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import * as vaultConstants from "../../modules/vault/constants";
import { repoRoot } from "../../runbooks/lib/paths.mjs";
import { POLL, VAULT_DEFAULT_ADDR, VAULT_NAMES } from "../../runbooks/lib/targets/aws.mjs";
import vaultInit from "../../runbooks/vault-init.mjs";
import vaultSnapshot from "../../runbooks/vault-snapshot.mjs";
import { FakeClock, argsAre, awsTarget, fakeVault, recordingRunner, runOn, type VaultRequest } from "./helpers";

const drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-vault-"));
const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-vault-keys-"));
afterAll(() => {
  fs.rmSync(drills, { recursive: true, force: true });
  fs.rmSync(keysDir, { recursive: true, force: true });
});

const RECOVERY_B64 = ["cmVjb3Zlcnkta2V5LW9uZS0xMTExMTE=", "cmVjb3Zlcnkta2V5LXR3by0yMjIyMjI=", "cmVjb3Zlcnkta2V5LXRocmVlLTMzMzM=", "cmVjb3Zlcnkta2V5LWZvdXItNDQ0NDQ0", "cmVjb3Zlcnkta2V5LWZpdmUtNTU1NTU1"];
const RECOVERY_HEX = RECOVERY_B64.map((k) => Buffer.from(k, "base64").toString("hex"));
const ROOT = "hvs.rootTOKENvalue0123456789";
const SECRETS = [...RECOVERY_B64, ...RECOVERY_HEX, ROOT];

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
});

it("uses the names and operator address of modules/vault/constants.ts", () => {
  expect(VAULT_DEFAULT_ADDR).toBe(vaultConstants.VAULT_OPERATOR_ADDRESS);
  expect(VAULT_NAMES).toEqual({ namespace: vaultConstants.VAULT_NAMESPACE, snapshotCronJob: vaultConstants.SNAPSHOT_CRONJOB, snapshotPrefix: vaultConstants.SNAPSHOT_PREFIX });
});

describe("vault-init", () => {
  let vault: Awaited<ReturnType<typeof fakeVault>>;
  let initialized: boolean;
  let sealPolls: number;
  let raftPolls: number;
  beforeEach(async () => {
    initialized = false;
    sealPolls = 0;
    raftPolls = 0;
    vault = await fakeVault((req: VaultRequest) => {
      if (req.method === "GET" && req.path === "/v1/sys/init") return [200, { initialized }];
      if (req.method === "GET" && req.path === "/v1/sys/seal-status") {
        // Right after init, KMS auto-unseal has not finished yet: sealed on the first poll.
        const sealed = !initialized || sealPolls++ === 0;
        return [200, { type: "awskms", initialized, sealed, recovery_seal: true, version: "1.20.4" }];
      }
      if (req.method === "PUT" && req.path === "/v1/sys/init") {
        initialized = true;
        return [200, { keys: [], keys_base64: [], recovery_keys: RECOVERY_HEX, recovery_keys_base64: RECOVERY_B64, root_token: ROOT }];
      }
      if (req.method === "GET" && req.path === "/v1/sys/leader") return [200, { ha_enabled: true, is_self: true, leader_address: "https://vault-0.vault-internal:8200" }];
      if (req.method === "GET" && req.path === "/v1/sys/storage/raft/configuration") {
        if (req.token !== ROOT) return [403, { errors: ["permission denied"] }];
        const n = raftPolls++ === 0 ? 1 : 3;
        return [200, { data: { config: { servers: Array.from({ length: n }, (_, i) => ({ node_id: `vault-${i}`, address: `vault-${i}.vault-internal:8201`, leader: i === 0, voter: true })) } } }];
      }
      return [404, { errors: [] }];
    });
  });
  afterEach(() => vault.close());

  const target = () => awsTarget("staging", clock, { processEnv: { VAULT_ADDR: vault.addr } });

  it("initialises with recovery shares, writes the keys and root token only to a 0600 file, and waits for an unsealed cluster with every peer", async () => {
    const file = path.join(keysDir, "staging-init.json");
    const { r, out } = await runOn(vaultInit, ["--env", "staging", "--output", file, "--yes"], await target(), drills);
    expect(r.error).toBeNull();
    expect(vault.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      "GET /v1/sys/seal-status",
      "GET /v1/sys/init",
      "PUT /v1/sys/init",
      "GET /v1/sys/seal-status", // still sealed
      "GET /v1/sys/seal-status",
      "GET /v1/sys/leader",
      "GET /v1/sys/storage/raft/configuration", // 1 voter
      "GET /v1/sys/storage/raft/configuration", // 3 voters
    ]);
    expect(JSON.parse(vault.requests[2].body)).toEqual({ recovery_shares: 5, recovery_threshold: 3 });
    expect(vault.requests.filter((q) => q.token !== null).map((q) => q.token)).toEqual([ROOT, ROOT]);
    expect(clock.sleeps).toEqual([POLL.vault, 2000]);

    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(stored).toMatchObject({ environment: "staging", recovery_threshold: 3, recovery_keys_b64: RECOVERY_B64, recovery_keys_hex: RECOVERY_HEX, root_token: ROOT });

    // Never on screen, in the journal or in the evidence report.
    const journal = fs.readFileSync(path.join(drills, "journal", `${r.runId}.jsonl`), "utf8");
    const report = fs.readFileSync(r.report!.json, "utf8") + fs.readFileSync(r.report!.md, "utf8");
    for (const secret of SECRETS) {
      expect(out).not.toContain(secret);
      expect(journal).not.toContain(secret);
      expect(report).not.toContain(secret);
    }
    const entry = journal.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === "vault-init");
    expect(entry).toMatchObject({ recovery_keys_b64: "****", root_token: "****", storedIn: file, mode: "0600" });
    expect(out).toContain(`5 recovery keys (threshold 3) and the root token written to ${file} (mode 0600)`);
    expect(r.data).toMatchObject({ initialized: true, leaderAddress: "https://vault-0.vault-internal:8200", raftVoters: 3 });
  });

  it("fails when Vault is already initialised, before creating a file or calling init", async () => {
    initialized = true;
    const file = path.join(keysDir, "again.json");
    const { r } = await runOn(vaultInit, ["--env", "staging", "--output", file, "--yes"], await target(), drills);
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe(`step 1 (Vault answers, auto-unseals with KMS and is not initialised) check failed: Vault at ${vault.addr} is already initialised: nothing to do (its recovery keys are with whoever initialised it)`);
    expect(vault.requests.some((q) => q.method === "PUT")).toBe(false);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("fails when the key file exists or is inside the repository, without calling init", async () => {
    const existing = path.join(keysDir, "exists.json");
    fs.writeFileSync(existing, "keep me");
    const a = await runOn(vaultInit, ["--env", "staging", "--output", existing, "--yes"], await target(), drills);
    expect(a.r.error).toBe(`step 2 (create the key file (mode 0600)) check failed: --output ${existing} exists: never overwrite a key file; choose a new path`);
    expect(fs.readFileSync(existing, "utf8")).toBe("keep me");
    const inRepo = path.join(repoRoot, "vault-keys.json");
    const b = await runOn(vaultInit, ["--env", "staging", "--output", inRepo, "--yes"], await target(), drills);
    expect(b.r.error).toContain("is inside the repository: keys must never be where git can commit them");
    expect(fs.existsSync(inRepo)).toBe(false);
    expect(vault.requests.some((q) => q.method === "PUT")).toBe(false);
  });

  it("fails with exit code 2 on bad input: threshold above shares, the sandbox, a missing --output", async () => {
    const bad = await runOn(vaultInit, ["--env", "staging", "--output", "/tmp/x.json", "--recovery-shares", "3", "--recovery-threshold", "4", "--yes"], await target(), drills);
    expect(bad.r.exitCode).toBe(2);
    expect(bad.out.trim()).toBe("vault-init: --recovery-threshold: got 4, allowed: at most --recovery-shares (3)");
    const one = await runOn(vaultInit, ["--env", "staging", "--output", "/tmp/x.json", "--recovery-threshold", "1", "--yes"], await target(), drills);
    expect(one.out.trim()).toBe("vault-init: --recovery-threshold: got 1, allowed: at least 2 when there are several shares (one share alone must not be enough)");
    const local = await runOn(vaultInit, ["--env", "local", "--output", "/tmp/x.json", "--yes"], undefined, drills);
    expect(local.r.exitCode).toBe(2);
    expect(local.out.trim()).toBe("vault-init: --env local: this runbook runs against dev, staging, prod (Vault is not in the sandbox)");
    const missing = await runOn(vaultInit, ["--env", "staging", "--yes"], await target(), drills);
    expect(missing.r.exitCode).toBe(2);
    expect(missing.out.trim()).toBe("vault-init: --output is required: a non-empty string");
    expect(vault.requests).toEqual([]);
  });

  it("--dry-run reads Vault's state, creates no file and does not initialise", async () => {
    const file = path.join(keysDir, "dry.json");
    const { r, out } = await runOn(vaultInit, ["--env", "prod", "--output", file, "--dry-run"], await target(), drills);
    expect(r.outcome).toBe("dry-run");
    expect(out).toContain(`would create ${file} with mode 0600 (exclusive)`);
    expect(out).toContain("would call Vault PUT /v1/sys/init recovery_shares=5 recovery_threshold=3");
    expect(vault.requests.map((q) => q.method)).toEqual(["GET", "GET"]);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("vault-snapshot", () => {
  const s3 = mockClient(S3Client);
  const bucket = "groundwork-staging-vault-snapshots-222222222222";
  const objects = [
    { Key: "raft/2025/01/31/20250131T100000Z.snap", LastModified: new Date("2025-01-31T10:00:10Z"), Size: 2048 },
    { Key: "raft/2025/01/31/20250131T110000Z.snap", LastModified: new Date("2025-01-31T11:00:10Z"), Size: 4096 },
  ];
  beforeEach(() => s3.reset());
  afterAll(() => s3.restore());

  it("list: pages through ListObjectsV2 under raft/ and prints the newest first", async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [objects[0]], IsTruncated: true, NextContinuationToken: "page-2" })
      .resolvesOnce({ Contents: [objects[1]], IsTruncated: false });
    const { r, out } = await runOn(vaultSnapshot, ["--env", "staging"], await awsTarget("staging", clock), drills);
    expect(r.error).toBeNull();
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: bucket, Prefix: "raft/", ContinuationToken: undefined },
      { Bucket: bucket, Prefix: "raft/", ContinuationToken: "page-2" },
    ]);
    expect(out.indexOf("raft/2025/01/31/20250131T110000Z.snap  2025-01-31T11:00:10.000Z  4096 bytes")).toBeLessThan(out.indexOf("raft/2025/01/31/20250131T100000Z.snap"));
  });

  it("save: creates a Job from the CronJob, waits for it and finds its object", async () => {
    const job = "vault-snapshot-manual-20250131t120000z";
    let polls = 0;
    const { calls, runner } = recordingRunner([
      [argsAre("-n", "vault", "get", "job", job, "-o", "json"), () => ({ stdout: JSON.stringify({ status: polls++ < 2 ? { active: 1 } : { succeeded: 1 } }) })],
    ]);
    const fresh = { Key: "raft/2025/01/31/20250131T120005Z.snap", LastModified: new Date("2025-01-31T12:00:12Z"), Size: 8192 };
    s3.on(ListObjectsV2Command).resolvesOnce({ Contents: objects }).resolves({ Contents: [...objects, fresh] });
    const { r } = await runOn(vaultSnapshot, ["--env", "staging", "--action", "save"], await awsTarget("staging", clock, { runner }), drills);
    expect(r.error).toBeNull();
    expect(calls).toEqual([
      ["kubectl", "--context", "groundwork-staging", "-n", "vault", "create", "job", "--from=cronjob/vault-snapshot", job],
      ["kubectl", "--context", "groundwork-staging", "-n", "vault", "get", "job", job, "-o", "json"],
      ["kubectl", "--context", "groundwork-staging", "-n", "vault", "get", "job", job, "-o", "json"],
      ["kubectl", "--context", "groundwork-staging", "-n", "vault", "get", "job", job, "-o", "json"],
    ]);
    expect(clock.sleeps).toEqual([POLL.job, POLL.job]);
    expect(r.data).toMatchObject({ job, snapshotKey: fresh.Key, snapshotBytes: 8192 });
  });

  it("save: fails when the Job fails, naming it", async () => {
    const { runner } = recordingRunner([[(a) => a.includes("get"), () => ({ stdout: JSON.stringify({ status: { conditions: [{ type: "Failed", status: "True", message: "BackoffLimitExceeded" }] } }) })]]);
    s3.on(ListObjectsV2Command).resolves({ Contents: objects });
    const { r } = await runOn(vaultSnapshot, ["--env", "staging", "--action", "save"], await awsTarget("staging", clock, { runner }), drills);
    expect(r.error).toBe("step 2 (take a snapshot now (vault-snapshot CronJob)) run failed: job vault-snapshot-manual-20250131t120000z failed: BackoffLimitExceeded");
  });

  describe("restore", () => {
    let vault: Awaited<ReturnType<typeof fakeVault>>;
    let restored = false;
    beforeEach(async () => {
      restored = false;
      vault = await fakeVault((req) => {
        if (req.method === "POST" && req.path === "/v1/sys/storage/raft/snapshot-force") {
          restored = true;
          return [204, undefined];
        }
        if (req.path === "/v1/sys/seal-status") return [200, { type: "awskms", initialized: true, sealed: false, version: "1.20.4" }];
        if (req.path === "/v1/sys/leader") return [200, { ha_enabled: true, leader_address: restored ? "https://vault-1.vault-internal:8200" : "" }];
        return [404, {}];
      });
    });
    afterEach(() => vault.close());

    it("downloads the chosen snapshot and force-restores it with the operator's token", async () => {
      const snapshot = Buffer.from("raft-snapshot-bytes\u0000\u0001\u00ff");
      s3.on(ListObjectsV2Command).resolves({ Contents: objects });
      s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new Uint8Array(snapshot) } as never });
      const target = await awsTarget("staging", clock, { processEnv: { VAULT_ADDR: vault.addr, VAULT_TOKEN: "hvs.operator-token-1234" } });
      const { r, out } = await runOn(vaultSnapshot, ["--env", "staging", "--action", "restore", "--key", objects[0].Key, "--yes"], target, drills);
      expect(r.error).toBeNull();
      expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: bucket, Key: objects[0].Key }]);
      const post = vault.requests.find((q) => q.method === "POST")!;
      expect(post.path).toBe("/v1/sys/storage/raft/snapshot-force");
      expect(post.token).toBe("hvs.operator-token-1234");
      expect(Buffer.from(post.body, "latin1").equals(snapshot)).toBe(true);
      expect(vault.requests.map((q) => `${q.method} ${q.path}`).slice(1)).toEqual(["GET /v1/sys/seal-status", "GET /v1/sys/leader"]);
      expect(out).not.toContain("hvs.operator-token-1234");
      expect(fs.readFileSync(path.join(drills, "journal", `${r.runId}.jsonl`), "utf8")).not.toContain("hvs.operator-token-1234");
    });

    it("fails when the key is not in the bucket, and never restores", async () => {
      s3.on(ListObjectsV2Command).resolves({ Contents: objects });
      const target = await awsTarget("staging", clock, { processEnv: { VAULT_ADDR: vault.addr, VAULT_TOKEN: "t0ken-abcd" } });
      const { r } = await runOn(vaultSnapshot, ["--env", "staging", "--action", "restore", "--key", "raft/nope.snap", "--yes"], target, drills);
      expect(r.error).toBe(`step 1 (list the snapshots) check failed: --key raft/nope.snap is not in s3://${bucket}: pick one from the list`);
      expect(vault.requests).toEqual([]);
    });

    it("fails with exit code 2 when restore has no --key, and needs confirmation", async () => {
      const target = await awsTarget("staging", clock, { processEnv: { VAULT_ADDR: vault.addr } });
      const a = await runOn(vaultSnapshot, ["--env", "staging", "--action", "restore"], target, drills);
      expect(a.r.exitCode).toBe(2);
      expect(a.out.trim()).toBe("vault-snapshot: --action restore needs --key: allowed: a snapshot key from --action list, such as raft/2025/01/31/20250131T120000Z.snap");
      const b = await runOn(vaultSnapshot, ["--env", "staging", "--action", "restore", "--key", objects[0].Key], target, drills);
      expect(b.r.exitCode).toBe(2);
      expect(b.out.trim()).toBe("vault-snapshot: destructive steps need confirmation: pass --yes, or run in a terminal");
      expect(s3.calls()).toHaveLength(0);
    });
  });
});
