/**
 * The typed environment config (config/index.ts), loaded from JavaScript.
 * Under vitest the TypeScript file imports directly; under node/zx the tsx
 * loader is registered first (only when needed: it costs ~100 ms).
 */

/** @typedef {typeof import("../../config/index")} ConfigModule */
/** @typedef {typeof import("../../config/services")} ServicesModule */

/** @type {Promise<ConfigModule> | null} */
let loading = null;
/** @type {Promise<ServicesModule> | null} */
let loadingServices = null;

/**
 * Import a TypeScript module of the repository, registering tsx first when
 * the runtime cannot (plain node/zx).
 * @param {string} rel path relative to this file
 * @returns {Promise<any>}
 */
async function importTs(rel) {
  const url = new URL(rel, import.meta.url).href;
  try {
    return await import(url);
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code;
    if (code !== "ERR_UNKNOWN_FILE_EXTENSION" && code !== "ERR_UNSUPPORTED_ESM_URL_SCHEME") throw err;
    const { register } = await import("tsx/esm/api");
    register();
    // Node caches the failed load of `url`: import it again under another URL.
    return await import(`${url}?tsx`);
  }
}

/** @returns {Promise<ConfigModule>} */
export function loadConfig() {
  loading ??= importTs("../../config/index.ts");
  return loading;
}

/**
 * The service catalog (config/services.ts): runbooks that act on one service
 * take `--service` as an enum of these names, so a typo is refused (exit 2).
 * @returns {Promise<readonly import("../../config/services").Service[]>}
 */
export async function loadServices() {
  loadingServices ??= importTs("../../config/services.ts");
  return (await loadingServices).services;
}

/**
 * One AWS environment's validated config, or a one-line error naming the allowed ones.
 * @param {string} name
 */
export async function environmentConfig(name) {
  const config = await loadConfig();
  const env = config.environments.find((e) => e.name === name);
  if (!env) throw new Error(`environment ${JSON.stringify(name)} is not in config/: use one of ${config.environments.map((e) => e.name).join(", ")}`);
  return { env, names: config.resourceNames(env.name), stateStore: config.stateStore };
}
