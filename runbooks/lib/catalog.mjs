/**
 * Every runbook's declaration, for the docs site (one page per runbook) and
 * the tests. Importing a runbook returns its declaration and runs nothing.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { flagName } from "./params.mjs";
import { runbooksDir } from "./paths.mjs";

/**
 * @typedef {{
 *   id: string, title: string, summary: string, file: string, doc: string | null,
 *   params: Array<{flag: string, type: string, help: string, default: unknown, required: boolean, values: readonly string[] | null}>,
 *   steps: Array<{title: string, destructive: boolean}>,
 * }} RunbookEntry
 */

/**
 * @param {string} [dir]
 * @returns {Promise<RunbookEntry[]>} sorted by id
 */
export async function listRunbooks(dir = runbooksDir) {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".mjs"))
    .sort();
  /** @type {RunbookEntry[]} */
  const out = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(dir, f)).href);
    /** @type {import("./runbook.mjs").Runbook} */
    const decl = mod.default;
    if (!decl || typeof decl.id !== "string") throw new Error(`runbooks/${f}: export default runbook({...})`);
    if (`${decl.id}.mjs` !== f) throw new Error(`runbooks/${f}: id ${JSON.stringify(decl.id)} must match the file name`);
    const doc = path.join(dir, `${decl.id}.md`);
    out.push({
      id: decl.id,
      title: decl.title,
      summary: decl.summary ?? "",
      file: path.join(dir, f),
      doc: fs.existsSync(doc) ? doc : null,
      params: Object.entries(decl.params).map(([name, p]) => ({
        flag: flagName(name),
        type: p.type,
        help: p.help,
        default: p.default ?? null,
        required: Boolean(p.required),
        values: p.values ?? null,
      })),
      steps: decl.steps.map((s) => ({ title: s.title, destructive: s.destructive })),
    });
  }
  return out;
}
