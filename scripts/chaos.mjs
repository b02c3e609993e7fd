#!/usr/bin/env node
// npm run chaos: chaos under load in the local sandbox. Starts the sandbox when
// it is not up, runs an open-model load against the database-backed reference
// target while runbooks/chaos.mjs kills the PostgreSQL primary and then the
// Redis primary, judges when errors stopped and p95 came back under the SLO
// against the local RTO, writes evidence to drills/records/, and stops the
// sandbox if it started it. Flags: tests/performance/chaos.ts (--help).
// Exit codes: 0 every recovery met its RTO, 1 one did not, 2 bad input.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tests", "performance", "chaos.ts"), ...process.argv.slice(2)], { stdio: "inherit", cwd: root });
process.exitCode = r.status ?? 1;
