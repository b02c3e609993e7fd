#!/usr/bin/env node
// npm run chaos: start the local sandbox, kill the PostgreSQL primary and then
// the Redis primary while the write probe runs (runbooks/chaos.mjs --env local),
// report whether writes recover within the RTO target, and stop the sandbox.
import { spawnSync } from "node:child_process";

const run = (args) => spawnSync("npx", args, { stdio: "inherit" }).status ?? 1;
const started = run(["node", "scripts/sandbox.mjs", "up"]) === 0;
let failed = !started;
try {
  for (const target of ["postgres", "redis"]) {
    if (failed) break;
    failed = run(["zx", "runbooks/chaos.mjs", "--env", "local", "--target", target, "--yes"]) !== 0;
  }
} finally {
  run(["node", "scripts/sandbox.mjs", "down"]);
}
process.exitCode = failed ? 1 : 0;
