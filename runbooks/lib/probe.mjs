/**
 * The write probe that measures recovery: it writes numbered records to
 * whatever the clients see as the primary, keeps the ones the server
 * acknowledged, and after recovery reads back what survived.
 *   RTO = first acknowledged write on a new primary - the fault
 *   RPO = acknowledged writes missing afterwards (count, and the time span they cover)
 *
 * Two probes share the arithmetic below: `WriteProbe` writes from this
 * process (the sandbox), the in-cluster probe of AWS targets
 * (targets/kube-probe.mjs) writes from a Kubernetes Job whose log lines
 * `parseProbeLog` turns into the same acknowledgements.
 */

/**
 * @typedef {{seq: number, startedAt: number, ackedAt: number, server: string}} Ack
 * @typedef {{
 *   ackedWrites: number,
 *   failedWrites: number,
 *   faultAt: string | null,
 *   firstWriteAfterFaultAt: string | null,
 *   rtoSeconds: number | null,
 *   lostWrites: number,
 *   lostSeqs: number[],
 *   rpoSeconds: number,
 *   oldPrimary: string | null,
 *   newPrimary: string | null,
 * }} ProbeMeasurement
 * @typedef {{
 *   start: () => Promise<void>,
 *   markFault: () => void,
 *   measure: () => Promise<ProbeMeasurement>,
 *   plan?: () => Promise<void> | void,
 * }} RecoveryProbe what the engine drives: `plan` prints what `start` would do (dry run)
 * @typedef {{
 *   write: (seq: number) => Promise<string>,
 *   readBack: () => Promise<Set<number>>,
 *   reset?: () => void,
 *   close?: () => void,
 * }} ProbeDriver
 */

export class WriteProbe {
  /**
   * @param {ProbeDriver} driver
   * @param {{intervalMs?: number, now?: () => number}} [opts]
   */
  constructor(driver, opts = {}) {
    this.driver = driver;
    this.intervalMs = opts.intervalMs ?? 20;
    this.now = opts.now ?? (() => performance.timeOrigin + performance.now());
    /** @type {Ack[]} */
    this.acks = [];
    this.failed = 0;
    this.seq = 0;
    /** @type {number | null} */
    this.faultAt = null;
    this.running = false;
    /** @type {Promise<void> | null} */
    this.loop = null;
  }

  /** Mark the moment of the fault (the failover step calls this). */
  markFault() {
    this.faultAt ??= this.now();
  }

  /** Start writing; resolves after the first acknowledged write so the baseline is known. */
  async start() {
    this.running = true;
    this.loop = this.run();
    const deadline = Date.now() + 10_000;
    while (this.acks.length === 0 && this.running && Date.now() < deadline) await sleep(10);
    if (this.acks.length === 0) throw new Error("write probe: no write was acknowledged within 10 s");
  }

  async run() {
    while (this.running) {
      const seq = ++this.seq;
      const startedAt = this.now();
      try {
        const server = await this.driver.write(seq);
        this.acks.push({ seq, startedAt, ackedAt: this.now(), server });
        await sleep(this.intervalMs);
      } catch {
        this.failed++;
        this.driver.reset?.();
        await sleep(5);
      }
    }
  }

  async stop() {
    this.running = false;
    await this.loop;
  }

  /** Stop, read back and compute RTO and RPO. @returns {Promise<ProbeMeasurement>} */
  async measure() {
    await this.stop();
    const present = await this.driver.readBack();
    this.driver.close?.();
    return computeMeasurement(this.acks, this.failed, this.faultAt, present);
  }
}

/**
 * @param {Ack[]} acks in acknowledgement order
 * @param {number} failed
 * @param {number | null} faultAt
 * @param {Set<number>} present sequence numbers found after recovery
 * @returns {ProbeMeasurement}
 */
export function computeMeasurement(acks, failed, faultAt, present) {
  const before = faultAt === null ? acks : acks.filter((a) => a.ackedAt < faultAt);
  const oldPrimary = before.length ? before[before.length - 1].server : null;
  const firstNew = faultAt === null ? undefined : acks.find((a) => a.ackedAt >= faultAt && a.server !== oldPrimary);
  const lost = acks.filter((a) => !present.has(a.seq));
  let rpoSeconds = 0;
  if (lost.length) {
    // The span of acknowledged data lost: from the last surviving write before
    // the first lost one to the last lost acknowledgement.
    const firstLost = lost[0];
    const survivorBefore = acks.filter((a) => a.ackedAt < firstLost.ackedAt && present.has(a.seq)).pop();
    const from = survivorBefore ? survivorBefore.ackedAt : firstLost.startedAt;
    rpoSeconds = round((lost[lost.length - 1].ackedAt - from) / 1000);
  }
  return {
    ackedWrites: acks.length,
    failedWrites: failed,
    faultAt: faultAt === null ? null : new Date(faultAt).toISOString(),
    firstWriteAfterFaultAt: firstNew ? new Date(firstNew.ackedAt).toISOString() : null,
    rtoSeconds: firstNew && faultAt !== null ? round((firstNew.ackedAt - faultAt) / 1000) : null,
    lostWrites: lost.length,
    lostSeqs: lost.map((a) => a.seq).slice(0, 100),
    rpoSeconds,
    oldPrimary,
    newPrimary: firstNew ? firstNew.server : null,
  };
}

/**
 * Fail clearly when the probe saw the fault and no write succeeded on a new
 * primary afterwards: the failover did not restore writes (or the probe lost
 * its path to the database), and RTO cannot be measured.
 * @param {ProbeMeasurement} m
 * @returns {ProbeMeasurement}
 */
export function assertRecovered(m) {
  if (m.faultAt !== null && m.rtoSeconds === null) {
    throw new Error(
      `write probe: no write succeeded on a new primary after the fault at ${m.faultAt} ` +
        `(${m.ackedWrites} acknowledged, ${m.failedWrites} failed; last primary seen ${m.oldPrimary ?? "none"}): RTO not measured`,
    );
  }
  return m;
}

/**
 * One line per write attempt, as the in-cluster probe logs it:
 * `{"seq": 7, "t0": <ms>, "t": <ms>, "ok": true, "server": "10.0.1.23"}`
 * (`t0` when the attempt started, `t` when it was answered, epoch ms; `server`
 * the address that acknowledged it). Other lines (a shell's or a client's own
 * messages) are counted as `ignored`, never as writes.
 * @param {string} text
 * @returns {{acks: Ack[], failed: number, attempts: number, ignored: number}}
 */
export function parseProbeLog(text) {
  /** @type {Ack[]} */
  const acks = [];
  let failed = 0;
  let attempts = 0;
  let ignored = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      ignored++;
      continue;
    }
    if (!r || typeof r !== "object" || !Number.isInteger(r.seq) || typeof r.t !== "number" || typeof r.ok !== "boolean") {
      ignored++;
      continue;
    }
    attempts++;
    if (r.ok) acks.push({ seq: r.seq, startedAt: typeof r.t0 === "number" ? r.t0 : r.t, ackedAt: r.t, server: String(r.server ?? "") });
    else failed++;
  }
  acks.sort((a, b) => a.ackedAt - b.ackedAt || a.seq - b.seq);
  return { acks, failed, attempts, ignored };
}

/**
 * Sequence numbers found after recovery, from `lo hi` lines (inclusive
 * ranges: the read-back query returns runs of consecutive numbers).
 * @param {string} text
 * @returns {Set<number>}
 */
export function parseSeqRanges(text) {
  /** @type {Set<number>} */
  const present = new Set();
  for (const line of text.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    const [lo, hi] = [Number(m[1]), Number(m[2])];
    if (hi < lo || hi - lo > 10_000_000) throw new Error(`write probe read-back: bad range ${line.trim()}`);
    for (let s = lo; s <= hi; s++) present.add(s);
  }
  return present;
}

/** @param {number} n */
function round(n) {
  return Math.round(n * 1000) / 1000;
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
