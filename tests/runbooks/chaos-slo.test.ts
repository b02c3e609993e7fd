/**
 * chaos on AWS judged against the SLOs: FIS and CloudWatch through the real
 * SDK clients mocked with aws-sdk-client-mock (exact commands), Prometheus
 * through an injected fetch that records every query. A firing SLO burn-rate
 * alert fails the run; other alerts are recorded, not judged.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import * as fisSdk from "@aws-sdk/client-fis";
import { mockClient, type AwsCommand } from "aws-sdk-client-mock";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { serviceAlerts } from "../../monitoring/alerts/services";
import chaos, { SLO_ALERTS } from "../../runbooks/chaos.mjs";
import { POLL } from "../../runbooks/lib/targets/aws.mjs";
import type { ChaosSdk } from "../../runbooks/lib/targets/fis.mjs";
import { FakeClock, awsTarget, runOn } from "./helpers";

// @aws-sdk/client-fis is pinned at 3.523.0 (package.json), on older @smithy/types than the
// ones aws-sdk-client-mock is typed against. At runtime the stub is the same, so the FIS client
// and commands are retyped once, here, and used as the other mocked clients are.
type Command = new (input: any) => AwsCommand<any, any>;
const { FisClient } = fisSdk;
const { GetExperimentTemplateCommand, StartExperimentCommand, GetExperimentCommand, StopExperimentCommand } = fisSdk as unknown as Record<
  "GetExperimentTemplateCommand" | "StartExperimentCommand" | "GetExperimentCommand" | "StopExperimentCommand",
  Command
>;
const fis = mockClient(FisClient as unknown as Parameters<typeof mockClient>[0]);
const cloudwatch = mockClient(CloudWatchClient);
const drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-chaos-slo-"));
afterAll(() => fs.rmSync(drills, { recursive: true, force: true }));

const PROMETHEUS = "http://127.0.0.1:9090";
const QUERY = `${PROMETHEUS}/api/v1/query?query=${encodeURIComponent('ALERTS{alertstate="firing"}')}`;
const stopAlarms = ["groundwork-staging-fis-stop-5xx", "groundwork-staging-fis-stop-database"];
const argv = ["--env", "staging", "--experiment", "rds-failover", "--template-id", "EXTabc123def", "--yes"];

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  fis.reset();
  cloudwatch.reset();
  fis.on(GetExperimentTemplateCommand).resolves({
    experimentTemplate: {
      id: "EXTabc123def",
      description: "Reboot groundwork-staging with forced Multi-AZ failover",
      stopConditions: stopAlarms.map((n) => ({ source: "aws:cloudwatch:alarm", value: `arn:aws:cloudwatch:eu-west-1:222222222222:alarm:${n}` })),
    },
  });
  fis.on(StartExperimentCommand).resolves({ experiment: { id: "EXP7", state: { status: "initiating" } } });
  fis.on(StopExperimentCommand).resolves({});
  fis
    .on(GetExperimentCommand)
    .resolvesOnce({ experiment: { id: "EXP7", state: { status: "running" } } })
    .resolvesOnce({ experiment: { id: "EXP7", state: { status: "running" } } })
    .resolves({ experiment: { id: "EXP7", state: { status: "completed" } } });
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: stopAlarms.map((n) => ({ AlarmName: n, StateValue: "OK" })) });
});

/** The real clients, credentials from the test: every send is answered by the mocks above. */
function sdk(): ChaosSdk {
  const credentials = { accessKeyId: "test", secretAccessKey: "test" };
  return {
    fis: new FisClient({ region: "eu-west-1", credentials }),
    cloudwatch: new CloudWatchClient({ region: "eu-west-1", credentials }),
    commands: { GetExperimentTemplateCommand, StartExperimentCommand, GetExperimentCommand, StopExperimentCommand, DescribeAlarmsCommand },
  };
}

const alert = (alertname: string, labels: Record<string, string> = {}) => ({ metric: { __name__: "ALERTS", alertname, alertstate: "firing", ...labels }, value: [0, "1"] });

/** A Prometheus that answers the n-th ALERTS query with answers[n] (the last one from then on), and records every URL. */
function fakePrometheus(answers: Array<ReturnType<typeof alert>[]>) {
  const urls: string[] = [];
  const fetch = (async (url: string | URL | Request) => {
    urls.push(String(url));
    const result = answers[Math.min(urls.length - 1, answers.length - 1)];
    return new Response(JSON.stringify({ status: "success", data: { resultType: "vector", result } }), { status: 200 });
  }) as typeof globalThis.fetch;
  return { urls, fetch };
}

async function runChaos(prometheus: ReturnType<typeof fakePrometheus>) {
  const target = await awsTarget("staging", clock, { chaosSdk: sdk(), fetch: prometheus.fetch, processEnv: { PROMETHEUS_URL: PROMETHEUS } });
  return runOn(chaos, argv, target, drills);
}

describe("chaos on AWS watched against the SLO alerts", () => {
  it("judges exactly the SLO burn-rate alerts of monitoring/alerts/services.ts", () => {
    expect(SLO_ALERTS).toEqual(serviceAlerts.alerts.map((a) => a.name).filter((n) => /BurnRate/.test(n)));
  });

  it("fails when an SLO alert fires during the experiment, with the alert in the evidence", async () => {
    const burning = alert("ServiceAvailabilityBurnRateFast", { service: "api-gateway", severity: "critical" });
    // before the fault: only Watchdog; first poll: nothing; second poll onwards: the burn-rate alert.
    const prometheus = fakePrometheus([[alert("Watchdog")], [], [burning]]);
    const { r } = await runChaos(prometheus);

    expect(r.exitCode).toBe(1);
    expect(r.error).toBe("step 6 (judge against the objectives) run failed: missed no SLO alert fired during the experiment");
    expect(fis.commandCalls(StartExperimentCommand).map((c) => c.args[0].input)).toEqual([{ experimentTemplateId: "EXTabc123def", clientToken: r.runId, tags: { "groundwork:run": r.runId } }]);
    expect(fis.commandCalls(GetExperimentCommand).map((c) => c.args[0].input)).toEqual([{ id: "EXP7" }, { id: "EXP7" }, { id: "EXP7" }]);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual(Array(4).fill({ AlarmNames: stopAlarms }));
    expect(fis.commandCalls(StopExperimentCommand)).toHaveLength(0); // it completed: nothing to stop
    expect(prometheus.urls).toEqual(Array(4).fill(QUERY));
    expect(clock.sleeps).toEqual([POLL.fis, POLL.fis]);
    expect(r.measurements.chaos).toMatchObject({
      status: "completed",
      stopAlarmsFired: [],
      alertsFired: ['ServiceAvailabilityBurnRateFast{service="api-gateway"}'],
      sloAlertsFired: ['ServiceAvailabilityBurnRateFast{service="api-gateway"}'],
    });
    expect((r.measurements.chaos as { timeline: string[] }).timeline).toContain('2025-01-31T12:00:15.000Z alert ServiceAvailabilityBurnRateFast{service="api-gateway"} firing');
    const evidence = fs.readFileSync(r.report!.md, "utf8");
    expect(evidence).toContain('| no SLO alert fired during the experiment | ServiceAvailabilityBurnRateFast{service="api-gateway"} | none | MISSED |');
    expect(evidence).toContain("| experiment completed (not stopped or failed) | completed | completed | met |");
  });

  it("passes when no SLO alert fires; other alerts are recorded, not judged", async () => {
    const prometheus = fakePrometheus([[], [alert("RdsFailoverDetected", { severity: "info" })], []]);
    const { r } = await runChaos(prometheus);

    expect(r.error).toBeNull();
    expect(r.exitCode).toBe(0);
    expect(fis.commandCalls(GetExperimentTemplateCommand).map((c) => c.args[0].input)).toEqual([{ id: "EXTabc123def" }]);
    expect(fis.commandCalls(StartExperimentCommand)).toHaveLength(1);
    expect(prometheus.urls).toEqual(Array(4).fill(QUERY));
    expect(r.measurements.chaos).toMatchObject({ status: "completed", alertsFired: ["RdsFailoverDetected"], sloAlertsFired: [] });
    expect(r.measurements.verdicts).toEqual([
      { what: "experiment completed (not stopped or failed)", measured: "completed", target: "completed", met: true },
      { what: "no stop condition fired", measured: "none", target: "none", met: true },
      { what: "no SLO alert fired during the experiment", measured: "none", target: "none", met: true },
    ]);
    expect(fs.readFileSync(r.report!.md, "utf8")).toContain("| no SLO alert fired during the experiment | none | none | met |");
  });

  it("refuses to start while an SLO alert is already firing", async () => {
    const prometheus = fakePrometheus([[alert("ServiceLatencyBurnRateSlow", { service: "event-processor" }), alert("Watchdog")]]);
    const { r } = await runChaos(prometheus);

    expect(r.error).toBe(
      'step 2 (the system is healthy before the fault) check failed: SLO alert(s) already firing: ServiceLatencyBurnRateSlow{service="event-processor"}; the error budget is already burning, so the experiment would hurt users and prove nothing',
    );
    expect(fis.commandCalls(StartExperimentCommand)).toHaveLength(0);
    expect(prometheus.urls).toEqual([QUERY]);
  });

  it("says in the report that the SLOs were not watched without PROMETHEUS_URL, and judges the rest", async () => {
    const prometheus = fakePrometheus([[alert("ServiceAvailabilityBurnRateFast", { service: "api-gateway" })]]);
    const target = await awsTarget("staging", clock, { chaosSdk: sdk(), fetch: prometheus.fetch, processEnv: {} });
    const { r, out } = await runOn(chaos, argv, target, drills);

    expect(r.error).toBeNull();
    expect(prometheus.urls).toEqual([]);
    expect(out).toContain("SLO alerts: not watched (set PROMETHEUS_URL); the run is judged on the experiment and its stop conditions only");
    expect(r.measurements.chaos).toMatchObject({ alertsFired: "not watched (set PROMETHEUS_URL)", sloAlertsFired: "not watched (set PROMETHEUS_URL)" });
    expect(fs.readFileSync(r.report!.md, "utf8")).toContain("| no SLO alert fired during the experiment | not watched (set PROMETHEUS_URL) | none | not measured |");
  });
});
