#!/usr/bin/env zx
// Initialise a new Vault cluster (KMS auto-unseal): recovery keys and the initial root token go to a 0600 file, never to the screen or the journal.
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "./lib/params.mjs";
import { repoRoot } from "./lib/paths.mjs";
import { runbook, step } from "./lib/runbook.mjs";
import { aws } from "./lib/targets/index.mjs";

export default runbook({
  id: "vault-init",
  title: "Initialise a new Vault cluster",
  summary:
    "Checks that Vault answers, uses AWS KMS auto-unseal and is not initialised; creates the key file (mode 0600, " +
    "outside the repository, never overwritten); calls PUT /v1/sys/init with recovery shares and threshold and writes " +
    "the recovery keys and the initial root token only to that file (journal and output show them masked); waits until " +
    "Vault is unsealed with a leader and every Raft peer has joined. Enables nothing: the <env>-vault stack configures Vault.",
  environments: ["dev", "staging", "prod"],
  environmentsWhy: "Vault is not in the sandbox",
  params: {
    output: { type: "string", required: true, help: "file to create for the recovery keys and root token (mode 0600, must not exist, outside the repository)" },
    recoveryShares: { type: "int", default: 5, min: 1, max: 10, help: "recovery key shares" },
    recoveryThreshold: { type: "int", default: 3, min: 1, max: 10, help: "shares needed to recover (generate a root token, rekey)" },
    timeout: { type: "duration", default: "5m", help: "how long to wait for the cluster to unseal, elect a leader and join its peers" },
  },
  validate: (params) => {
    if (Number(params.recoveryThreshold) > Number(params.recoveryShares)) {
      throw new UsageError(`--recovery-threshold: got ${params.recoveryThreshold}, allowed: at most --recovery-shares (${params.recoveryShares})`);
    }
    if (Number(params.recoveryShares) > 1 && Number(params.recoveryThreshold) < 2) {
      throw new UsageError(`--recovery-threshold: got ${params.recoveryThreshold}, allowed: at least 2 when there are several shares (one share alone must not be enough)`);
    }
  },
  steps: [
    step("Vault answers, auto-unseals with KMS and is not initialised", {
      check: async (target, ctx) => {
        const t = aws(target);
        const seal = await t.vault.sealStatus();
        if (seal.initialized || (await t.vault.initialized())) throw new Error(`Vault at ${t.vault.addr()} is already initialised: nothing to do (its recovery keys are with whoever initialised it)`);
        if (seal.type !== "awskms") throw new Error(`Vault at ${t.vault.addr()} seals with ${JSON.stringify(seal.type)}, not awskms: recovery shares apply to auto-unseal only; check the Vault module's seal stanza`);
        ctx.log(`Vault ${seal.version} at ${t.vault.addr()}: not initialised, seal type awskms`);
        return { vaultAddr: t.vault.addr(), vaultVersion: seal.version };
      },
    }),
    step("create the key file (mode 0600)", {
      check: (_t, ctx) => {
        const file = keyFile(ctx);
        const inRepo = !path.relative(repoRoot, file).startsWith("..");
        if (inRepo) throw new Error(`--output ${file} is inside the repository: keys must never be where git can commit them`);
        if (fs.existsSync(file)) throw new Error(`--output ${file} exists: never overwrite a key file; choose a new path`);
        if (!fs.existsSync(path.dirname(file))) throw new Error(`--output: directory ${path.dirname(file)} does not exist`);
        return true;
      },
      run: (target, ctx) => {
        const t = aws(target);
        const file = keyFile(ctx);
        if (t.would(`create ${file} with mode 0600 (exclusive)`)) return { keyFile: file };
        // Created before Vault is initialised: the keys exist once, in Vault's answer, and must have somewhere to go.
        fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600));
        fs.chmodSync(file, 0o600); // in case the umask removed bits we asked for
        return { keyFile: file };
      },
      rollback: (_t, ctx) => {
        // Only an empty file this run created: never a file that holds keys.
        const file = keyFile(ctx);
        if (fs.existsSync(file) && fs.statSync(file).size === 0) fs.rmSync(file);
      },
    }),
    step("initialise Vault", {
      destructive: true,
      run: async (target, ctx) => {
        const t = aws(target);
        const file = keyFile(ctx);
        const shares = Number(ctx.params.recoveryShares);
        const threshold = Number(ctx.params.recoveryThreshold);
        if (t.would(`call Vault PUT /v1/sys/init recovery_shares=${shares} recovery_threshold=${threshold}, write the keys and root token to ${file}`)) return { initialized: false };
        const keys = await t.vault.init({ recoveryShares: shares, recoveryThreshold: threshold });
        const content = {
          environment: t.env,
          vaultAddr: t.vault.addr(),
          initializedAt: new Date(t.now()).toISOString(),
          runId: ctx.runId,
          recovery_threshold: threshold,
          recovery_keys_b64: keys.recoveryKeysB64,
          recovery_keys_hex: keys.recoveryKeysHex,
          root_token: keys.rootToken,
        };
        const fd = fs.openSync(file, "r+");
        try {
          fs.writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        // The journal shows that keys were issued and where they went; the masker replaces the values.
        t.journal.write("vault-init", { recovery_keys_b64: keys.recoveryKeysB64, root_token: keys.rootToken, storedIn: file, mode: "0600" });
        ctx.log(`${shares} recovery keys (threshold ${threshold}) and the root token written to ${file} (mode 0600)`);
        return { initialized: true, recoveryShares: shares, recoveryThreshold: threshold };
      },
    }),
    step("Vault is unsealed and has a leader", {
      run: async (target, ctx) => {
        const t = aws(target);
        if (t.dryRun) {
          ctx.log("would poll GET /v1/sys/seal-status and /v1/sys/leader until unsealed with a leader");
          return {};
        }
        const s = await t.vault.waitUnsealedWithLeader(Number(ctx.params.timeout) * 1000);
        ctx.log(`unsealed (${s.sealType}), leader ${s.leaderAddress}`);
        return { leaderAddress: s.leaderAddress };
      },
    }),
    step("every Raft peer has joined as a voter", {
      run: async (target, ctx) => {
        const t = aws(target);
        const want = t.config.vault.replicas;
        if (t.dryRun) {
          ctx.log(`would poll GET /v1/sys/storage/raft/configuration (with the new root token) until ${want} voters have joined`);
          return {};
        }
        const token = String(JSON.parse(fs.readFileSync(keyFile(ctx), "utf8")).root_token);
        t.masker.addSecret(token);
        const peers = await t.poll(
          async () => {
            const p = await t.vault.raftPeers(token);
            return p.filter((x) => x.voter).length >= want ? p : null;
          },
          { intervalMs: 2000, timeoutMs: Number(ctx.params.timeout) * 1000, what: `${want} Raft voters to join` },
        );
        ctx.log(`Raft peers: ${peers.map((p) => `${p.node}${p.leader ? " (leader)" : ""}`).join(", ")}`);
        ctx.log(`next: hand the recovery keys to their holders, apply the ${t.env}-vault stack with the root token, then revoke it (vault token revoke -self)`);
        return { raftVoters: peers.filter((p) => p.voter).length };
      },
    }),
  ],
});

/** @param {import("./lib/runbook.mjs").StepContext} ctx */
function keyFile(ctx) {
  return path.resolve(String(ctx.params.output));
}
