/**
 * A minimal PostgreSQL client (protocol v3, simple queries, trust auth only)
 * for the sandbox's write probe. The probe needs one persistent connection and
 * millisecond timing, which spawning `psql` per write cannot give; the
 * workspace has no PostgreSQL driver dependency, and the sandbox only ever
 * uses trust authentication on loopback, so this is all that is needed.
 * See https://www.postgresql.org/docs/15/protocol-flow.html
 */
import net from "node:net";
import { connectTcp } from "./tcp.mjs";

/** A connection to one server. Queries run one at a time. */
export class PgConnection {
  /** @param {net.Socket} socket */
  constructor(socket) {
    this.socket = socket;
    /** @type {Buffer} */
    this.buffer = Buffer.alloc(0);
    /** @type {((msg: {type: string, body: Buffer} | Error) => void) | null} */
    this.waiter = null;
    /** @type {Array<{type: string, body: Buffer} | Error>} */
    this.queue = [];
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", (err) => this.push(err));
    socket.on("close", () => this.push(new Error("connection closed")));
  }

  /**
   * Connect and authenticate (trust only).
   * @param {{host?: string, port: number, user?: string, database?: string, timeoutMs?: number, applicationName?: string}} opts
   * @returns {Promise<PgConnection>}
   */
  static async connect(opts) {
    const socket = await connectTcp(opts);
    const conn = new PgConnection(socket);
    const params = ["user", opts.user ?? "postgres", "database", opts.database ?? "postgres", "application_name", opts.applicationName ?? "groundwork"];
    const body = Buffer.concat([int32(196608), ...params.map(cstring), Buffer.from([0])]);
    socket.write(Buffer.concat([int32(body.length + 4), body]));
    for (;;) {
      const msg = await conn.next(opts.timeoutMs ?? 1000);
      if (msg.type === "R" && msg.body.readInt32BE(0) !== 0) throw new Error("server asked for a password: the sandbox uses trust authentication only");
      if (msg.type === "E") throw new Error(errorText(msg.body));
      if (msg.type === "Z") return conn;
    }
  }

  /**
   * Run one simple query; resolves to the rows of the last statement as arrays of text (null for NULL).
   * @param {string} sql
   * @param {number} [timeoutMs]
   * @returns {Promise<Array<Array<string | null>>>}
   */
  async query(sql, timeoutMs = 5000) {
    const body = cstring(sql);
    this.socket.write(Buffer.concat([Buffer.from("Q"), int32(body.length + 4), body]));
    /** @type {Array<Array<string | null>>} */
    let rows = [];
    /** @type {Error | null} */
    let error = null;
    for (;;) {
      const msg = await this.next(timeoutMs);
      if (msg.type === "T") rows = [];
      else if (msg.type === "D") rows.push(dataRow(msg.body));
      else if (msg.type === "E") error = new Error(errorText(msg.body));
      else if (msg.type === "Z") {
        if (error) throw error;
        return rows;
      }
    }
  }

  close() {
    if (!this.socket.destroyed) {
      this.socket.end(Buffer.concat([Buffer.from("X"), int32(4)]));
      this.socket.destroy();
    }
  }

  /** @param {Buffer} chunk */
  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 5) {
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < length + 1) break;
      this.push({ type: String.fromCharCode(this.buffer[0]), body: this.buffer.subarray(5, length + 1) });
      this.buffer = this.buffer.subarray(length + 1);
    }
  }

  /** @param {{type: string, body: Buffer} | Error} msg */
  push(msg) {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(msg);
    } else this.queue.push(msg);
  }

  /**
   * @param {number} timeoutMs
   * @returns {Promise<{type: string, body: Buffer}>}
   */
  next(timeoutMs) {
    const queued = this.queue.shift();
    const settle = (/** @type {{type: string, body: Buffer} | Error} */ msg) => {
      if (msg instanceof Error) {
        this.queue.unshift(msg); // every later read fails the same way
        throw msg;
      }
      return msg;
    };
    if (queued) return Promise.resolve().then(() => settle(queued));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        this.socket.destroy();
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (msg) => {
        clearTimeout(timer);
        try {
          resolve(settle(msg));
        } catch (err) {
          reject(err);
        }
      };
    });
  }
}

/** @param {number} n */
function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

/** @param {string} s */
function cstring(s) {
  return Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])]);
}

/** @param {Buffer} body */
function dataRow(body) {
  const count = body.readInt16BE(0);
  /** @type {Array<string | null>} */
  const row = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const len = body.readInt32BE(at);
    at += 4;
    if (len < 0) row.push(null);
    else {
      row.push(body.subarray(at, at + len).toString("utf8"));
      at += len;
    }
  }
  return row;
}

/** @param {Buffer} body */
function errorText(body) {
  /** @type {Record<string, string>} */
  const fields = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]);
    const end = body.indexOf(0, at + 1);
    fields[code] = body.subarray(at + 1, end).toString("utf8");
    at = end + 1;
  }
  return `${fields.S ?? "ERROR"} ${fields.C ?? ""}: ${fields.M ?? "unknown error"}`;
}
