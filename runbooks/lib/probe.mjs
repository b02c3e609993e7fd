/**
 * The write probe that measures recovery: it writes numbered records to
 * whatever the clients see as the primary, keeps the ones the server
 * acknowledged, and after recovery reads back what survived.
 *   RTO = first acknowledged write on a new primary - the fault
 *   RPO = acknowledged writes missing afterwards (count, and the time span they cover)
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

/** @param {number} n */
function round(n) {
  return Math.round(n * 1000) / 1000;
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
