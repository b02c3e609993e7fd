/** Recovery under load from synthetic request outcomes: when errors stopped, when p95 came back, the verdict. */
import { describe, expect, it } from "vitest";
import { analyzeRecovery, type Outcomes } from "./lib/recovery";

/** 100 req/s for `seconds`; `fate(send)` gives a request's latency in ms, or an error kind. */
function outcomes(seconds: number, fate: (sendMs: number) => number | string): Outcomes {
  const send: number[] = [];
  const done: number[] = [];
  const kind: string[] = [];
  for (let t = 0; t < seconds * 1000; t += 10) {
    const f = fate(t);
    send.push(t);
    done.push(t + (typeof f === "number" ? f : 1));
    kind.push(typeof f === "number" ? "" : f);
  }
  return { send, done, kind };
}

// Fault at 2 s: requests due in [2.0, 2.8) s fail; those due in [2.8, 3.5) s succeed slowly (300 ms, queued); then 5 ms.
const outage = outcomes(6, (t) => (t >= 2000 && t < 2800 ? "http 503" : t >= 2800 && t < 3500 ? 300 : 5));

describe("recovery under load", () => {
  it("finds when errors stopped and when p95 came back under the SLO", () => {
    const r = analyzeRecovery({ outcomes: outage, faultAtMs: 2000, sloP95Ms: 200, rtoSeconds: 2 });
    expect(r).toMatchObject({ faultAtS: 2, errorsBeforeFault: 0, errorsAfterFault: 80, errorsByKind: { "http 503": 80 }, lastErrorS: 2.79, errorsStoppedAfterS: 0.8 });
    // 1 s windows from the fault: [2, 3) and [3, 4) s have p95 300 ms; [4, 5) and [5, 6) s are back at 5 ms.
    expect(r.windows.map((w) => [w.fromS, w.requests, w.errors, w.p95Ms])).toEqual([
      [0, 100, 80, 300],
      [1, 100, 0, 300],
      [2, 100, 0, 5],
      [3, 100, 0, 5],
    ]);
    expect([r.latencyBackAfterS, r.recoveredAfterS, r.met]).toEqual([2, 2, true]);
  });

  it("fails when the recovery takes longer than the RTO", () => {
    const r = analyzeRecovery({ outcomes: outage, faultAtMs: 2000, sloP95Ms: 200, rtoSeconds: 1.9 });
    expect([r.recoveredAfterS, r.met]).toEqual([2, false]);
    // With finer windows latency is back at 1.5 s: recovery is then within 1.9 s.
    const fine = analyzeRecovery({ outcomes: outage, faultAtMs: 2000, sloP95Ms: 200, rtoSeconds: 1.9, windowMs: 500 });
    expect([fine.latencyBackAfterS, fine.recoveredAfterS, fine.met]).toEqual([1.5, 1.5, true]);
  });

  it("fails when errors never stop before the load ends", () => {
    const r = analyzeRecovery({ outcomes: outcomes(4, (t) => (t >= 2000 ? "ECONNREFUSED" : 5)), faultAtMs: 2000, sloP95Ms: 200, rtoSeconds: 2 });
    expect([r.errorsAfterFault, r.errorsStoppedAfterS, r.recoveredAfterS, r.met]).toEqual([200, null, null, false]);
  });

  it("fails when p95 is still above the SLO at the end of the load", () => {
    const r = analyzeRecovery({ outcomes: outcomes(4, (t) => (t >= 2000 ? 500 : 5)), faultAtMs: 2000, sloP95Ms: 200, rtoSeconds: 2 });
    expect([r.errorsStoppedAfterS, r.latencyBackAfterS, r.met]).toEqual([0, null, false]);
  });

  it("counts a request in flight at the fault as failed after it, and failures before it apart", () => {
    // Due at 1.5 s and failing at 2.5 s (in flight when the fault struck at 2 s); one failure completed at 1.001 s.
    const o = outcomes(4, (t) => (t === 1000 ? "http 500" : 5));
    const i = o.send.indexOf(1500);
    const done = [...o.done];
    const kind = [...o.kind];
    done[i] = 2500;
    kind[i] = "timeout";
    const r = analyzeRecovery({ outcomes: { send: o.send, done, kind }, faultAtMs: 2000, sloP95Ms: 200, rtoSeconds: 2 });
    expect([r.errorsBeforeFault, r.errorsAfterFault, r.lastErrorS, r.errorsStoppedAfterS, r.met]).toEqual([1, 1, 1.5, 0, true]);
  });

  it("reports 0 s when nothing failed and latency stayed within the SLO", () => {
    const r = analyzeRecovery({ outcomes: outcomes(3, () => 5), faultAtMs: 1000, sloP95Ms: 200, rtoSeconds: 2 });
    expect([r.errorsAfterFault, r.errorsStoppedAfterS, r.latencyBackAfterS, r.recoveredAfterS, r.met]).toEqual([0, 0, 0, 0, true]);
  });
});
