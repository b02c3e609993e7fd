/**
 * `sandboxEndpoint` reads `state.json` in the shape runbooks/lib/sandbox.mjs
 * writes (`SandboxState`): `postgres.primary` is a node *name*, the port is
 * under `postgres.nodes[name].port`; Redis nodes are asked who is master.
 * Here the state file is written by hand to a temp GROUNDWORK_SANDBOX_DIR;
 * events.test.ts checks the same against a real sandbox.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { freePort } from "./lib/throwaway";
import { sandboxEndpoint } from "./lib/sandbox-state";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "gw-sandbox-state-"));
  vi.stubEnv("GROUNDWORK_SANDBOX_DIR", dir);
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const node = (name: string, port: number) => ({ name, port, dataDir: `/x/${name}`, logFile: `/x/${name}.log`, pid: 0 });
const redisNode = (port: number) => ({ port, pid: 0, dir: "/x", conf: "/x/redis.conf", logFile: "/x/redis.log" });
/** A state file as `up` writes it, after a failover made pg-b the primary. */
const state = (redisPorts: [number, number]) => ({
  version: 1,
  dir,
  startedAt: "2026-01-01T00:00:00.000Z",
  postgres: { mode: "sync", runAs: null, archiveDir: "/x/archive", primary: "pg-b", nodes: { "pg-a": node("pg-a", 15432), "pg-b": node("pg-b", 15433) }, restores: {} },
  redis: { masterName: "groundwork", nodes: { r1: redisNode(redisPorts[0]), r2: redisNode(redisPorts[1]) }, sentinels: {} },
});

describe("sandboxEndpoint", () => {
  it("takes the PostgreSQL port of the node named as primary", () => {
    writeFileSync(path.join(dir, "state.json"), JSON.stringify(state([1, 2])));
    expect(sandboxEndpoint("postgres")).toEqual({ host: "127.0.0.1", port: 15433 });
  });

  it("finds no Redis primary when no node answers", async () => {
    writeFileSync(path.join(dir, "state.json"), JSON.stringify(state([await freePort(), await freePort()])));
    expect(sandboxEndpoint("redis")).toBeUndefined();
  });

  it("returns undefined without a state file, or when the named primary has no node entry", () => {
    expect(sandboxEndpoint("postgres")).toBeUndefined();
    const s = state([1, 2]);
    writeFileSync(path.join(dir, "state.json"), JSON.stringify({ ...s, postgres: { ...s.postgres, primary: "pg-c" } }));
    expect(sandboxEndpoint("postgres")).toBeUndefined();
  });
});
