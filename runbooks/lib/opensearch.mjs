/**
 * A small OpenSearch REST client for runbooks: JSON requests, signed with
 * SigV4 (service `es`) for an Amazon OpenSearch Service domain, unsigned for
 * the local stand-in. Every request is journaled (method, path, status;
 * never the signature). Also `matches`, the comparison the runbooks use to
 * decide whether what the domain holds is already what they would write.
 */
import crypto from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * @typedef {{accessKeyId: string, secretAccessKey: string, sessionToken?: string}} Credentials
 * @typedef {{region: string, credentials: () => Promise<Credentials>, now?: () => number}} SigningOptions
 * @typedef {{status: number, json: any}} ApiResponse
 */

/** SHA-256 for the SDK's signer, from node:crypto (HMAC when given a secret). */
class NodeSha256 {
  /** @param {string | ArrayBuffer | ArrayBufferView} [secret] */
  constructor(secret) {
    this.secret = secret;
    this.reset();
  }

  /** @param {string | ArrayBuffer | ArrayBufferView} data */
  update(data) {
    this.hash.update(toBuffer(data));
  }

  async digest() {
    return new Uint8Array(this.hash.digest());
  }

  reset() {
    /** @type {crypto.Hash | crypto.Hmac} */
    this.hash = this.secret === undefined ? crypto.createHash("sha256") : crypto.createHmac("sha256", toBuffer(this.secret));
  }
}

/** @param {string | ArrayBuffer | ArrayBufferView} data */
function toBuffer(data) {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/**
 * One path segment, percent-encoded as SigV4 expects (RFC 3986: `*` and `,`
 * too), so the path sent and the path signed are the same string.
 * @param {string} segment
 */
export function encodeSegment(segment) {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `/a/b/<encoded c>`: literal API path parts, then user-supplied names encoded.
 * @param {string} base e.g. "/_plugins/_ism/policies"
 * @param {...string} names
 */
export function apiPath(base, ...names) {
  return [base, ...names.map(encodeSegment)].join("/");
}

export class OpenSearchApi {
  /**
   * @param {{
   *   endpoint: string,
   *   fetch?: typeof fetch,
   *   signing?: SigningOptions | null,
   *   journal?: {write: (type: string, entry: Record<string, unknown>) => void},
   * }} o `endpoint`: `https://<domain endpoint>` or the stand-in's `http://127.0.0.1:<port>`
   */
  constructor(o) {
    this.endpoint = new URL(o.endpoint);
    this.fetch = o.fetch ?? fetch;
    this.journal = o.journal ?? { write: () => {} };
    this.signer = o.signing
      ? new SignatureV4({ service: "es", region: o.signing.region, credentials: o.signing.credentials, sha256: NodeSha256 })
      : null;
    this.now = o.signing?.now ?? (() => Date.now());
  }

  /**
   * @param {"GET" | "PUT" | "POST" | "DELETE"} method
   * @param {string} path already encoded (see `apiPath`)
   * @param {{query?: Record<string, string>, body?: unknown}} [opts]
   * @returns {Promise<ApiResponse>}
   */
  async request(method, path, opts = {}) {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const query = opts.query ?? {};
    /** @type {Record<string, string>} */
    let headers = { host: this.endpoint.host };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.signer) {
      const signed = await this.signer.sign(
        { method, protocol: this.endpoint.protocol, hostname: this.endpoint.hostname, path, query, headers, body },
        { signingDate: new Date(this.now()) },
      );
      headers = /** @type {Record<string, string>} */ (signed.headers);
    }
    // fetch sets Host itself, from the same URL that was signed.
    const { host: _host, ...sent } = headers;
    const qs = new URLSearchParams(query).toString();
    const url = `${this.endpoint.origin}${path}${qs ? `?${qs}` : ""}`;
    let res;
    try {
      res = await this.fetch(url, { method, headers: sent, body });
    } catch (err) {
      const cause = /** @type {{cause?: {code?: string}}} */ (err).cause?.code;
      throw new Error(`OpenSearch at ${this.endpoint.origin} is not reachable${cause ? ` (${cause})` : ""}: run where the domain's endpoint resolves (inside its VPC)`);
    }
    const text = await res.text();
    this.journal.write("http", { method, path: `${path}${qs ? `?${qs}` : ""}`, status: res.status });
    /** @type {any} */
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { raw: text.slice(0, 200) };
    }
    return { status: res.status, json };
  }

  /**
   * A request that must succeed (2xx, or one of `allow`).
   * @param {"GET" | "PUT" | "POST" | "DELETE"} method
   * @param {string} path
   * @param {{query?: Record<string, string>, body?: unknown, allow?: number[]}} [opts]
   */
  async ok(method, path, opts = {}) {
    const r = await this.request(method, path, opts);
    if ((r.status >= 200 && r.status < 300) || opts.allow?.includes(r.status)) return r;
    throw new Error(`${method} ${path} answered ${r.status}: ${errorText(r.json)}${r.status === 403 ? " (sign in as the domain's master role)" : ""}`);
  }
}

/**
 * The one-line reason in an OpenSearch error body.
 * @param {any} json
 */
export function errorText(json) {
  if (!json) return "no body";
  if (typeof json.message === "string") return json.message;
  if (json.error && typeof json.error === "object") return String(json.error.reason ?? json.error.type ?? JSON.stringify(json.error));
  if (typeof json.error === "string") return json.error;
  return JSON.stringify(json).slice(0, 200);
}

/**
 * Whether `actual` (what the domain returns) already holds `desired` (what a
 * runbook would write): every key of a desired object is there with a
 * matching value (the domain adds its own, such as `last_updated_time` or an
 * action's default `retry`); arrays have the same length, strings compared as
 * sets (permission lists have no order), objects element by element.
 * @param {unknown} desired
 * @param {unknown} actual
 * @returns {boolean}
 */
export function matches(desired, actual) {
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return false;
    if (desired.every((d) => typeof d !== "object" || d === null)) {
      const a = [...actual].map(String).sort();
      return [...desired].map(String).sort().every((d, i) => d === a[i]);
    }
    return desired.every((d, i) => matches(d, actual[i]));
  }
  if (desired !== null && typeof desired === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    const a = /** @type {Record<string, unknown>} */ (actual);
    return Object.entries(desired).every(([k, v]) => matches(v, a[k]));
  }
  return desired === actual;
}
