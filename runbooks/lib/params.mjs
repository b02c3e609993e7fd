/**
 * Typed runbook parameters and the common flags every runbook accepts.
 * Flags are the kebab-case form of a parameter's name (`maxLagBytes` is
 * `--max-lag-bytes`); values are given as `--flag value` or `--flag=value`.
 */

/**
 * @typedef {"int" | "string" | "bool" | "enum" | "timestamp" | "duration"} ParamType
 * @typedef {{
 *   type: ParamType,
 *   help: string,
 *   default?: string | number | boolean,
 *   required?: boolean,
 *   values?: readonly string[],
 *   min?: number,
 *   max?: number,
 *   pattern?: RegExp,
 *   patternHelp?: string,
 * }} ParamSpec
 * @typedef {Record<string, string | number | boolean | undefined>} ParamValues
 * @typedef {{env: string, dryRun: boolean, yes: boolean, resume: string | undefined, help: boolean}} CommonFlags
 */

/** Environments every runbook accepts: the sandbox and the AWS environments in config/. */
export const ENVIRONMENTS = /** @type {const} */ (["local", "dev", "staging", "prod"]);

/** The flags every runbook has, for `--help`. */
export const COMMON_FLAGS = [
  ["--env <name>", `where to run: ${ENVIRONMENTS.join(", ")} (default local, the sandbox)`],
  ["--dry-run", "print every resolved step and command, change nothing"],
  ["--yes", "do not ask before destructive steps (prod also needs GROUNDWORK_ALLOW_PROD=1)"],
  ["--resume <run-id>", "continue a run after its last completed step"],
  ["--help", "show this help"],
];

/** A bad invocation: one line, exit code 2, nothing changed. */
export class UsageError extends Error {
  name = "UsageError";
}

/** @param {string} name camelCase */
export function flagName(name) {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * What values a parameter allows, in words, for errors and help.
 * @param {ParamSpec} spec
 */
export function allowedText(spec) {
  switch (spec.type) {
    case "int": {
      const range = spec.min !== undefined && spec.max !== undefined ? ` from ${spec.min} to ${spec.max}` : spec.min !== undefined ? ` >= ${spec.min}` : spec.max !== undefined ? ` <= ${spec.max}` : "";
      return `an integer${range}`;
    }
    case "enum":
      return `one of ${(spec.values ?? []).join(", ")}`;
    case "bool":
      return "true or false";
    case "timestamp":
      return "an ISO 8601 time with a zone, such as 2025-01-31T12:00:00Z";
    case "duration":
      return "a duration such as 90s, 30m or 2h";
    default:
      return spec.patternHelp ?? "a non-empty string";
  }
}

/**
 * Convert and validate one raw value.
 * @param {string} name
 * @param {ParamSpec} spec
 * @param {string | boolean} raw
 * @returns {string | number | boolean}
 */
export function coerce(name, spec, raw) {
  const fail = () => new UsageError(`${flagName(name)}: got ${JSON.stringify(raw)}, allowed: ${allowedText(spec)}`);
  if (spec.type === "bool") {
    if (raw === true || raw === "true") return true;
    if (raw === false || raw === "false") return false;
    throw fail();
  }
  if (typeof raw !== "string" || raw === "") throw fail();
  switch (spec.type) {
    case "int": {
      if (!/^-?\d+$/.test(raw)) throw fail();
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) throw fail();
      return n;
    }
    case "enum":
      if (!(spec.values ?? []).includes(raw)) throw fail();
      return raw;
    case "timestamp": {
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(raw) || Number.isNaN(Date.parse(raw))) throw fail();
      return new Date(raw).toISOString();
    }
    case "duration": {
      const m = /^(\d+)(s|m|h)$/.exec(raw);
      if (!m || Number(m[1]) <= 0) throw fail();
      return Number(m[1]) * { s: 1, m: 60, h: 3600 }[/** @type {"s" | "m" | "h"} */ (m[2])];
    }
    default:
      if (spec.pattern && !spec.pattern.test(raw)) throw fail();
      return raw;
  }
}

/**
 * Parse a runbook's command line.
 * @param {string[]} argv
 * @param {Record<string, ParamSpec>} specs
 * @returns {{common: CommonFlags, params: ParamValues, given: Set<string>}}
 */
export function parseArgv(argv, specs) {
  /** @type {Map<string, string>} flag -> param name */
  const byFlag = new Map(Object.keys(specs).map((k) => [flagName(k), k]));
  /** @type {CommonFlags} */
  const common = { env: "local", dryRun: false, yes: false, resume: undefined, help: false };
  /** @type {Record<string, string | boolean>} */
  const raw = {};
  const allowed = () => ["--env", "--dry-run", "--yes", "--resume", "--help", ...byFlag.keys()].join(", ");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}: runbooks take flags only (${allowed()})`);
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const takeValue = () => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      i++;
      return next;
    };
    if (flag === "--dry-run" || flag === "--yes" || flag === "--help") {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      common[flag === "--dry-run" ? "dryRun" : flag === "--yes" ? "yes" : "help"] = true;
    } else if (flag === "--env") {
      const env = takeValue();
      if (!(/** @type {readonly string[]} */ (ENVIRONMENTS).includes(env))) throw new UsageError(`--env: got ${JSON.stringify(env)}, allowed: one of ${ENVIRONMENTS.join(", ")}`);
      common.env = env;
    } else if (flag === "--resume") {
      const id = takeValue();
      if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new UsageError(`--resume: got ${JSON.stringify(id)}, allowed: a run id such as 20250131T120000Z-db-failover-local-ab12`);
      common.resume = id;
    } else if (byFlag.has(flag)) {
      const name = /** @type {string} */ (byFlag.get(flag));
      raw[name] = specs[name].type === "bool" && inline === undefined ? true : takeValue();
    } else if (flag.startsWith("--no-") && specs[camel(flag.slice(5))]?.type === "bool") {
      raw[camel(flag.slice(5))] = false;
    } else {
      throw new UsageError(`unknown flag ${flag}: allowed flags are ${allowed()}`);
    }
  }
  /** @type {ParamValues} */
  const params = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (name in raw) params[name] = coerce(name, spec, raw[name]);
    else if (spec.default !== undefined) params[name] = typeof spec.default === "string" ? coerce(name, spec, spec.default) : spec.default;
    else if (spec.required && !common.help && !common.resume) throw new UsageError(`${flagName(name)} is required: ${allowedText(spec)}`);
  }
  return { common, params, given: new Set(Object.keys(raw)) };
}

/** @param {string} kebab */
function camel(kebab) {
  return kebab.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}
