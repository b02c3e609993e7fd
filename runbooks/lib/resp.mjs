/**
 * A minimal Redis client (RESP2) for the sandbox's write probe and Sentinel
 * queries: one persistent connection, one command at a time, a timeout per
 * command. The workspace has no Redis client dependency, and the probe needs
 * millisecond timing that spawning `redis-cli` per write cannot give.
 * See https://redis.io/docs/latest/develop/reference/protocol-spec/
 */
import net from "node:net";
import { connectTcp } from "./tcp.mjs";

/** @typedef {string | number | null | RespValue[]} RespValue */

export class RedisError extends Error {
  name = "RedisError";
}

export class RespConnection {
  /** @param {net.Socket} socket */
  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    /** @type {Array<(v: RespValue | Error) => void>} */
    this.waiters = [];
    /** @type {Error | null} */
    this.failed = null;
    socket.on("data", (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = parse(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.end);
        this.waiters.shift()?.(parsed.value);
      }
    });
    const fail = (/** @type {Error} */ err) => {
      this.failed = err;
      for (const w of this.waiters.splice(0)) w(err);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("connection closed")));
  }

  /**
   * @param {{host?: string, port: number, timeoutMs?: number}} opts
   * @returns {Promise<RespConnection>}
   */
  static async connect(opts) {
    const socket = await connectTcp(opts);
    return new RespConnection(socket);
  }

  /**
   * Send one command; rejects with RedisError on an error reply.
   * @param {Array<string | number>} args
   * @param {number} [timeoutMs]
   * @returns {Promise<RespValue>}
   */
  command(args, timeoutMs = 2000) {
    if (this.failed) return Promise.reject(this.failed);
    const parts = [`*${args.length}\r\n`];
    for (const a of args) {
      const s = String(a);
      parts.push(`$${Buffer.byteLength(s)}\r\n${s}\r\n`);
    }
    this.socket.write(parts.join(""));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push((v) => {
        clearTimeout(timer);
        if (v instanceof Error) reject(v);
        else resolve(v);
      });
    });
  }

  close() {
    this.socket.destroy();
  }
}

/**
 * @param {Buffer} buf
 * @param {number} at
 * @returns {{value: RespValue | Error, end: number} | null}
 */
function parse(buf, at) {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[at]);
  const line = buf.subarray(at + 1, eol).toString("utf8");
  const next = eol + 2;
  if (type === "+") return { value: line, end: next };
  if (type === "-") return { value: new RedisError(line), end: next };
  if (type === ":") return { value: Number(line), end: next };
  if (type === "$") {
    const len = Number(line);
    if (len < 0) return { value: null, end: next };
    if (buf.length < next + len + 2) return null;
    return { value: buf.subarray(next, next + len).toString("utf8"), end: next + len + 2 };
  }
  if (type === "*") {
    const count = Number(line);
    if (count < 0) return { value: null, end: next };
    /** @type {RespValue[]} */
    const items = [];
    let end = next;
    for (let i = 0; i < count; i++) {
      const item = parse(buf, end);
      if (!item) return null;
      items.push(item.value instanceof Error ? item.value.message : item.value);
      end = item.end;
    }
    return { value: items, end };
  }
  throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
}
