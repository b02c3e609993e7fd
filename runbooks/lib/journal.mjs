/**
 * The run journal: one JSON object per line under `drills/journal/<run-id>.jsonl`.
 * Secrets are masked before anything is written: values registered with
 * `addSecret` and anything that looks like a credential assignment.
 */
import fs from "node:fs";
import path from "node:path";

/** Keys whose values are always masked, in objects and in `key=value` text. */
const SECRET_KEY = /(password|passwd|secret|token|unseal|recovery[_-]?key|private[_-]?key|credential|authorization)/i;
const MASK = "****";

/** Masks secrets in text and JSON-like values. */
export class Masker {
  constructor() {
    /** @type {Set<string>} */
    this.secrets = new Set();
  }

  /** @param {string} value a secret that must never be written */
  addSecret(value) {
    if (value && value.length >= 4) this.secrets.add(value);
  }

  /**
   * @param {string} text
   * @returns {string}
   */
  text(text) {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(MASK);
    return out.replace(/\b([A-Za-z_-]*(?:password|passwd|secret|token)[A-Za-z_-]*)([=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, `$1$2${MASK}`);
  }

  /**
   * @param {unknown} value
   * @returns {unknown}
   */
  value(value) {
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v != null ? MASK : this.value(v)]));
    }
    return value;
  }
}

/**
 * @typedef {{type: string, at: string} & Record<string, unknown>} JournalEntry
 */

export class Journal {
  /**
   * @param {string} file
   * @param {Masker} masker
   */
  constructor(file, masker) {
    this.file = file;
    this.masker = masker;
  }

  /**
   * @param {string} dir the journal directory
   * @param {string} runId
   * @param {Masker} masker
   */
  static open(dir, runId, masker) {
    fs.mkdirSync(dir, { recursive: true });
    return new Journal(path.join(dir, `${runId}.jsonl`), masker);
  }

  /**
   * Append one entry (synchronously: a killed run keeps everything written before).
   * @param {string} type
   * @param {Record<string, unknown>} [fields]
   */
  write(type, fields = {}) {
    const entry = /** @type {Record<string, unknown>} */ (this.masker.value({ type, at: new Date().toISOString(), ...fields }));
    fs.appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }

  /**
   * @param {string} file
   * @returns {JournalEntry[]}
   */
  static read(file) {
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return []; // a line cut short by a killed run
        }
      });
  }
}

/** A journal that writes nothing (dry runs). */
export class NullJournal extends Journal {
  constructor() {
    super("", new Masker());
  }

  /**
   * @param {string} _type
   * @param {Record<string, unknown>} [_fields]
   */
  write(_type, _fields) {}
}
