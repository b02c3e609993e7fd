/**
 * The `local` target: drives the sandbox's real servers with the PostgreSQL
 * and Redis tools. Roles are read from `.sandbox/state.json` on every call,
 * so a resumed run sees what an interrupted one left.
 */
import fs from "node:fs";
import path from "node:path";
import { PgConnection } from "../pgwire.mjs";
import { WriteProbe } from "../probe.mjs";
import { RespConnection } from "../resp.mjs";
import {
  asUser,
  configureStandby,
  freePort,
  listBackups,
  pairs,
  PG_BIN,
  pgArgv,
  pgQuery,
  pidAlive,
  removeStalePidFile,
  postmasterPid,
  restartRedisNode,
  redisCommand,
  requireState,
  sentinelMaster,
  setReplicationMode,
  startPg,
  stopPid,
  waitFor,
  waitForStandby,
  writeState,
} from "../sandbox.mjs";
import { BaseTarget } from "./base.mjs";

/** Recovery targets of the sandbox (it is not an AWS environment, so they live here): issue #4. */
export const LOCAL_RECOVERY = { rtoSeconds: { database: 2, cache: 3 }, rpoSeconds: 0 };

export class LocalTarget extends BaseTarget {
  /**
   * @param {string} dir sandbox state directory
   * @param {import("./base.mjs").BaseOptions} [opts]
   */
  constructor(dir, opts = {}) {
    super("local", opts);
    this.dir = dir;
    this.recovery = LOCAL_RECOVERY;
    this.db = new LocalDb(this);
    this.cache = new LocalCache(this);
    /** AWS-only facets: present so runbooks can say why they are unavailable. */
    this.state = null;
    this.vault = null;
    this.snapshots = null;
    this.kube = null;
    this.chaos = null;
  }

  sandbox() {
    return requireState(this.dir);
  }
}

class LocalDb {
  /** @param {LocalTarget} t */
  constructor(t) {
    this.t = t;
  }

  /** @param {string} time */
  defaultRestoreName(time) {
    return `restore-${time.replace(/[-:]/g, "").replace(/\.\d+Z$|Z$/, "").toLowerCase()}`;
  }

  /**
   * SQL on a sandbox server, journaled; `mutates` statements are skipped in a dry run.
   * @param {number} port
   * @param {string} sql
   * @param {{mutates?: boolean, timeoutMs?: number}} [opts]
   */
  async sql(port, sql, opts = {}) {
    if (opts.mutates && this.t.would(`run SQL on port ${port}: ${sql}`)) return [];
    this.t.journal.write("sql", { port, sql });
    return pgQuery(port, sql, opts.timeoutMs);
  }

  roles() {
    const s = this.t.sandbox();
    const primary = s.postgres.nodes[s.postgres.primary];
    const standby = Object.values(s.postgres.nodes).find((n) => n.name !== primary.name);
    if (!standby) throw new Error("the sandbox has no standby");
    return { s, primary, standby };
  }

  /**
   * The standby is streaming and close enough to fail over to.
   * @param {number} maxLagBytes
   */
  async standbyStatus(maxLagBytes) {
    const { s, primary, standby } = this.roles();
    const [[inRecovery]] = await this.sql(standby.port, "SELECT pg_is_in_recovery()");
    if (inRecovery !== "t") throw new Error(`${standby.name} is not a standby`);
    const rows = await this.sql(
      primary.port,
      `SELECT state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint FROM pg_stat_replication WHERE application_name = '${standby.name}'`,
    );
    if (!rows.length || rows[0][0] !== "streaming") throw new Error(`${standby.name} is not streaming from ${primary.name}`);
    const lagBytes = Number(rows[0][2] ?? 0);
    if (lagBytes > maxLagBytes) throw new Error(`${standby.name} is ${lagBytes} bytes behind, above --max-lag-bytes ${maxLagBytes}`);
    this.t.log(`${standby.name} streams from ${primary.name} (${rows[0][1]}), ${lagBytes} bytes behind`);
    return { primary: primary.name, standby: standby.name, lagBytes, syncState: rows[0][1], mode: s.postgres.mode };
  }

  /**
   * Fence the primary (the fault: every one of its processes stops at once,
   * as when its host dies), then promote the standby. Safe to run again.
   * @param {{primary: string, standby: string}} roles from standbyStatus
   * @param {number} [_timeoutMs] AWS only: the sandbox fails over in about a second
   */
  async failover({ primary, standby }, _timeoutMs) {
    const s = this.t.sandbox();
    const old = s.postgres.nodes[primary];
    const next = s.postgres.nodes[standby];
    const pid = postmasterPid(old.dataDir);
    if (pid) {
      const pids = [pid, ...childPids(pid)];
      if (!this.t.would(`fence ${old.name}: SIGSTOP then SIGKILL postmaster ${pid} and its ${pids.length - 1} children`, { pids })) {
        for (const p of pids) signal(p, "SIGSTOP");
        this.t.markFault();
        for (const p of pids) signal(p, "SIGKILL");
        await waitFor(() => pids.every((p) => !pidAlive(p)), { timeoutMs: 5000, what: `${old.name} to die` });
      }
    } else {
      this.t.markFault(); // already down (a resumed run, or a real outage)
    }
    const [[inRecovery]] = this.t.dryRun ? [["t"]] : await this.sql(next.port, "SELECT pg_is_in_recovery()");
    if (inRecovery === "t") {
      await this.t.exec(pgArgv(s.postgres.runAs, "pg_ctl", ["promote", "-D", next.dataDir, "-w", "-t", "30"]));
    }
    if (!this.t.would(`record ${next.name} as the primary in ${path.join(s.dir, "state.json")}`)) {
      s.postgres.primary = next.name;
      old.pid = 0;
      writeState(s);
    }
    return { oldPrimary: old.name, newPrimary: next.name };
  }

  /** The primary accepts a write (a transaction that needs an xid). */
  async acceptsWrites() {
    const { primary } = this.roles();
    const [[inRecovery]] = await this.sql(primary.port, "SELECT pg_is_in_recovery()");
    if (inRecovery !== "f") throw new Error(`${primary.name} is still in recovery`);
    await this.sql(primary.port, "SELECT txid_current()");
    return true;
  }

  /**
   * Make the old primary a standby of the new one (pg_rewind, then stream);
   * restore synchronous replication when the sandbox is in sync mode.
   * @param {{oldPrimary: string, newPrimary: string}} roles
   */
  async rejoinAsStandby({ oldPrimary, newPrimary }) {
    const s = this.t.sandbox();
    const old = s.postgres.nodes[oldPrimary];
    const next = s.postgres.nodes[newPrimary];
    if (this.t.dryRun) {
      // The failover did not happen in a dry run: describe the plan only.
      this.t.log(`would run: ${pgArgv(s.postgres.runAs, "pg_rewind", ["-D", old.dataDir, `--source-server=host=127.0.0.1 port=${next.port} user=postgres dbname=postgres`]).join(" ")}`);
      this.t.would(`configure ${old.name} as a standby of ${next.name}, start it, wait for it to stream, restore ${s.postgres.mode} replication`);
      return { rejoined: old.name };
    }
    const running = postmasterPid(old.dataDir);
    if (running) {
      const [[inRecovery]] = await this.sql(old.port, "SELECT pg_is_in_recovery()");
      if (inRecovery === "f") throw new Error(`${old.name} is running as a primary next to ${next.name}: stop it before it takes writes`);
      await this.t.exec(pgArgv(s.postgres.runAs, "pg_ctl", ["stop", "-D", old.dataDir, "-m", "fast", "-w"]));
    }
    removeStalePidFile(old.dataDir);
    // pg_rewind reads the source's timeline from its control file, which a
    // just-promoted server updates only at its next checkpoint.
    await this.sql(next.port, "CHECKPOINT", { mutates: true });
    await this.t.exec(pgArgv(s.postgres.runAs, "pg_rewind", ["-D", old.dataDir, `--source-server=host=127.0.0.1 port=${next.port} user=postgres dbname=postgres`]));
    if (!this.t.would(`configure ${old.name} as a standby of ${next.name} (standby.signal, primary_conninfo)`)) configureStandby(old, next.port, s.postgres.runAs);
    if (!this.t.would(`start ${old.name}: pg_ctl start -D ${old.dataDir}`)) {
      await startPg(s, old);
      writeState(s);
      await waitForStandby(next.port, old.name, "async", 30_000);
      if (s.postgres.mode === "sync") await setReplicationMode(s, "sync");
    }
    return { rejoined: old.name };
  }

  /**
   * The write probe: inserts numbered rows into `probe_writes` on whichever
   * server accepts writes.
   * @param {string} runId
   */
  writeProbe(runId) {
    const s = this.t.sandbox();
    const nodes = Object.values(s.postgres.nodes);
    const probeId = `${runId}-${Date.now().toString(36)}`;
    /** @type {{conn: PgConnection, name: string} | null} */
    let current = null;
    const connectPrimary = async () => {
      for (const n of nodes) {
        /** @type {PgConnection | null} */
        let conn = null;
        try {
          conn = await PgConnection.connect({ port: n.port, timeoutMs: 250, applicationName: "groundwork-probe" });
          const [[inRecovery]] = await conn.query("SELECT pg_is_in_recovery()", 500);
          if (inRecovery === "f") return { conn, name: n.name };
        } catch {
          // not this one
        }
        conn?.close();
      }
      throw new Error("no server accepts writes");
    };
    return new WriteProbe(
      {
        write: async (seq) => {
          current ??= await connectPrimary();
          await current.conn.query(`INSERT INTO probe_writes (run_id, seq) VALUES ('${probeId}', ${seq})`, 1000);
          return current.name;
        },
        reset: () => {
          current?.conn.close();
          current = null;
        },
        readBack: async () => {
          const { conn } = await waitFor(connectPrimary, { timeoutMs: 15_000, what: "a primary to read the probe back" });
          try {
            const rows = await conn.query(`SELECT seq FROM probe_writes WHERE run_id = '${probeId}'`);
            return new Set(rows.map((r) => Number(r[0])));
          } finally {
            conn.close();
          }
        },
        close: () => current?.conn.close(),
      },
      { intervalMs: 20 },
    );
  }

  /**
   * Restore the primary's data as it was at `time` into a new server:
   * the newest base backup taken before `time`, then WAL replay from the
   * archive up to (not including) the first commit at or after `time`.
   * @param {{time: string, name: string}} opts
   * @param {number} [_timeoutMs] AWS only
   */
  async restoreToTime({ time, name }, _timeoutMs) {
    const s = this.t.sandbox();
    const { primary } = this.roles();
    const backup = listBackups(s)
      .filter((b) => b.endedAt < time)
      .pop();
    if (!backup) throw new Error(`no base backup finished before ${time}; the oldest restorable time is the end of the first backup`);
    // WAL after `time` must be archived: commit once (so a record past the target exists), then switch segments.
    await this.sql(primary.port, "SELECT txid_current()", { mutates: true });
    const [[walFile]] = this.t.dryRun ? [["(current)"]] : await this.sql(primary.port, "SELECT pg_walfile_name(pg_switch_wal())", { mutates: true });
    if (!this.t.dryRun) {
      await waitFor(async () => fs.existsSync(path.join(s.postgres.archiveDir, String(walFile))), { timeoutMs: 30_000, what: `WAL ${walFile} to be archived` });
    }
    const dataDir = path.join(s.dir, "postgres", name);
    if (fs.existsSync(dataDir) || s.postgres.restores[name]) throw new Error(`restore ${name} exists already: pick another --name or drop it`);
    const port = await freePort();
    const t0 = performance.now();
    await this.t.exec(asUser(s.postgres.runAs, ["cp", "-a", backup.dir, dataDir]));
    const settings = [
      `port = ${port}`,
      "archive_mode = off",
      "synchronous_standby_names = ''",
      "primary_conninfo = ''",
      `restore_command = 'cp ${s.postgres.archiveDir}/%f %p'`,
      // PostgreSQL's recovery_target_time rejects ISO 8601's "T" and "Z".
      `recovery_target_time = '${time.replace("T", " ").replace(/Z$/, "+00")}'`,
      "recovery_target_inclusive = off",
      "recovery_target_action = 'promote'",
      "",
    ].join("\n");
    /** @type {import("../sandbox.mjs").PgNode} */
    const node = { name, port, dataDir, logFile: path.join(s.dir, "postgres", `${name}.log`), pid: 0 };
    if (!this.t.would(`configure ${name} (port ${port}) to replay WAL to ${time}: recovery.signal, recovery_target_time`)) {
      fs.appendFileSync(path.join(dataDir, "postgresql.auto.conf"), `\n${settings}`);
      fs.writeFileSync(path.join(dataDir, "recovery.signal"), "");
      fs.rmSync(path.join(dataDir, "standby.signal"), { force: true });
      fs.writeFileSync(node.logFile, "");
      if (s.postgres.runAs) for (const f of [path.join(dataDir, "postgresql.auto.conf"), path.join(dataDir, "recovery.signal"), node.logFile]) fs.chownSync(f, s.postgres.runAs.uid, s.postgres.runAs.gid);
      s.postgres.restores[name] = node;
      writeState(s);
    }
    if (!this.t.would(`start ${name}: pg_ctl start -D ${dataDir}, wait until recovery ends`)) {
      await startPg(s, node);
      writeState(s);
      await waitFor(async () => (await pgQuery(port, "SELECT pg_is_in_recovery()"))[0][0] === "f", { timeoutMs: 60_000, what: `${name} to finish recovery` });
    }
    return { restore: name, restorePort: port, backup: backup.startedAt, restoreSeconds: Math.round(performance.now() - t0) / 1000 };
  }

  /**
   * Row counts and checksums of every user table: on the restore, all rows;
   * on the source, rows committed before `time`.
   * @param {{restore: string, time: string}} opts
   */
  async compareWithSource({ restore, time }) {
    const s = this.t.sandbox();
    const { primary } = this.roles();
    if (this.t.would(`compare row counts and checksums of ${restore} with ${primary.name}'s rows committed before ${time}`)) return { tables: [], match: true };
    const node = s.postgres.restores[restore];
    if (!node) throw new Error(`no restore named ${restore}`);
    const tables = (await this.sql(node.port, "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((r) => String(r[0]));
    /** @type {Array<{table: string, restoredRows: number, sourceRows: number, match: boolean}>} */
    const result = [];
    for (const table of tables) {
      const digest = (/** @type {string} */ where) => `SELECT count(*), coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM ${table} t ${where}`;
      const [[rc, rh]] = await this.sql(node.port, digest(""));
      const [[sc, sh]] = await this.sql(primary.port, digest(`WHERE pg_xact_commit_timestamp(t.xmin) < '${time}'::timestamptz`));
      result.push({ table, restoredRows: Number(rc), sourceRows: Number(sc), match: rc === sc && rh === sh });
    }
    return { tables: result, match: result.every((r) => r.match) };
  }

  /**
   * Stop a restored server and delete it.
   * @param {string} name
   */
  async dropRestore(name) {
    const s = this.t.sandbox();
    const node = s.postgres.restores[name];
    if (!node) return;
    if (this.t.would(`stop and delete restore ${name} (pid ${postmasterPid(node.dataDir)})`)) return;
    const pid = postmasterPid(node.dataDir);
    if (pid) await stopPid(pid, node.dataDir, "SIGQUIT");
    fs.rmSync(node.dataDir, { recursive: true, force: true });
    delete s.postgres.restores[name];
    writeState(s);
  }

  /**
   * Point clients at a restored server: it becomes the sandbox's primary and
   * the old primary and standby are stopped (recreate a standby with
   * `sandbox down` + `up`).
   * @param {string} name
   */
  async cutOver(name) {
    const s = this.t.sandbox();
    const node = s.postgres.restores[name];
    if (!node) throw new Error(`no restore named ${name}`);
    if (this.t.would(`cut over: stop ${Object.keys(s.postgres.nodes).join(" and ")}, make ${name} the primary`)) return { primary: name };
    for (const n of Object.values(s.postgres.nodes)) {
      const pid = postmasterPid(n.dataDir);
      if (pid) await stopPid(pid, n.dataDir, "SIGINT");
    }
    s.postgres.nodes = { [name]: node };
    delete s.postgres.restores[name];
    s.postgres.primary = name;
    writeState(s);
    return { primary: name };
  }

  /**
   * Newest base backup, for db-backup-verify.
   */
  latestBackup() {
    const b = listBackups(this.t.sandbox()).pop();
    if (!b) throw new Error("the sandbox has no base backup");
    return b;
  }

  /**
   * The newest base backup, as db-backup-verify's recovery point: with the
   * WAL archive it restores everything committed up to now.
   */
  latestRecoveryPoint() {
    const b = this.latestBackup();
    return { source: path.basename(b.dir), createdAt: b.endedAt, ageSeconds: Math.round((this.t.now() - Date.parse(b.endedAt)) / 1000) };
  }

  /**
   * Restore the newest base backup plus the WAL archive up to now into a
   * scratch server on a free port (db-restore's restore, to the present).
   * @param {{source: string, name: string}} opts
   * @param {number} [_timeoutMs] AWS only
   */
  async restoreScratch({ name }, _timeoutMs) {
    const time = new Date(this.t.now()).toISOString();
    const r = await this.restoreToTime({ time, name });
    return { scratch: name, scratchTime: time, restoreSeconds: r.restoreSeconds, scratchPort: r.restorePort };
  }

  /**
   * pg_amcheck (heap and btree checks on every relation) on the scratch
   * server, then row counts and checksums of every table against the
   * primary's rows committed before the restore time.
   * @param {string} name
   * @param {{scratchTime?: unknown}} data
   */
  async checkScratch(name, { scratchTime }) {
    if (this.t.would(`check ${name}: pg_amcheck on every relation, row counts and checksums against the primary`)) return { checks: [] };
    /** @type {Array<{check: string, ok: boolean, detail: string}>} */
    const checks = [];
    try {
      const r = await this.integrityCheck(name);
      checks.push({ check: "pg_amcheck", ok: true, detail: `no corruption in ${r.checkedTables} table(s) and their indexes` });
    } catch (err) {
      checks.push({ check: "pg_amcheck", ok: false, detail: err instanceof Error ? err.message : String(err) });
    }
    const cmp = await this.compareWithSource({ restore: name, time: String(scratchTime) });
    for (const r of cmp.tables) {
      checks.push({ check: `rows ${r.table}`, ok: r.match, detail: `${r.restoredRows} restored, ${r.sourceRows} in the primary before the restore time${r.match ? "" : ", checksums differ"}` });
    }
    return { checks };
  }

  /** @param {string} name @param {number} [_timeoutMs] */
  async dropScratch(name, _timeoutMs) {
    await this.dropRestore(name);
    return { dropped: name };
  }

  /**
   * The chaos fault: SIGKILL the primary's postmaster and every backend at
   * once (no fencing pause: the host is gone). Recovery is `failover`.
   */
  async killPrimary() {
    const { primary } = this.roles();
    const pid = postmasterPid(primary.dataDir);
    if (!pid) throw new Error(`${primary.name} is not running`);
    const pids = [pid, ...childPids(pid)];
    if (this.t.would(`SIGKILL ${primary.name}: postmaster ${pid} and its ${pids.length - 1} children`, { pids })) return { killed: primary.name };
    this.t.markFault();
    for (const p of pids) signal(p, "SIGKILL");
    await waitFor(() => pids.every((p) => !pidAlive(p)), { timeoutMs: 5000, what: `${primary.name} to die` });
    return { killed: primary.name, killedAt: new Date(this.t.now()).toISOString() };
  }

  /** Run integrity checks (amcheck on every btree index) on a restored server. @param {string} name */
  async integrityCheck(name) {
    const node = this.t.sandbox().postgres.restores[name];
    if (!node) throw new Error(`no restore named ${name}`);
    await this.t.exec([path.join(PG_BIN, "pg_amcheck"), "-h", "127.0.0.1", "-p", String(node.port), "-U", "postgres", "--install-missing", "-d", "postgres"], { mutates: false });
    const [[tables]] = await this.sql(node.port, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
    return { checkedTables: Number(tables) };
  }

  /**
   * Sample data for restore drills: a table of rows with commit times.
   * @param {string} label
   * @param {number} rows
   */
  async insertRows(label, rows) {
    const { primary } = this.roles();
    await this.sql(primary.port, "CREATE TABLE IF NOT EXISTS drill_rows (id bigserial PRIMARY KEY, label text NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp())", { mutates: true });
    for (let i = 0; i < rows; i++) await this.sql(primary.port, `INSERT INTO drill_rows (label) VALUES ('${label.replaceAll("'", "''")}')`, { mutates: true });
  }
}

class LocalCache {
  /** @param {LocalTarget} t */
  constructor(t) {
    this.t = t;
  }

  /**
   * @param {number} port
   * @param {Array<string | number>} args
   * @param {{mutates?: boolean, timeoutMs?: number}} [opts]
   */
  async cmd(port, args, opts = {}) {
    if (opts.mutates && this.t.would(`redis ${port}: ${args.join(" ")}`)) return null;
    this.t.journal.write("redis", { port, command: args.join(" ") });
    return redisCommand(port, args, opts.timeoutMs);
  }

  /**
   * The primary (as Sentinel says), its replica in sync, and Sentinel quorum.
   * @param {number} maxLagBytes
   */
  async replicaStatus(maxLagBytes) {
    const s = this.t.sandbox();
    const master = await sentinelMaster(s);
    const info = String(await this.cmd(master.port, ["INFO", "replication"]));
    const offset = Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? 0);
    const replica = /slave0:ip=[^,]+,port=(\d+),state=(\w+),offset=(\d+)/.exec(info);
    if (!replica || replica[2] !== "online") throw new Error(`primary ${master.name} has no online replica`);
    const lagBytes = offset - Number(replica[3]);
    if (lagBytes > maxLagBytes) throw new Error(`replica is ${lagBytes} bytes behind, above --max-lag-bytes ${maxLagBytes}`);
    const ckquorum = String(await this.cmd(Object.values(s.redis.sentinels)[0].port, ["SENTINEL", "CKQUORUM", s.redis.masterName]));
    const replicaName = Object.entries(s.redis.nodes).find(([, n]) => n.port === Number(replica[1]))?.[0] ?? `port ${replica[1]}`;
    this.t.log(`primary ${master.name}, replica ${replicaName} ${lagBytes} bytes behind; ${ckquorum}`);
    return { primary: master.name, replica: replicaName, lagBytes };
  }

  /**
   * Pause writes on the primary (so no acknowledged write can be lost), ask
   * Sentinel to fail over, and wait until Sentinel names the new primary.
   * @param {{primary: string}} roles
   * @param {number} timeoutMs
   */
  async failover({ primary }, timeoutMs) {
    const s = this.t.sandbox();
    const old = s.redis.nodes[primary];
    const sentinel = Object.values(s.redis.sentinels)[0];
    const current = await sentinelMaster(s);
    if (current.name === primary) {
      // Writes stay paused at most this long if the failover stalls; the old
      // primary is unpaused once it replicates from the new one.
      await this.cmd(old.port, ["CLIENT", "PAUSE", Math.min(Math.max(timeoutMs, 1000), 30_000), "WRITE"], { mutates: true });
      if (!this.t.dryRun) {
        this.t.markFault();
        // Replication is asynchronous: let the replica receive the last acknowledged writes first.
        const offset = Number(/master_repl_offset:(\d+)/.exec(String(await this.cmd(old.port, ["INFO", "replication"])))?.[1] ?? 0);
        const replica = Object.values(s.redis.nodes).find((n) => n.port !== old.port);
        if (replica) {
          await waitFor(async () => Number(/slave_repl_offset:(\d+)/.exec(String(await redisCommand(replica.port, ["INFO", "replication"])))?.[1] ?? -1) >= offset, {
            timeoutMs: 2000,
            what: "the replica to catch up with the paused primary",
            intervalMs: 5,
          });
        }
      }
      await this.cmd(sentinel.port, ["SENTINEL", "FAILOVER", s.redis.masterName], { mutates: true });
      if (this.t.dryRun) return { oldPrimary: primary, newPrimary: "(the replica)" };
      await waitFor(async () => (await sentinelMaster(s)).name !== primary, { timeoutMs, what: "Sentinel to name a new primary", intervalMs: 20 });
      // Sentinel would make the old primary a replica too, but its commands
      // queue behind its own paused PUBLISH until the pause ends: do it now,
      // then lift the pause (writes there now fail with READONLY).
      const next = await sentinelMaster(s);
      await this.cmd(old.port, ["REPLICAOF", "127.0.0.1", next.port]);
      await this.cmd(old.port, ["CLIENT", "UNPAUSE"]);
    } else {
      this.t.markFault();
    }
    const next = await sentinelMaster(s);
    return { oldPrimary: primary, newPrimary: next.name };
  }

  /** Every Sentinel names the same primary, and it takes writes. @param {{newPrimary: string}} roles */
  async clientsSeeNewPrimary({ newPrimary }) {
    const s = this.t.sandbox();
    for (const [name, sentinel] of Object.entries(s.redis.sentinels)) {
      await waitFor(
        async () => {
          const reply = /** @type {string[]} */ (await this.cmd(sentinel.port, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", s.redis.masterName]));
          return Number(reply[1]) === s.redis.nodes[newPrimary].port;
        },
        { timeoutMs: 10_000, what: `sentinel ${name} to name ${newPrimary}` },
      );
    }
    const role = /** @type {unknown[]} */ (await this.cmd(s.redis.nodes[newPrimary].port, ["ROLE"]));
    if (role[0] !== "master") throw new Error(`${newPrimary} reports role ${role[0]}`);
    return true;
  }

  /**
   * Wait until the old primary replicates from the new one.
   * @param {{oldPrimary: string, newPrimary: string}} roles
   */
  async oldPrimaryFollows({ oldPrimary, newPrimary }) {
    const s = this.t.sandbox();
    const old = s.redis.nodes[oldPrimary];
    const next = s.redis.nodes[newPrimary];
    if (this.t.would(`wait for ${oldPrimary} to replicate from ${newPrimary}`)) return {};
    await waitFor(
      async () => {
        const info = String(await redisCommand(old.port, ["INFO", "replication"]));
        return info.includes("role:slave") && info.includes(`master_port:${next.port}`) && info.includes("master_link_status:up");
      },
      { timeoutMs: 30_000, what: `${oldPrimary} to replicate from ${newPrimary}`, intervalMs: 50 },
    );
    return { followed: oldPrimary };
  }

  /**
   * The write probe: RPUSHes sequence numbers to the primary Sentinel names.
   * @param {string} runId
   */
  writeProbe(runId) {
    const s = this.t.sandbox();
    const key = `probe:${runId}:${Date.now().toString(36)}`;
    /** @type {{conn: RespConnection, name: string} | null} */
    let current = null;
    const connect = async () => {
      const master = await sentinelMaster(s);
      return { conn: await RespConnection.connect({ port: master.port, timeoutMs: 250 }), name: master.name };
    };
    return new WriteProbe(
      {
        write: async (seq) => {
          current ??= await connect();
          await current.conn.command(["RPUSH", key, seq], 250);
          return current.name;
        },
        reset: () => {
          current?.conn.close();
          current = null;
        },
        readBack: async () => {
          const { conn } = await connect();
          try {
            const items = /** @type {string[]} */ (await conn.command(["LRANGE", key, 0, -1]));
            await conn.command(["DEL", key]);
            return new Set(items.map(Number));
          } finally {
            conn.close();
          }
        },
        close: () => current?.conn.close(),
      },
      { intervalMs: 10 },
    );
  }

  /**
   * The chaos fault: SIGKILL the primary Sentinel names. Sentinel then fails
   * over by itself (down-after-milliseconds, quorum): nothing here helps it.
   */
  async killPrimary() {
    const s = this.t.sandbox();
    const master = await sentinelMaster(s);
    const node = s.redis.nodes[master.name];
    if (!node) throw new Error(`Sentinel names port ${master.port}, which is not a sandbox node`);
    if (this.t.would(`SIGKILL redis ${master.name} (pid ${node.pid})`, { pid: node.pid })) return { killed: master.name };
    this.t.markFault();
    signal(node.pid, "SIGKILL");
    await waitFor(() => !pidAlive(node.pid), { timeoutMs: 5000, what: `${master.name} to die` });
    return { killed: master.name, killedAt: new Date(this.t.now()).toISOString() };
  }

  /**
   * Wait until Sentinel names a primary other than `killed` (its automatic failover).
   * @param {string} killed
   * @param {number} timeoutMs
   */
  async awaitSentinelFailover(killed, timeoutMs) {
    const s = this.t.sandbox();
    if (this.t.would(`wait up to ${timeoutMs / 1000} s for Sentinel to promote a replica of ${killed}`)) return { newPrimary: "(a replica)" };
    const next = await waitFor(
      async () => {
        const m = await sentinelMaster(s);
        return m.name !== killed ? m.name : "";
      },
      { timeoutMs, what: `Sentinel to fail over from ${killed}`, intervalMs: 20 },
    );
    return { newPrimary: next };
  }

  /**
   * Start the killed node again; it rejoins as a replica of the new primary.
   * @param {{killed: string, newPrimary: string}} roles
   */
  async restartAsReplica({ killed, newPrimary }) {
    const s = this.t.sandbox();
    if (this.t.would(`start redis ${killed} again as a replica of ${newPrimary}`)) return { restarted: killed };
    await restartRedisNode(s, killed);
    // Sentinel would reconfigure it too, after noticing it is back; do it now.
    await this.cmd(s.redis.nodes[killed].port, ["REPLICAOF", "127.0.0.1", s.redis.nodes[newPrimary].port]);
    await this.oldPrimaryFollows({ oldPrimary: killed, newPrimary });
    return { restarted: killed };
  }

  /** Sentinel's view, for reports. */
  async sentinelView() {
    const s = this.t.sandbox();
    const reply = /** @type {string[]} */ (await this.cmd(Object.values(s.redis.sentinels)[0].port, ["SENTINEL", "MASTER", s.redis.masterName]));
    return pairs(reply);
  }
}

/**
 * Children of a process (PostgreSQL backends), from /proc.
 * @param {number} pid
 */
function childPids(pid) {
  /** @type {number[]} */
  const out = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * @param {number} pid
 * @param {NodeJS.Signals} sig
 */
function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
