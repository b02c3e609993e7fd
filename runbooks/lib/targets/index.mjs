/**
 * Targets: what `--env` selects. `local` drives the sandbox; dev, staging and
 * prod drive AWS through SDK v3 clients (and kubectl for in-cluster work).
 * Runbook steps call the same methods on either.
 */
import { sandboxDir } from "../paths.mjs";
import { environmentConfig } from "../config.mjs";
import { AwsTarget } from "./aws.mjs";
import { LocalTarget } from "./local.mjs";

/** @typedef {LocalTarget | AwsTarget} Target */

/**
 * @param {string} env
 * @param {{dryRun: boolean, masker: import("../journal.mjs").Masker, log: (line: string) => void, processEnv: NodeJS.ProcessEnv}} opts
 * @returns {Promise<Target>}
 */
export async function createTarget(env, opts) {
  if (env === "local") {
    const t = new LocalTarget(sandboxDir(opts.processEnv), opts);
    t.sandbox(); // fail now, with how to start it, when the sandbox is not up
    return t;
  }
  const { env: config, names, stateStore } = await environmentConfig(env);
  return new AwsTarget(config, names, stateStore, opts);
}

/**
 * The target as an AWS target, for steps of runbooks that declare
 * `environments: ["dev", "staging", "prod"]` (the engine refuses the others first).
 * @param {Target} t
 * @returns {AwsTarget}
 */
export function aws(t) {
  if (t instanceof AwsTarget) return t;
  throw new Error(`--env ${t.env}: this step needs an AWS environment`);
}

/**
 * The target as the sandbox's.
 * @param {Target} t
 * @returns {LocalTarget}
 */
export function local(t) {
  if (t instanceof LocalTarget) return t;
  throw new Error(`--env ${t.env}: this step needs the sandbox`);
}
