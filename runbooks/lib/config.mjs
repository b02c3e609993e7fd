/**
 * The typed environment config (config/index.ts), loaded from JavaScript.
 * Under vitest the TypeScript file imports directly; under node/zx the tsx
 * loader is registered first (only when needed: it costs ~100 ms).
 */

/** @typedef {typeof import("../../config/index")} ConfigModule */

/** @type {Promise<ConfigModule> | null} */
let loading = null;

/** @returns {Promise<ConfigModule>} */
export function loadConfig() {
  loading ??= (async () => {
    const url = new URL("../../config/index.ts", import.meta.url).href;
    try {
      return await import(url);
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      if (code !== "ERR_UNKNOWN_FILE_EXTENSION" && code !== "ERR_UNSUPPORTED_ESM_URL_SCHEME") throw err;
      const { register } = await import("tsx/esm/api");
      register();
      return await import(url);
    }
  })();
  return loading;
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
