/**
 * The local sandbox of real servers the runbooks rehearse against: a
 * PostgreSQL 15 primary with WAL archiving and a streaming hot standby
 * (synchronous by default), and a Redis 7 primary, replica and three
 * Sentinels. Everything listens on loopback on free ports and lives under one
 * state directory (`GROUNDWORK_SANDBOX_DIR`, default `.sandbox/`), described by
 * `state.json`; server logs are in its `logs/` and outlive `down`.
 * `scripts/sandbox.mjs` is the command-line front end.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { $ } from "zx";
import { PgConnection } from "./pgwire.mjs";
import { RespConnection } from "./resp.mjs";

export const PG_BIN = process.env.GROUNDWORK_PG_BIN || "/usr/lib/postgresql/15/bin";
export const REDIS_MASTER_NAME = "groundwork";
/** Sentinel's failure detection; the issue's Redis RTO target assumes 1000 ms. */
export const SENTINEL_DOWN_AFTER_MS = 1000;
/** PostgreSQL refuses to run as root; the sandbox then runs it as `nobody`. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/**
 * @typedef {"sync" | "async"} ReplicationMode
 * @typedef {{name: string, port: number, dataDir: string, logFile: string, pid: number}} PgNode
 * @typedef {{port: number, pid: number, dir: string, conf: string, logFile: string}} RedisNode
 * @typedef {{
 *   version: 1,
 *   dir: string,
 *   startedAt: string,
 *   postgres: {mode: ReplicationMode, runAs: {uid: number, gid: number} | null, archiveDir: string, primary: string, nodes: Record<string, PgNode>, restores: Record<string, PgNode>},
 *   redis: {masterName: string, nodes: Record<string, RedisNode>, sentinels: Record<string, RedisNode>},
 * }} SandboxState
 */

/** @param {string} dir */
export function statePath(dir) {
  return path.join(dir, "state.json");
}

/**
 * Where server logs go: outside the data directories `down` removes, so an
 * operator can read why a server failed after the sandbox is gone.
 * @param {string} dir
 */
export function logsDir(dir) {
  return path.join(dir, "logs");
}

/**
 * @param {string} dir
 * @returns {SandboxState | null}
 */
export function readState(dir) {
  try {
    return JSON.parse(fs.readFileSync(statePath(dir), "utf8"));
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === "ENOENT") return null;
    throw err;
  }
}

/**
 * Replace state.json atomically (runbooks update it when roles change).
 * @param {SandboxState} state
 */
export function writeState(state) {
  const tmp = `${statePath(state.dir)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, statePath(state.dir));
}

/**
 * Read the state or fail with a one-line message telling how to start the sandbox.
 * @param {string} dir
 * @returns {SandboxState}
 */
export function requireState(dir) {
  const state = readState(dir);
  if (!state) throw new Error(`no sandbox in ${dir}: start it with "node scripts/sandbox.mjs up"`);
  return state;
}

/** @returns {Promise<number>} a TCP port free on loopback right now */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(addr.port));
    });
  });
}

/** @param {number} pid */
export function pidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is not serving anything.
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/**
 * Whether `pid` is still the process we started (pids are reused): its
 * command line mentions `marker` (a data directory or a port).
 * @param {number} pid
 * @param {string} marker
 */
function isOurs(pid, marker) {
  if (!pidAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").includes(marker);
  } catch {
    return true; // no /proc: trust the recorded pid
  }
}

/**
 * Poll `probe` until it returns a truthy value.
 * @template T
 * @param {() => Promise<T> | T} probe
 * @param {{timeoutMs: number, what: string, intervalMs?: number}} opts
 * @returns {Promise<T>}
 */
export async function waitFor(probe, { timeoutMs, what, intervalMs = 50 }) {
  const deadline = Date.now() + timeoutMs;
  /** @type {unknown} */
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * The argv that runs a PostgreSQL binary as the sandbox's PostgreSQL user.
 * @param {SandboxState["postgres"]["runAs"]} runAs
 * @param {string} bin
 * @param {string[]} args
 */
export function pgArgv(runAs, bin, args) {
  return asUser(runAs, [path.join(PG_BIN, bin), ...args]);
}

/**
 * The argv that runs any command as the sandbox's PostgreSQL user.
 * @param {SandboxState["postgres"]["runAs"]} runAs
 * @param {string[]} argv
 */
export function asUser(runAs, argv) {
  if (!runAs) return argv;
  return ["setpriv", `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups", "--", ...argv];
}

/**
 * Run one SQL statement on a sandbox server and return its rows.
 * @param {number} port
 * @param {string} sql
 * @param {number} [timeoutMs]
 */
export async function pgQuery(port, sql, timeoutMs = 5000) {
  const conn = await PgConnection.connect({ port, timeoutMs });
  try {
    return await conn.query(sql, timeoutMs);
  } finally {
    conn.close();
  }
}

/**
 * Run one Redis command on a sandbox server.
 * @param {number} port
 * @param {Array<string | number>} args
 * @param {number} [timeoutMs]
 */
export async function redisCommand(port, args, timeoutMs = 2000) {
  const conn = await RespConnection.connect({ port, timeoutMs });
  try {
    return await conn.command(args, timeoutMs);
  } finally {
    conn.close();
  }
}

/**
 * Make a directory owned by the PostgreSQL user.
 * @param {string} dir
 * @param {SandboxState["postgres"]["runAs"]} runAs
 */
function pgDir(dir, runAs) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs) fs.chownSync(dir, runAs.uid, runAs.gid);
}

/**
 * PostgreSQL settings every sandbox server shares.
 * @param {number} port
 * @param {string} archiveDir
 * @param {ReplicationMode} mode
 */
function pgSettings(port, archiveDir, mode) {
  return [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    "unix_socket_directories = ''",
    "wal_level = replica",
    "max_wal_senders = 10",
    "wal_keep_size = '256MB'",
    "hot_standby = on",
    // Restore verification compares rows by commit time (db-restore).
    "track_commit_timestamp = on",
    // "always": a standby archives what it receives too, so the archive has no
    // gap when a primary dies before archiving its last segments.
    "archive_mode = always",
    `archive_command = 'test -f ${archiveDir}/%f || cp %p ${archiveDir}/%f'`,
    `restore_command = 'cp ${archiveDir}/%f %p'`,
    // "*" makes whichever standby is connected synchronous, so roles can swap.
    `synchronous_standby_names = '${mode === "sync" ? "*" : ""}'`,
    // The sandbox's fault model kills processes, not the machine: the page
    // cache survives, so fsync only costs time here.
    "fsync = off",
    "shared_buffers = '32MB'",
    "max_connections = 40",
    "wal_receiver_status_interval = '1s'",
    "log_min_messages = warning",
    "",
  ].join("\n");
}

/**
 * Start a PostgreSQL data directory and return its postmaster pid.
 * @param {SandboxState} state
 * @param {PgNode} node
 */
export async function startPg(state, node) {
  await $({ quiet: true })`${pgArgv(state.postgres.runAs, "pg_ctl", ["start", "-D", node.dataDir, "-l", node.logFile, "-w", "-t", "60"])}`;
  const pid = Number(fs.readFileSync(path.join(node.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  node.pid = pid;
  return pid;
}

/**
 * Stop a process we started, by pid: `signal`, then SIGKILL after `graceMs`.
 * @param {number} pid
 * @param {string} marker text its command line must contain
 * @param {NodeJS.Signals} signal
 * @param {number} [graceMs]
 */
export async function stopPid(pid, marker, signal, graceMs = 10_000) {
  if (!isOurs(pid, marker)) return false;
  process.kill(pid, signal);
  try {
    await waitFor(() => !pidAlive(pid), { timeoutMs: graceMs, what: `pid ${pid} to exit`, intervalMs: 20 });
  } catch {
    if (pidAlive(pid)) process.kill(pid, "SIGKILL");
  }
  return true;
}

/**
 * Current pid of a PostgreSQL data directory's postmaster (0 when stopped).
 * @param {string} dataDir
 */
export function postmasterPid(dataDir) {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return isOurs(pid, dataDir) ? pid : 0;
  } catch {
    return 0;
  }
}

/**
 * Remove `postmaster.pid` when its process is dead. A killed postmaster can
 * linger as a zombie when nothing reaps it; PostgreSQL then refuses to start
 * in that directory (its lock check counts the zombie as alive).
 * @param {string} dataDir
 */
export function removeStalePidFile(dataDir) {
  const file = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(file)) return false;
  const pid = Number(fs.readFileSync(file, "utf8").split("\n")[0]);
  if (pidAlive(pid)) return false;
  fs.rmSync(file, { force: true });
  return true;
}

/**
 * Write the settings that make `node` a standby of `primaryPort`.
 * @param {PgNode} node
 * @param {number} primaryPort
 * @param {SandboxState["postgres"]["runAs"]} runAs
 */
export function configureStandby(node, primaryPort, runAs) {
  const auto = path.join(node.dataDir, "postgresql.auto.conf");
  const kept = fs.existsSync(auto)
    ? fs.readFileSync(auto, "utf8").split("\n").filter((l) => !/^(primary_conninfo|synchronous_standby_names|port)\b/.test(l))
    : [];
  const lines = [
    ...kept.filter((l) => l !== ""),
    `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=${node.name}'`,
    `port = ${node.port}`,
    // A promoted standby starts without a synchronous partner: it must accept
    // writes at once. The runbook re-enables synchronous replication when the
    // old primary has rejoined.
    "synchronous_standby_names = ''",
    "",
  ];
  fs.writeFileSync(auto, lines.join("\n"));
  fs.writeFileSync(path.join(node.dataDir, "standby.signal"), "");
  if (runAs) {
    fs.chownSync(auto, runAs.uid, runAs.gid);
    fs.chownSync(path.join(node.dataDir, "standby.signal"), runAs.uid, runAs.gid);
  }
}

/**
 * Start the sandbox. Idempotent: when every recorded server is running it
 * only switches the replication mode if asked to.
 * @param {{dir: string, mode?: ReplicationMode, log?: (line: string) => void}} opts
 * @returns {Promise<SandboxState>}
 */
export async function up({ dir, mode = "sync", log = () => {} }) {
  const existing = readState(dir);
  if (existing && allRunning(existing)) {
    if (existing.postgres.mode !== mode) await setReplicationMode(existing, mode);
    log(`sandbox already up in ${dir}`);
    return existing;
  }
  if (existing) {
    log("sandbox partly running: stopping what is left and starting again");
    await down({ dir });
  }
  fs.mkdirSync(dir, { recursive: true });
  // PostgreSQL runs as another user when we are root: it must reach its files.
  fs.chmodSync(dir, 0o755);
  const runAs = process.getuid?.() === 0 ? UNPRIVILEGED : null;
  const pgRoot = path.join(dir, "postgres");
  fs.rmSync(pgRoot, { recursive: true, force: true });
  fs.rmSync(path.join(dir, "redis"), { recursive: true, force: true });
  fs.mkdirSync(pgRoot, { mode: 0o755 });
  if (runAs) fs.chownSync(pgRoot, runAs.uid, runAs.gid);
  const archiveDir = path.join(pgRoot, "archive");
  pgDir(archiveDir, runAs);
  const logs = logsDir(dir);
  fs.mkdirSync(logs, { recursive: true, mode: 0o755 });

  const [pgA, pgB, r1, r2, s1, s2, s3] = await distinctFreePorts(7);
  /** @type {SandboxState} */
  const state = {
    version: 1,
    dir,
    startedAt: new Date().toISOString(),
    postgres: {
      mode,
      runAs,
      archiveDir,
      primary: "pg-a",
      nodes: {
        "pg-a": { name: "pg-a", port: pgA, dataDir: path.join(pgRoot, "pg-a"), logFile: path.join(logs, "pg-a.log"), pid: 0 },
        "pg-b": { name: "pg-b", port: pgB, dataDir: path.join(pgRoot, "pg-b"), logFile: path.join(logs, "pg-b.log"), pid: 0 },
      },
      restores: {},
    },
    redis: { masterName: REDIS_MASTER_NAME, nodes: {}, sentinels: {} },
  };
  writeState(state); // so `down` can clean up after a failed `up`

  const primary = state.postgres.nodes["pg-a"];
  const standby = state.postgres.nodes["pg-b"];
  for (const n of [primary, standby]) {
    // Append: the log of an earlier sandbox in this directory is kept.
    fs.appendFileSync(n.logFile, `--- groundwork sandbox up ${state.startedAt} ---\n`);
    if (runAs) fs.chownSync(n.logFile, runAs.uid, runAs.gid);
  }
  pgDir(primary.dataDir, runAs);
  log(`postgres: initdb ${primary.dataDir}`);
  await $({ quiet: true })`${pgArgv(runAs, "initdb", ["-D", primary.dataDir, "-U", "postgres", "--auth=trust", "--data-checksums", "--no-sync", "-E", "UTF8", "--locale=C"])}`;
  fs.appendFileSync(path.join(primary.dataDir, "postgresql.conf"), `\n# groundwork sandbox\n${pgSettings(primary.port, archiveDir, mode)}`);
  await startPg(state, primary);
  writeState(state);
  log(`postgres: primary pg-a on port ${primary.port} (pid ${primary.pid})`);
  // No standby yet: a synchronous commit would wait for one forever.
  await pgQuery(primary.port, "SET synchronous_commit = local; CREATE TABLE probe_writes (run_id text NOT NULL, seq int NOT NULL, acked_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (run_id, seq))");

  await takeBaseBackup(state, log);

  pgDir(standby.dataDir, runAs);
  await $({ quiet: true })`${pgArgv(runAs, "pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", standby.dataDir, "-X", "stream", "--no-sync", "-c", "fast"])}`;
  configureStandby(standby, primary.port, runAs);
  await startPg(state, standby);
  writeState(state);
  await waitForStandby(primary.port, standby.name, mode, 30_000);
  log(`postgres: ${mode === "sync" ? "synchronous" : "asynchronous"} standby pg-b on port ${standby.port} (pid ${standby.pid})`);

  await startRedis(state, { r1, r2, s1, s2, s3 });
  writeState(state);
  log(`redis: primary r1 on ${r1}, replica r2 on ${r2}, sentinels on ${s1}, ${s2}, ${s3}`);
  return state;
}

/**
 * Take a base backup of the current primary into `postgres/backups/<time>`;
 * with the WAL archive it allows point-in-time restores to any later time.
 * @param {SandboxState} state
 * @param {(line: string) => void} [log]
 * @returns {Promise<{dir: string, startedAt: string, endedAt: string}>}
 */
export async function takeBaseBackup(state, log = () => {}) {
  const primary = state.postgres.nodes[state.postgres.primary];
  const root = path.join(state.dir, "postgres", "backups");
  pgDir(root, state.postgres.runAs);
  const startedAt = new Date().toISOString();
  const dir = path.join(root, startedAt.replace(/[-:.]/g, ""));
  pgDir(dir, state.postgres.runAs);
  await $({ quiet: true })`${pgArgv(state.postgres.runAs, "pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", dir, "-X", "fetch", "--no-sync", "-c", "fast"])}`;
  const meta = { dir, startedAt, endedAt: new Date().toISOString() };
  fs.writeFileSync(path.join(root, `${path.basename(dir)}.json`), `${JSON.stringify(meta)}\n`);
  log(`postgres: base backup ${dir}`);
  return meta;
}

/**
 * Base backups, oldest first.
 * @param {SandboxState} state
 * @returns {Array<{dir: string, startedAt: string, endedAt: string}>}
 */
export function listBackups(state) {
  const root = path.join(state.dir, "postgres", "backups");
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(fs.readFileSync(path.join(root, f), "utf8")))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/**
 * Wait until `name` streams from the primary on `port` (as a synchronous standby in sync mode).
 * @param {number} port
 * @param {string} name
 * @param {ReplicationMode} mode
 * @param {number} timeoutMs
 */
export async function waitForStandby(port, name, mode, timeoutMs) {
  const want = mode === "sync" ? "sync" : "async";
  await waitFor(
    async () => {
      const rows = await pgQuery(port, `SELECT state, sync_state FROM pg_stat_replication WHERE application_name = '${name}'`);
      return rows.some((r) => r[0] === "streaming" && r[1] === want);
    },
    { timeoutMs, what: `standby ${name} to stream (${want}) from port ${port}`, intervalMs: 50 },
  );
}

/**
 * Switch synchronous replication on or off on the current primary.
 * @param {SandboxState} state
 * @param {ReplicationMode} mode
 */
export async function setReplicationMode(state, mode) {
  const primary = state.postgres.nodes[state.postgres.primary];
  await pgQuery(primary.port, `ALTER SYSTEM SET synchronous_standby_names = '${mode === "sync" ? "*" : ""}'`);
  await pgQuery(primary.port, "SELECT pg_reload_conf()");
  state.postgres.mode = mode;
  writeState(state);
  const standby = Object.values(state.postgres.nodes).find((n) => n.name !== primary.name);
  if (standby) await waitForStandby(primary.port, standby.name, mode, 10_000);
}

/** @param {number} n */
async function distinctFreePorts(n) {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * @param {SandboxState} state
 * @param {Record<"r1" | "r2" | "s1" | "s2" | "s3", number>} ports
 */
async function startRedis(state, ports) {
  const root = path.join(state.dir, "redis");
  fs.mkdirSync(root, { recursive: true });
  /**
   * @param {string} name
   * @param {number} port
   * @param {string[]} extra
   * @returns {RedisNode}
   */
  const node = (name, port, extra) => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    const conf = path.join(dir, `${name}.conf`);
    const logFile = path.join(logsDir(state.dir), `${name}.log`);
    const lines = [
      "bind 127.0.0.1",
      `port ${port}`,
      "daemonize yes",
      `pidfile ${path.join(dir, `${name}.pid`)}`,
      `logfile ${logFile}`,
      `dir ${dir}`,
      ...extra,
    ];
    fs.writeFileSync(conf, `${lines.join("\n")}\n`);
    return { port, pid: 0, dir, conf, logFile };
  };
  const data = ['save ""', "appendonly no", "repl-diskless-sync yes", "repl-diskless-sync-delay 0"];
  state.redis.nodes.r1 = node("r1", ports.r1, data);
  state.redis.nodes.r2 = node("r2", ports.r2, [...data, `replicaof 127.0.0.1 ${ports.r1}`]);
  for (const name of /** @type {const} */ (["s1", "s2", "s3"])) {
    state.redis.sentinels[name] = node(name, ports[name], [
      `sentinel monitor ${REDIS_MASTER_NAME} 127.0.0.1 ${ports.r1} 2`,
      `sentinel down-after-milliseconds ${REDIS_MASTER_NAME} ${SENTINEL_DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${REDIS_MASTER_NAME} 10000`,
      `sentinel parallel-syncs ${REDIS_MASTER_NAME} 1`,
    ]);
  }
  for (const [name, n] of Object.entries(state.redis.nodes)) await startRedisProcess("redis-server", n, name);
  for (const [name, n] of Object.entries(state.redis.sentinels)) await startRedisProcess("redis-sentinel", n, name);
  await waitForRedisTopology(state, 30_000);
}

/**
 * Start a stopped (or killed) Redis server of the sandbox again with its own
 * config. Sentinel makes a returning old primary a replica of the current one.
 * @param {SandboxState} state
 * @param {string} name
 */
export async function restartRedisNode(state, name) {
  const n = state.redis.nodes[name];
  if (!n) throw new Error(`no redis node ${name}`);
  if (isOurs(n.pid, String(n.port))) return n.pid;
  // A killed server leaves its pid file behind: startRedisProcess must not read the old pid.
  fs.rmSync(path.join(n.dir, `${name}.pid`), { force: true });
  await startRedisProcess("redis-server", n, name);
  writeState(state);
  return n.pid;
}

/**
 * @param {string} binary
 * @param {RedisNode} n
 * @param {string} name
 */
async function startRedisProcess(binary, n, name) {
  await $({ quiet: true })`${binary} ${n.conf}`;
  const pidFile = path.join(n.dir, `${name}.pid`);
  n.pid = await waitFor(() => (fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8").trim()) : 0), {
    timeoutMs: 10_000,
    what: `${name} to write ${pidFile}`,
    intervalMs: 20,
  });
}

/**
 * Wait until the replica is in sync and every Sentinel knows the replica and the other Sentinels.
 * @param {SandboxState} state
 * @param {number} timeoutMs
 */
export async function waitForRedisTopology(state, timeoutMs) {
  await waitFor(
    async () => {
      for (const s of Object.values(state.redis.sentinels)) {
        const reply = /** @type {string[]} */ (await redisCommand(s.port, ["SENTINEL", "MASTER", REDIS_MASTER_NAME]));
        const info = pairs(reply);
        if (info["num-slaves"] !== "1" || info["num-other-sentinels"] !== "2" || info.flags !== "master") return false;
      }
      const master = await sentinelMaster(state);
      const info = String(await redisCommand(master.port, ["INFO", "replication"]));
      return /connected_slaves:1/.test(info) && /state=online/.test(info);
    },
    { timeoutMs, what: "redis replica and sentinels to settle", intervalMs: 100 },
  );
}

/**
 * @param {unknown[]} flat [k1, v1, k2, v2, ...]
 * @returns {Record<string, string>}
 */
export function pairs(flat) {
  /** @type {Record<string, string>} */
  const out = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/**
 * The Redis primary according to the first Sentinel that answers (what clients use).
 * @param {SandboxState} state
 * @returns {Promise<{name: string, port: number}>}
 */
export async function sentinelMaster(state) {
  /** @type {unknown} */
  let lastError;
  for (const s of Object.values(state.redis.sentinels)) {
    try {
      const reply = /** @type {string[]} */ (await redisCommand(s.port, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", REDIS_MASTER_NAME], 500));
      const port = Number(reply[1]);
      const name = Object.entries(state.redis.nodes).find(([, n]) => n.port === port)?.[0] ?? `port ${port}`;
      return { name, port };
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`no sentinel answered: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

/** @param {SandboxState} state */
function allRunning(state) {
  const pg = Object.values(state.postgres.nodes).every((n) => postmasterPid(n.dataDir) > 0);
  const redis = [...Object.values(state.redis.nodes), ...Object.values(state.redis.sentinels)];
  return pg && redis.length === 5 && redis.every((n) => isOurs(n.pid, String(n.port)));
}

/**
 * Stop every server `up` (or a runbook) started, by pid, and remove their data.
 * Logs stay in `logs/` for inspection (a log a runbook kept beside its data
 * directory is moved there first).
 * @param {{dir: string, log?: (line: string) => void}} opts
 * @returns {Promise<number>} how many processes were stopped
 */
export async function down({ dir, log = () => {} }) {
  const state = readState(dir);
  if (!state) {
    log(`no sandbox in ${dir}`);
    return 0;
  }
  let stopped = 0;
  for (const n of [...Object.values(state.redis.sentinels), ...Object.values(state.redis.nodes)]) {
    if (await stopPid(n.pid, String(n.port), "SIGTERM")) stopped++;
  }
  for (const n of [...Object.values(state.postgres.nodes), ...Object.values(state.postgres.restores)]) {
    // The postmaster may have been restarted by a runbook: trust its data directory's pid file.
    for (const pid of new Set([n.pid, postmasterPid(n.dataDir)])) {
      // SIGQUIT is PostgreSQL's immediate shutdown: the sandbox is discarded anyway.
      if (pid && (await stopPid(pid, n.dataDir, "SIGQUIT"))) stopped++;
    }
  }
  const pgRoot = path.join(dir, "postgres");
  for (const n of [...Object.values(state.postgres.nodes), ...Object.values(state.postgres.restores)]) {
    if (path.relative(pgRoot, n.logFile).startsWith("..") || !fs.existsSync(n.logFile)) continue;
    fs.mkdirSync(logsDir(dir), { recursive: true, mode: 0o755 });
    fs.renameSync(n.logFile, path.join(logsDir(dir), path.basename(n.logFile)));
  }
  fs.rmSync(pgRoot, { recursive: true, force: true });
  for (const n of Object.values({ ...state.redis.nodes, ...state.redis.sentinels })) fs.rmSync(n.dir, { recursive: true, force: true });
  fs.rmSync(statePath(dir), { force: true });
  log(`sandbox down: stopped ${stopped} process(es)`);
  return stopped;
}

/**
 * @typedef {{server: string, kind: "postgres" | "redis" | "sentinel", port: number, pid: number, role: string, healthy: boolean, detail: string}} ServerStatus
 */

/**
 * Each server's role and health.
 * @param {{dir: string}} opts
 * @returns {Promise<ServerStatus[] | null>} null when no sandbox is recorded
 */
export async function status({ dir }) {
  const state = readState(dir);
  if (!state) return null;
  /** @type {ServerStatus[]} */
  const out = [];
  for (const n of [...Object.values(state.postgres.nodes), ...Object.values(state.postgres.restores)]) {
    const pid = postmasterPid(n.dataDir);
    const row = { server: n.name, kind: /** @type {const} */ ("postgres"), port: n.port, pid, role: "stopped", healthy: false, detail: "" };
    if (pid) {
      try {
        const [[inRecovery]] = await pgQuery(n.port, "SELECT pg_is_in_recovery()", 2000);
        row.role = inRecovery === "t" ? "standby" : "primary";
        if (row.role === "primary") {
          const reps = await pgQuery(n.port, "SELECT application_name, state, sync_state FROM pg_stat_replication");
          row.detail = reps.map((r) => `${r[0]} ${r[1]} ${r[2]}`).join(", ") || "no standby";
        } else {
          const [rec] = await pgQuery(n.port, "SELECT status, sender_port FROM pg_stat_wal_receiver");
          row.detail = rec ? `${rec[0]} from port ${rec[1]}` : "not streaming";
        }
        row.healthy = true;
      } catch (err) {
        row.detail = err instanceof Error ? err.message : String(err);
      }
    }
    if (state.postgres.restores[n.name]) row.role = `restore (${row.role})`;
    out.push(row);
  }
  for (const [name, n] of Object.entries(state.redis.nodes)) {
    const row = { server: name, kind: /** @type {const} */ ("redis"), port: n.port, pid: n.pid, role: "stopped", healthy: false, detail: "" };
    if (isOurs(n.pid, String(n.port))) {
      try {
        const role = /** @type {unknown[]} */ (await redisCommand(n.port, ["ROLE"], 1000));
        row.role = role[0] === "master" ? "primary" : "replica";
        row.detail = role[0] === "master" ? `${/** @type {unknown[]} */ (role[2]).length} replica(s)` : `of port ${role[2]}, ${role[3]}`;
        row.healthy = true;
      } catch (err) {
        row.detail = err instanceof Error ? err.message : String(err);
      }
    }
    out.push(row);
  }
  for (const [name, n] of Object.entries(state.redis.sentinels)) {
    const row = { server: name, kind: /** @type {const} */ ("sentinel"), port: n.port, pid: n.pid, role: "stopped", healthy: false, detail: "" };
    if (isOurs(n.pid, String(n.port))) {
      try {
        const reply = /** @type {string[]} */ (await redisCommand(n.port, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", REDIS_MASTER_NAME], 1000));
        row.role = "sentinel";
        row.detail = `primary at port ${reply[1]}`;
        row.healthy = true;
      } catch (err) {
        row.detail = err instanceof Error ? err.message : String(err);
      }
    }
    out.push(row);
  }
  return out;
}
