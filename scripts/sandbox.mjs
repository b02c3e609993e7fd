#!/usr/bin/env node
// Start, stop or inspect the local sandbox of real PostgreSQL and Redis servers.
//   node scripts/sandbox.mjs up [--async] [--dir <path>]
//   node scripts/sandbox.mjs down [--dir <path>]
//   node scripts/sandbox.mjs status [--dir <path>] [--json]
// The state directory defaults to GROUNDWORK_SANDBOX_DIR or .sandbox/.
import path from "node:path";
import { parseArgs } from "node:util";
import { sandboxDir } from "../runbooks/lib/paths.mjs";
import { down, status, up } from "../runbooks/lib/sandbox.mjs";

const COMMANDS = ["up", "down", "status"];

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { dir: { type: "string" }, async: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean" } },
    });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const [command] = positionals;
  if (values.help) return usage();
  if (!command || !COMMANDS.includes(command) || positionals.length > 1) {
    return usage(`unknown command ${JSON.stringify(positionals.join(" "))}: use one of ${COMMANDS.join(", ")}`);
  }
  const dir = values.dir ? path.resolve(values.dir) : sandboxDir();
  const log = (/** @type {string} */ line) => console.log(line);
  if (command === "up") {
    await up({ dir, mode: values.async ? "async" : "sync", log });
    await printStatus(dir, false);
  } else if (command === "down") {
    await down({ dir, log });
  } else {
    const ok = await printStatus(dir, Boolean(values.json));
    if (!ok) process.exitCode = 1;
  }
}

/**
 * @param {string} dir
 * @param {boolean} json
 */
async function printStatus(dir, json) {
  const rows = await status({ dir });
  if (!rows) {
    console.log(json ? "null" : `no sandbox in ${dir}`);
    return false;
  }
  if (json) console.log(JSON.stringify(rows, null, 2));
  else {
    for (const r of rows) {
      console.log(`${r.healthy ? "ok  " : "DOWN"} ${r.server.padEnd(8)} ${r.kind.padEnd(8)} port ${String(r.port).padEnd(5)} pid ${String(r.pid).padEnd(7)} ${r.role.padEnd(8)} ${r.detail}`);
    }
  }
  return rows.every((r) => r.healthy);
}

/** @param {string} [error] */
function usage(error) {
  if (error) {
    console.error(`sandbox: ${error}`);
    process.exitCode = 2;
  }
  console.error("usage: node scripts/sandbox.mjs up|down|status [--dir <path>] [--async] [--json]");
}

main().catch((err) => {
  console.error(`sandbox: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
