/**
 * Endpoints of the local sandbox's primaries from `.sandbox/state.json`
 * (written by `node scripts/sandbox.mjs up`; shape: runbooks/lib/sandbox.mjs
 * `SandboxState`). PostgreSQL's primary is named in the state; Redis's is
 * whichever node Sentinel made master, so it is asked with `ROLE`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** Host and port of a server. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

interface SandboxState {
  postgres?: { primary?: string; nodes?: Record<string, { port: number }> };
  redis?: { nodes?: Record<string, { port: number }> };
}

function isMaster(port: number): boolean {
  try {
    return execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "ROLE"], { encoding: "utf8", timeout: 2000, stdio: ["ignore", "pipe", "ignore"] }).startsWith("master");
  } catch {
    return false;
  }
}

/** The primary of `kind` from the sandbox state file, or undefined when the file or the entry is missing. */
export function sandboxEndpoint(kind: "postgres" | "redis", root = process.cwd()): Endpoint | undefined {
  const file = path.join(process.env.GROUNDWORK_SANDBOX_DIR ?? path.join(root, ".sandbox"), "state.json");
  if (!existsSync(file)) return undefined;
  let state: SandboxState;
  try {
    state = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  if (kind === "postgres") {
    const primary = state.postgres?.primary;
    const port = primary ? state.postgres?.nodes?.[primary]?.port : undefined;
    return port ? { host: "127.0.0.1", port } : undefined;
  }
  const master = Object.values(state.redis?.nodes ?? {}).find((n) => isMaster(n.port));
  return master ? { host: "127.0.0.1", port: master.port } : undefined;
}
