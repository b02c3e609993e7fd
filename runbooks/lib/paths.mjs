/**
 * Where Groundwork keeps local run state. Every location can be moved with an
 * environment variable so parallel test files (and parallel operators) do not
 * collide.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The directory holding the runbooks. */
export const runbooksDir = path.join(repoRoot, "runbooks");

/**
 * The sandbox state directory: `GROUNDWORK_SANDBOX_DIR`, default `.sandbox/`.
 * @param {NodeJS.ProcessEnv} [env]
 */
export function sandboxDir(env = process.env) {
  return path.resolve(repoRoot, env.GROUNDWORK_SANDBOX_DIR || ".sandbox");
}

/**
 * Where journals (`journal/`) and evidence reports (`records/`) go:
 * `GROUNDWORK_DRILLS_DIR`, default `drills/`.
 * @param {NodeJS.ProcessEnv} [env]
 */
export function drillsDir(env = process.env) {
  return path.resolve(repoRoot, env.GROUNDWORK_DRILLS_DIR || "drills");
}
