#!/usr/bin/env node
// The local DR drill, end to end: start the sandbox, run runbooks/dr-drill.mjs against it,
// print the evidence report, stop the sandbox (only if this script started it).
//   npm run drill            (GROUNDWORK_SANDBOX_DIR and GROUNDWORK_DRILLS_DIR move its state)
import fs from "node:fs";
import drDrill from "../runbooks/dr-drill.mjs";
import { sandboxDir } from "../runbooks/lib/paths.mjs";
import { execute } from "../runbooks/lib/runbook.mjs";
import { down, readState, status, up } from "../runbooks/lib/sandbox.mjs";

async function main() {
  const dir = sandboxDir();
  const t0 = performance.now();
  const before = readState(dir) ? await status({ dir }) : null;
  const startedHere = !before || !before.every((s) => s.healthy);
  const log = (/** @type {string} */ line) => console.log(`sandbox: ${line}`);
  try {
    await up({ dir, log });
    const result = await execute(drDrill, ["--env", "local", "--yes"], { isTTY: false });
    if (result.report) console.log(`\n${fs.readFileSync(result.report.md, "utf8")}`);
    process.exitCode = result.exitCode;
  } finally {
    if (startedHere) await down({ dir, log });
    else log("left running: it was up before the drill");
    console.log(`drill: ${((performance.now() - t0) / 1000).toFixed(1)} s in total`);
  }
}

main().catch((err) => {
  console.error(`drill: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
