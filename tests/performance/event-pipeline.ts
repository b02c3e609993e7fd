/**
 * Event pipeline reference target for the `event-e2e` scenario: events are
 * published to a Redis stream on the local sandbox's Redis primary (found
 * through Sentinel, as db-target.ts does) at the times an open-model rate
 * profile dictates, and a consumer in a consumer group reads them in batches
 * and applies them to the sandbox's PostgreSQL primary (one multi-row INSERT
 * per batch, then XACK). An event's latency runs from its *intended* publish
 * time to the commit of the INSERT that applied it, so a consumer that falls
 * behind shows up as latency (no coordinated omission), against the issue's
 * "event processing < 1 s end to end".
 *
 * `consumerDelayMs` makes the consumer wait before applying each batch it
 * read: a slow consumer, to prove that the threshold fails.
 */
import crypto from "node:crypto";
import { performance } from "node:perf_hooks";
import type { PgConnection } from "../../runbooks/lib/pgwire.mjs";
import type { RespConnection } from "../../runbooks/lib/resp.mjs";
import { connectPostgresPrimary, connectRedisPrimary, type PrimaryConnection } from "./db-target";
import { profileDurationS, sendTimesMs, type Segment } from "./lib/profile";
import { Recorder } from "./lib/recorder";
import * as hdr from "hdr-histogram-js";

/** Options of one event pipeline run. */
export interface EventPipelineOptions {
  /** The sandbox's state directory. */
  readonly sandboxDir: string;
  /** Publish rate over time. */
  readonly profile: readonly Segment[];
  /** The consumer waits this long before applying each batch it read. @default 0 */
  readonly consumerDelayMs?: number;
  /** Most events the consumer reads at once. @default 500 */
  readonly batchSize?: number;
  /** An event not applied this long after the last publish counts as "not applied". @default 10000 */
  readonly drainTimeoutMs?: number;
}

/** What an event pipeline run produced. */
export interface EventPipelineRun {
  /** One outcome per event: ok at its apply time, or "publish failed" / "not applied". */
  readonly recorder: Recorder;
  /** Length of the publish window (the profile), in seconds. */
  readonly durationS: number;
  /** Marks this run's rows in `event_applied` and its stream key. */
  readonly runId: string;
  readonly stream: string;
  readonly published: number;
  readonly applied: number;
  readonly batches: number;
  /** Which sandbox nodes took the events (Redis) and applied them (PostgreSQL). */
  readonly nodes: { readonly redis: string; readonly postgres: string };
  /** How late the publisher dispatched events against their schedule, in ms. */
  readonly dispatchLagMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** The table the consumer applies events to (created when missing). */
export const EVENTS_TABLE = "event_applied";
const GROUP = "groundwork-load";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publish events at the profile's rate, consume and apply them, and record each event's publish-to-applied latency. */
export async function runEventPipeline(o: EventPipelineOptions): Promise<EventPipelineRun> {
  const consumerDelayMs = o.consumerDelayMs ?? 0;
  const batchSize = o.batchSize ?? 500;
  const drainTimeoutMs = o.drainTimeoutMs ?? 10_000;
  if (!(consumerDelayMs >= 0)) throw new Error(`consumerDelayMs must be >= 0; got ${consumerDelayMs}`);
  const runId = crypto.randomBytes(6).toString("hex");
  const stream = `events:${runId}`;

  const opened: Array<{ close(): void }> = [];
  const open = async <C extends { close(): void }>(p: Promise<PrimaryConnection<C>>): Promise<PrimaryConnection<C>> => {
    const c = await p;
    opened.push(c.conn);
    return c;
  };
  try {
    // The publisher pipelines on one connection; the consumer blocks on its own.
    const publisher = await open<RespConnection>(connectRedisPrimary(o.sandboxDir));
    const consumer = await open<RespConnection>(connectRedisPrimary(o.sandboxDir));
    const pg = await open<PgConnection>(connectPostgresPrimary(o.sandboxDir, "groundwork-events"));
    await pg.conn.query(
      `CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} (run text NOT NULL, seq bigint NOT NULL, published_at timestamptz NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (run, seq))`,
      30_000,
    );
    await consumer.conn.command(["XGROUP", "CREATE", stream, GROUP, "0", "MKSTREAM"], 5000);

    const recorder = new Recorder();
    const lags = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2 }); // microseconds
    const pending = new Map<number, number>(); // seq -> intended publish offset (ms), until applied
    let published = 0;
    let applied = 0;
    let batches = 0;
    let publishDone = false;
    const t0Epoch = performance.timeOrigin + performance.now();
    const t0 = performance.now();
    const now = () => performance.now() - t0;

    // Publisher: open model, events due by the schedule are sent whatever the consumer does.
    const inFlight = new Set<Promise<void>>();
    const publish = (seq: number, intended: number) => {
      lags.recordValue(Math.max(1, Math.round((now() - intended) * 1000)));
      pending.set(seq, intended);
      const p = publisher.conn
        .command(["XADD", stream, "*", "seq", seq, "t", (t0Epoch + intended).toFixed(3)], 5000)
        .then(
          () => {
            published++;
          },
          (err: unknown) => {
            if (pending.delete(seq)) recorder.error(`publish failed: ${err instanceof Error ? err.message.slice(0, 60) : String(err)}`, intended, now());
          },
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    const publishing = (async () => {
      let seq = 0;
      const times = sendTimesMs(o.profile);
      let next = times.next();
      while (!next.done) {
        // Catch up on every event that is due: a late timer must not drop or delay the schedule.
        const t = now();
        while (!next.done && next.value <= t) {
          publish(++seq, next.value);
          next = times.next();
        }
        if (!next.done) await sleep(Math.max(0, next.value - now() - 1));
      }
      await Promise.all([...inFlight]);
      publishDone = true;
    })();

    // Consumer: read a batch, (optionally) stall, apply it in one INSERT, acknowledge it.
    const deadline = () => profileDurationS(o.profile) * 1000 + drainTimeoutMs;
    const consuming = (async () => {
      while (!(publishDone && pending.size === 0) && now() < deadline()) {
        const reply = (await consumer.conn.command(["XREADGROUP", "GROUP", GROUP, "c1", "COUNT", batchSize, "BLOCK", 100, "STREAMS", stream, ">"], 5000)) as
          | [string, [string, string[]][]][]
          | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        if (consumerDelayMs > 0) await sleep(consumerDelayMs);
        const events = entries.map(([id, fields]) => {
          const f = Object.fromEntries(fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])));
          return { id, seq: Number(f.seq), publishedAtMs: Number(f.t) };
        });
        const rows = events.map((e) => `('${runId}', ${e.seq}, to_timestamp(${(e.publishedAtMs / 1000).toFixed(6)}))`).join(", ");
        await pg.conn.query(`INSERT INTO ${EVENTS_TABLE} (run, seq, published_at) VALUES ${rows} ON CONFLICT DO NOTHING`, 30_000);
        const at = now();
        batches++;
        for (const e of events) {
          const intended = pending.get(e.seq);
          if (intended === undefined) continue;
          pending.delete(e.seq);
          recorder.ok(intended, at);
          applied++;
        }
        await consumer.conn.command(["XACK", stream, GROUP, ...events.map((e) => e.id)], 5000);
      }
    })();

    await publishing;
    await consuming;
    for (const [, intended] of pending) recorder.error(`not applied within ${drainTimeoutMs / 1000} s`, intended, now());
    await publisher.conn.command(["DEL", stream], 5000).catch(() => undefined);
    return {
      recorder,
      durationS: profileDurationS(o.profile),
      runId,
      stream,
      published,
      applied,
      batches,
      nodes: { redis: publisher.name, postgres: pg.name },
      dispatchLagMs: { p50: lags.getValueAtPercentile(50) / 1000, p99: lags.getValueAtPercentile(99) / 1000, max: lags.maxValue / 1000 },
    };
  } finally {
    for (const c of opened) c.close();
  }
}
