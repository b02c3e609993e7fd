/**
 * What every target shares: running commands (journaled, secrets masked,
 * skipped in a dry run) and describing actions that are not commands.
 */
import { $ } from "zx";
import { Masker, NullJournal } from "../journal.mjs";

/**
 * @typedef {{stdout: string, stderr: string, exitCode: number}} CommandResult
 * @typedef {(argv: string[], opts: {input?: string}) => Promise<CommandResult>} CommandRunner
 * @typedef {{dryRun?: boolean, masker?: Masker, log?: (line: string) => void, runner?: CommandRunner, sleep?: (ms: number) => Promise<void>, now?: () => number}} BaseOptions
 */

/** @type {CommandRunner} */
export const zxRunner = async (argv, { input }) => {
  const p = await $({ quiet: true, nothrow: true, input })`${argv}`;
  return { stdout: p.stdout, stderr: p.stderr, exitCode: p.exitCode ?? 1 };
};

export class BaseTarget {
  /**
   * @param {string} env
   * @param {BaseOptions} [opts]
   */
  constructor(env, opts = {}) {
    this.env = env;
    this.dryRun = Boolean(opts.dryRun);
    this.masker = opts.masker ?? new Masker();
    this.log = opts.log ?? (() => {});
    /** @type {import("../journal.mjs").Journal} */
    this.journal = new NullJournal();
    this.runner = opts.runner ?? zxRunner;
    /** @type {(ms: number) => Promise<void>} */
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    /** @type {() => number} */
    this.now = opts.now ?? (() => Date.now());
    /** Set by the engine: the failover step calls it at the moment of the fault. */
    this.markFault = () => {};
    /** @type {(() => Promise<void> | void) | undefined} */
    this.close = undefined;
  }

  /**
   * Run a command. `mutates: false` marks read-only commands, which also run in a dry run.
   * @param {string[]} argv
   * @param {{mutates?: boolean, input?: string, allowFail?: boolean}} [opts]
   * @returns {Promise<CommandResult | null>} null when skipped by a dry run
   */
  async exec(argv, opts = {}) {
    const shown = this.masker.text(argv.map(quote).join(" "));
    if (this.dryRun && opts.mutates !== false) {
      this.log(`would run: ${shown}`);
      return null;
    }
    const t0 = performance.now();
    const r = await this.runner(argv, { input: opts.input });
    this.journal.write("command", { command: shown, exitCode: r.exitCode, seconds: Math.round(performance.now() - t0) / 1000 });
    if (r.exitCode !== 0 && !opts.allowFail) {
      const why = this.masker.text(r.stderr.trim().split("\n").pop() ?? "");
      throw new Error(`${argv.find((a) => !a.startsWith("-") && a !== "setpriv") ?? argv[0]} exited with ${r.exitCode}: ${why}`);
    }
    return r;
  }

  /**
   * Describe an action that is not a command (a signal, an API call, a file
   * write). Returns true in a dry run: the caller then skips the action.
   * @param {string} description
   * @param {Record<string, unknown>} [details] journaled with the action
   */
  would(description, details = {}) {
    if (this.dryRun) {
      this.log(`would ${this.masker.text(description)}`);
      return true;
    }
    this.journal.write("action", { action: description, ...details });
    return false;
  }
}

/** @param {string} arg */
function quote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
