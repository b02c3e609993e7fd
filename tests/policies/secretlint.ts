/** Runs the repository's secretlint (`.secretlintrc.json`) over files and returns what it found. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

/** One secret secretlint reported (the secret itself is masked). */
export interface SecretFinding {
  readonly file: string;
  readonly line: number;
  readonly ruleId: string;
  readonly message: string;
}

/**
 * Scan `files` (paths relative to `cwd`; secretlint refuses paths outside its
 * working directory) with the committed `.secretlintrc.json`.
 */
export function scanForSecrets(files: readonly string[], cwd = root): SecretFinding[] {
  if (files.length === 0) throw new Error("scanForSecrets: no files to scan");
  // --output, not stdout: secretlint exits before a large piped stdout is flushed.
  const dir = mkdtempSync(join(tmpdir(), "gw-secretlint-"));
  const output = join(dir, "report.json");
  let results: { filePath: string; messages: { ruleId: string; message: string; loc: { start: { line: number } } }[] }[];
  try {
    const run = spawnSync(
      join(root, "node_modules/.bin/secretlint"),
      ["--format", "json", "--no-color", "--no-glob", "--secretlintrc", join(root, ".secretlintrc.json"), "--output", output, ...files],
      { cwd, encoding: "utf8" },
    );
    try {
      results = JSON.parse(readFileSync(output, "utf8"));
    } catch {
      throw new Error(`secretlint did not report JSON (exit ${run.status}): ${run.stderr.split("\n")[0]}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results.flatMap((r) => r.messages.map((m) => ({ file: r.filePath, line: m.loc.start.line, ruleId: m.ruleId, message: m.message })));
}
