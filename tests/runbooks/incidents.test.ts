/**
 * Incident runbooks without a cluster: service-rollback and scale-out through
 * the engine's injectable command runner (exact kubectl argv), chaos on AWS
 * with fake FIS/CloudWatch clients that record the commands they are sent.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { services } from "../../config/services";
import * as faultInjection from "../../modules/resilience/fault-injection";
import chaos, { EXPERIMENTS } from "../../runbooks/chaos.mjs";
import { repoRoot } from "../../runbooks/lib/paths.mjs";
import { POLL } from "../../runbooks/lib/targets/aws.mjs";
import type { ChaosSdk } from "../../runbooks/lib/targets/fis.mjs";
import scaleOut, { ANNOTATION, cpuCores } from "../../runbooks/scale-out.mjs";
import serviceRollback from "../../runbooks/service-rollback.mjs";
import { FakeClock, argsAre, awsTarget, recordingRunner, runOn } from "./helpers";

const drills = fs.mkdtempSync(path.join(os.tmpdir(), "gw-incidents-"));
afterAll(() => fs.rmSync(drills, { recursive: true, force: true }));
const K = ["kubectl", "--context", "groundwork-staging"];
const json = (v: unknown) => ({ stdout: JSON.stringify(v) });

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
});

describe("service-rollback", () => {
  const rollout = (status: Record<string, unknown>, revision = 7) => ({ metadata: { annotations: { "rollout.argoproj.io/revision": String(revision) } }, spec: { replicas: 3 }, status });
  const progressing = rollout({ phase: "Paused", currentPodHash: "new", stableRS: "old", availableReplicas: 4 });

  it("takes --service from the catalog only (exit code 2, nothing run)", async () => {
    const { calls, runner } = recordingRunner([]);
    const { r, out } = await runOn(serviceRollback, ["--env", "staging", "--service", "api-gatewy", "--yes"], await awsTarget("staging", clock, { runner }), drills);
    expect(r.exitCode).toBe(2);
    expect(out.trim()).toBe(`service-rollback: --service: got "api-gatewy", allowed: one of ${services.map((s) => s.name).join(", ")}`);
    expect(calls).toEqual([]);
  });

  it("aborts with the argo rollouts plugin (--context after the plugin name) and waits until the stable version is back", async () => {
    let gets = 0;
    const { calls, runner } = recordingRunner([
      [argsAre("-n", "api-gateway", "get", "rollout", "api-gateway", "-o", "json"), () => json(gets++ < 2 ? progressing : rollout({ phase: "Degraded", message: "RolloutAborted", abort: true, currentPodHash: "new", stableRS: "old", availableReplicas: 3 }))],
    ]);
    const { r } = await runOn(serviceRollback, ["--env", "staging", "--service", "api-gateway", "--yes"], await awsTarget("staging", clock, { runner }), drills);
    expect(r.error).toBeNull();
    expect(calls).toEqual([
      [...K, "-n", "api-gateway", "get", "rollout", "api-gateway", "-o", "json"],
      ["kubectl", "argo", "rollouts", "version", "--short"],
      ["kubectl", "argo", "rollouts", "abort", "api-gateway", "-n", "api-gateway", "--context", "groundwork-staging"],
      [...K, "-n", "api-gateway", "get", "rollout", "api-gateway", "-o", "json"],
      [...K, "-n", "api-gateway", "get", "rollout", "api-gateway", "-o", "json"],
    ]);
    expect(clock.sleeps).toEqual([POLL.job]);
  });

  it("aborts with plain kubectl patch on the status subresource when the plugin is absent", async () => {
    const { calls, runner } = recordingRunner([
      [(a) => a[1] === "argo", () => ({ exitCode: 1, stderr: 'error: unknown command "argo" for "kubectl"' })],
      [(a) => a.includes("get"), () => json(calls.some((c) => c.includes("patch")) ? rollout({ abort: true, phase: "Degraded", availableReplicas: 3 }) : progressing)],
    ]);
    const { r } = await runOn(serviceRollback, ["--env", "staging", "--service", "event-processor", "--yes"], await awsTarget("staging", clock, { runner }), drills);
    expect(r.error).toBeNull();
    expect(calls[2]).toEqual([...K, "-n", "event-processor", "patch", "rollout", "event-processor", "--subresource=status", "--type=merge", "-p", '{"status":{"abort":true}}']);
  });

  it("fails when there is nothing to abort, before changing anything", async () => {
    const { calls, runner } = recordingRunner([[(a) => a.includes("get"), () => json(rollout({ phase: "Healthy", currentPodHash: "h1", stableRS: "h1" }))]]);
    const { r } = await runOn(serviceRollback, ["--env", "staging", "--service", "api-gateway", "--yes"], await awsTarget("staging", clock, { runner }), drills);
    expect(r.error).toBe("step 1 (read the Rollout and its revisions) check failed: nothing to abort: api-gateway is stable at revision 7; use --action undo to go back to an earlier revision");
    expect(calls.some((c) => c.includes("abort") || c.includes("patch"))).toBe(false);
  });

  it("undo without the plugin copies the previous revision's pod template (minus the hash label) into the Rollout", async () => {
    const template = (image: string, hash: string) => ({ metadata: { labels: { "app.kubernetes.io/name": "api-gateway", "rollouts-pod-template-hash": hash } }, spec: { containers: [{ name: "api-gateway", image }] } });
    const rs = (revision: number, image: string, hash: string) => ({ metadata: { annotations: { "rollout.argoproj.io/revision": String(revision) } }, spec: { template: template(image, hash) } });
    let patched = false;
    const { calls, runner } = recordingRunner([
      [(a) => a[1] === "argo", () => ({ exitCode: 1 })],
      [(a) => a.includes("replicasets"), () => json({ items: [rs(7, "api:1.3.0", "h7"), rs(5, "api:1.1.0", "h5"), rs(6, "api:1.2.0", "h6")] })],
      [(a) => a.includes("patch"), () => ((patched = true), {})],
      [(a) => a.includes("rollout"), () => json(patched ? rollout({ phase: "Healthy", currentPodHash: "h6", stableRS: "h6" }, 8) : rollout({ phase: "Healthy", currentPodHash: "h7", stableRS: "h7" }))],
    ]);
    const { r } = await runOn(serviceRollback, ["--env", "staging", "--service", "api-gateway", "--action", "undo", "--yes"], await awsTarget("staging", clock, { runner }), drills);
    expect(r.error).toBeNull();
    expect(r.data.targetRevision).toBe(6);
    expect(calls[2]).toEqual([...K, "-n", "api-gateway", "get", "replicasets", "-l", "app.kubernetes.io/name=api-gateway", "-o", "json"]);
    const patch = calls.find((c) => c.includes("patch"))!;
    expect(patch.slice(0, -1)).toEqual([...K, "-n", "api-gateway", "patch", "rollout", "api-gateway", "--type=json", "-p"]);
    expect(JSON.parse(patch[patch.length - 1])).toEqual([
      { op: "replace", path: "/spec/template", value: { metadata: { labels: { "app.kubernetes.io/name": "api-gateway" } }, spec: { containers: [{ name: "api-gateway", image: "api:1.2.0" }] } } },
    ]);
  });

  it("undo with the plugin passes --to-revision; a revision that is not kept fails first", async () => {
    const { calls, runner } = recordingRunner([
      [(a) => a.includes("replicasets"), () => json({ items: [5, 6, 7].map((n) => ({ metadata: { annotations: { "rollout.argoproj.io/revision": String(n) } }, spec: { template: {} } })) })],
      [(a) => a.includes("rollout") && a.includes("get"), () => json(rollout({ phase: "Healthy", currentPodHash: "a", stableRS: "a" }))],
    ]);
    const target = await awsTarget("staging", clock, { runner });
    const { r } = await runOn(serviceRollback, ["--env", "staging", "--service", "api-gateway", "--action", "undo", "--to-revision", "5", "--yes"], target, drills);
    expect(r.error).toBeNull();
    expect(calls).toContainEqual(["kubectl", "argo", "rollouts", "undo", "api-gateway", "-n", "api-gateway", "--to-revision", "5", "--context", "groundwork-staging"]);
    const missing = await runOn(serviceRollback, ["--env", "staging", "--service", "api-gateway", "--action", "undo", "--to-revision", "2", "--yes"], target, drills);
    expect(missing.r.error).toBe("step 1 (read the Rollout and its revisions) check failed: api-gateway has no revision 2 to go back to (kept: 5, 6, 7)");
    const bad = await runOn(serviceRollback, ["--env", "staging", "--service", "api-gateway", "--to-revision", "2"], target, drills);
    expect(bad.r.exitCode).toBe(2);
    expect(bad.out.trim()).toBe("service-rollback: --to-revision: only with --action undo (got --action abort)");
  });

  it("--dry-run reads the Rollout and prints the change without making it", async () => {
    const { calls, runner } = recordingRunner([[(a) => a.includes("get"), () => json(progressing)]]);
    const { r, out } = await runOn(serviceRollback, ["--env", "prod", "--service", "api-gateway", "--dry-run"], await awsTarget("prod", clock, { runner }), drills);
    expect(r.outcome).toBe("dry-run");
    expect(out).toContain("would run: kubectl argo rollouts abort api-gateway -n api-gateway --context groundwork-prod");
    expect(calls.every((c) => c.includes("get") || c.includes("version"))).toBe(true);
  });
});

describe("run as operators do (npx zx, no vitest transform)", () => {
  const zx = path.join(repoRoot, "node_modules/zx/build/cli.js");
  it("loads the service catalog from TypeScript and refuses a service not in it with exit code 2", () => {
    const help = spawnSync(process.execPath, [zx, path.join(repoRoot, "runbooks/service-rollback.mjs"), "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(`one of ${services.map((s) => s.name).join(", ")}`);
    const bad = spawnSync(process.execPath, [zx, path.join(repoRoot, "runbooks/scale-out.mjs"), "--env", "staging", "--service", "nope", "--min-replicas", "4"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stdout.trim()).toBe(`scale-out: --service: got "nope", allowed: one of ${services.map((s) => s.name).join(", ")}`);
  });
});

describe("scale-out", () => {
  const hpa = (min: number, max: number, annotations: Record<string, string> = {}) => ({ metadata: { name: "api-gateway", namespace: "api-gateway", annotations }, spec: { minReplicas: min, maxReplicas: max }, status: { currentReplicas: min } });

  it("raises the HPA and the NodePool CPU limit, marking each with the run and the revert deadline", async () => {
    let raised = false;
    const { calls, runner } = recordingRunner([
      [(a) => a.includes("patch") && a.includes("hpa"), () => ((raised = true), {})],
      [(a) => a.includes("hpa"), () => json(raised ? hpa(10, 30) : hpa(3, 20))],
      [(a) => a.includes("nodepools.karpenter.sh"), () => json({ metadata: { name: "general" }, spec: { limits: { cpu: "64", memory: "256Gi" } } })],
    ]);
    const { r, out } = await runOn(scaleOut, ["--env", "staging", "--service", "api-gateway", "--min-replicas", "10", "--max-replicas", "30", "--node-pool-cpu", "128", "--for", "2h"], await awsTarget("staging", clock, { runner }), drills);
    expect(r.error).toBeNull();
    const mark = (original: object, raisedTo: object) => JSON.stringify({ run: r.runId, revertAt: "2025-01-31T14:00:00.000Z", original, raised: raisedTo });
    expect(calls).toEqual([
      [...K, "-n", "api-gateway", "get", "hpa", "api-gateway", "-o", "json"],
      [...K, "get", "nodepools.karpenter.sh", "general", "-o", "json"],
      [...K, "-n", "api-gateway", "patch", "hpa", "api-gateway", "--type=merge", "-p", JSON.stringify({ metadata: { annotations: { [ANNOTATION]: mark({ minReplicas: 3, maxReplicas: 20 }, { minReplicas: 10, maxReplicas: 30 }) } }, spec: { minReplicas: 10, maxReplicas: 30 } })],
      [...K, "-n", "api-gateway", "get", "hpa", "api-gateway", "-o", "json"],
      [...K, "patch", "nodepools.karpenter.sh", "general", "--type=merge", "-p", JSON.stringify({ metadata: { annotations: { [ANNOTATION]: mark({ cpu: "64" }, { cpu: "128" }) } }, spec: { limits: { cpu: "128" } } })],
    ]);
    expect(out).toContain(`revert due at 2025-01-31T14:00:00.000Z: npx zx runbooks/scale-out.mjs --env staging --revert ${r.runId}`);
    const journal = fs.readFileSync(path.join(drills, "journal", `${r.runId}.jsonl`), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    expect(journal.find((e) => e.type === "step-end" && e.index === 0).data).toMatchObject({ revertAt: "2025-01-31T14:00:00.000Z", hpaOriginal: { minReplicas: 3, maxReplicas: 20 } });
  });

  it("fails when asked to lower a bound or when a scale-out is already in place", async () => {
    const { calls, runner } = recordingRunner([[(a) => a.includes("hpa"), () => json(hpa(3, 20))]]);
    const target = await awsTarget("staging", clock, { runner });
    const lower = await runOn(scaleOut, ["--env", "staging", "--service", "api-gateway", "--min-replicas", "2", "--max-replicas", "20"], target, drills);
    expect(lower.r.error).toBe("step 1 (read the current bounds) check failed: scale-out only raises: hpa api-gateway is at min 3 / max 20, asked for min 2 / max 20");
    const { runner: marked } = recordingRunner([[(a) => a.includes("hpa"), () => json(hpa(10, 30, { [ANNOTATION]: JSON.stringify({ run: "run-1", revertAt: "2025-01-31T13:00:00Z", original: {}, raised: {} }) }))]]);
    const again = await runOn(scaleOut, ["--env", "staging", "--service", "api-gateway", "--min-replicas", "12"], await awsTarget("staging", clock, { runner: marked }), drills);
    expect(again.r.error).toBe("step 1 (read the current bounds) check failed: hpa api-gateway is already scaled out by run run-1 until 2025-01-31T13:00:00Z: revert it first (--revert run-1)");
    expect(calls.some((c) => c.includes("patch"))).toBe(false);
  });

  it("fails with exit code 2 on contradictory input", async () => {
    const target = await awsTarget("staging", clock, { runner: recordingRunner([]).runner });
    const cases: Array<[string[], string]> = [
      [["--service", "api-gateway", "--min-replicas", "9", "--max-replicas", "5"], "--min-replicas: got 9, allowed: at most --max-replicas (5)"],
      [["--service", "api-gateway"], "say what to raise: --min-replicas, --max-replicas and/or --node-pool-cpu"],
      [["--min-replicas", "5"], `--service is required: one of ${services.map((s) => s.name).join(", ")} (or --revert <run-id|due>)`],
      [["--service", "api-gateway", "--min-replicas", "5", "--for", "48h"], "--for: got 172800 s, allowed: at most 24h (scale out again if it is still needed)"],
      [["--revert", "due", "--service", "api-gateway"], "--revert takes no other scaling flag (got --service)"],
    ];
    for (const [argv, message] of cases) {
      const { r, out } = await runOn(scaleOut, ["--env", "staging", ...argv], target, drills);
      expect(r.exitCode).toBe(2);
      expect(out.trim()).toBe(`scale-out: ${message}`);
    }
  });

  it("--revert due puts back only what is past its deadline, from the annotations, and keeps values a deploy changed", async () => {
    const mark = (run: string, revertAt: string, original: object, raised: object) => ({ [ANNOTATION]: JSON.stringify({ run, revertAt, original, raised }) });
    const items = [
      { ...hpa(10, 30, mark("run-old", "2025-01-31T11:00:00.000Z", { minReplicas: 3, maxReplicas: 20 }, { minReplicas: 10, maxReplicas: 30 })) },
      { metadata: { name: "event-processor", namespace: "event-processor", annotations: mark("run-new", "2025-01-31T18:00:00.000Z", { minReplicas: 2, maxReplicas: 12 }, { minReplicas: 6, maxReplicas: 12 }) }, spec: { minReplicas: 6, maxReplicas: 12 } },
      // Redeployed since its scale-out: the chart's new values stay.
      { metadata: { name: "ai-orchestrator", namespace: "ai-orchestrator", annotations: mark("run-old", "2025-01-31T11:00:00.000Z", { minReplicas: 2, maxReplicas: 15 }, { minReplicas: 8, maxReplicas: 15 }) }, spec: { minReplicas: 4, maxReplicas: 15 } },
      { metadata: { name: "content-processing", namespace: "content-processing" }, spec: { minReplicas: 2, maxReplicas: 15 } },
    ];
    const { calls, runner } = recordingRunner([
      [argsAre("get", "hpa", "--all-namespaces", "-o", "json"), () => json({ items })],
      [argsAre("get", "nodepools.karpenter.sh", "-o", "json"), () => json({ items: [{ metadata: { name: "general", annotations: mark("run-old", "2025-01-31T11:00:00.000Z", { cpu: "64" }, { cpu: "128" }) }, spec: { limits: { cpu: "128" } } }] })],
    ]);
    const { r } = await runOn(scaleOut, ["--env", "staging", "--revert", "due", "--yes"], await awsTarget("staging", clock, { runner }), drills);
    expect(r.error).toBeNull();
    expect(calls.filter((c) => c.includes("patch"))).toEqual([
      [...K, "-n", "api-gateway", "patch", "hpa", "api-gateway", "--type=merge", "-p", JSON.stringify({ metadata: { annotations: { [ANNOTATION]: null } }, spec: { minReplicas: 3, maxReplicas: 20 } })],
      [...K, "-n", "ai-orchestrator", "patch", "hpa", "ai-orchestrator", "--type=merge", "-p", JSON.stringify({ metadata: { annotations: { [ANNOTATION]: null } } })],
      [...K, "patch", "nodepools.karpenter.sh", "general", "--type=merge", "-p", JSON.stringify({ metadata: { annotations: { [ANNOTATION]: null } }, spec: { limits: { cpu: "64" } } })],
    ]);
    expect(r.data.reverted).toEqual(["hpa/api-gateway", "hpa/ai-orchestrator", "nodepool/general"]);

    const none = await runOn(scaleOut, ["--env", "staging", "--revert", "run-gone", "--yes"], await awsTarget("staging", clock, { runner }), drills);
    expect(none.r.error).toBe("step 5 (find the scale-outs to revert) check failed: nothing raised by run run-gone is left (already reverted, or redeployed since)");
  });

  it("reads Kubernetes CPU quantities", () => {
    expect([cpuCores("64"), cpuCores("64000m"), cpuCores("1.5"), cpuCores("")]).toEqual([64, 64, 1.5, 0]);
  });
});

const kubectl = path.join(repoRoot, ".gen/bin/kubectl");
describe("kubectl accepts the argv the runbooks build (needs .gen/bin/kubectl: bash scripts/setup-helm.sh)", () => {
  it("parses every flag (the server is unreachable, so only parsing errors matter)", () => {
    const argvs = [
      ["-n", "vault", "create", "job", "--from=cronjob/vault-snapshot", "vault-snapshot-manual-20250131t120000z"],
      ["-n", "api-gateway", "patch", "rollout", "api-gateway", "--subresource=status", "--type=merge", "-p", '{"status":{"abort":true}}'],
      ["-n", "api-gateway", "patch", "rollout", "api-gateway", "--type=json", "-p", '[{"op":"replace","path":"/spec/template","value":{}}]'],
      ["-n", "api-gateway", "patch", "hpa", "api-gateway", "--type=merge", "-p", '{"spec":{"minReplicas":10}}'],
      ["patch", "nodepools.karpenter.sh", "general", "--type=merge", "-p", '{"spec":{"limits":{"cpu":"128"}}}'],
      ["get", "hpa", "--all-namespaces", "-o", "json"],
      ["-n", "api-gateway", "get", "replicasets", "-l", "app.kubernetes.io/name=api-gateway", "-o", "json"],
    ];
    for (const argv of argvs) {
      const r = spawnSync(kubectl, ["--server", "http://127.0.0.1:9", "--request-timeout", "1s", ...argv], { encoding: "utf8", env: { PATH: process.env.PATH, KUBECONFIG: "/dev/null" } });
      expect(r.stderr, argv.join(" ")).not.toMatch(/unknown (flag|command|shorthand)|invalid argument|must specify|error: (flag|required)/i);
      expect(r.stderr, argv.join(" ")).toMatch(/connection refused|couldn't get current server API group list|Unable to connect|the server doesn't have a resource type/i);
    }
  });
});

describe("chaos on AWS FIS", () => {
  type Call = [string, string, Record<string, unknown>];
  /** Fake FIS and CloudWatch clients: commands are plain classes that keep their input. */
  function fakeSdk(answer: (command: string, input: Record<string, any>) => unknown) {
    const calls: Call[] = [];
    const command = (name: string) => ({ [name]: class { static commandName = name; constructor(public input: Record<string, unknown>) {} } })[name];
    const client = (service: string) => ({
      send: async (cmd: { input: Record<string, unknown>; constructor: { commandName: string } }) => {
        calls.push([service, cmd.constructor.commandName, cmd.input]);
        return answer(cmd.constructor.commandName, cmd.input);
      },
    });
    const sdk: ChaosSdk = {
      fis: client("fis"),
      cloudwatch: client("cloudwatch"),
      commands: {
        GetExperimentTemplateCommand: command("GetExperimentTemplateCommand"),
        StartExperimentCommand: command("StartExperimentCommand"),
        GetExperimentCommand: command("GetExperimentCommand"),
        StopExperimentCommand: command("StopExperimentCommand"),
        DescribeAlarmsCommand: command("DescribeAlarmsCommand"),
      },
    };
    return { sdk, calls };
  }
  const stopAlarms = ["groundwork-staging-fis-stop-5xx", "groundwork-staging-fis-stop-database"];
  const template = { experimentTemplate: { id: "EXTabc123def", description: "Reboot groundwork-staging with forced Multi-AZ failover", stopConditions: stopAlarms.map((n) => ({ source: "aws:cloudwatch:alarm", value: `arn:aws:cloudwatch:eu-west-1:222222222222:alarm:${n}` })) } };
  const alarms = (states: string[]) => ({ MetricAlarms: stopAlarms.map((n, i) => ({ AlarmName: n, StateValue: states[i], StateReason: "" })) });

  it("takes the experiment names of modules/resilience/fault-injection.ts", () => {
    expect(EXPERIMENTS).toEqual([...faultInjection.EXPERIMENTS]);
  });

  it("reads the template id from the stack output, checks the stop conditions, starts the experiment and watches it to completion", async () => {
    const states = ["pending", "running", "running", "completed"];
    let gets = 0;
    const { sdk, calls } = fakeSdk((cmd) => {
      if (cmd === "GetExperimentTemplateCommand") return template;
      if (cmd === "DescribeAlarmsCommand") return alarms(["OK", "OK"]);
      if (cmd === "StartExperimentCommand") return { experiment: { id: "EXP42", state: { status: "initiating" } } };
      if (cmd === "GetExperimentCommand") return { experiment: { id: "EXP42", state: { status: states[gets++] } } };
      return {};
    });
    const { calls: commands, runner } = recordingRunner([[(a) => a[0] === "terraform", () => json({ "rds-failover": "EXTabc123def", "pod-cpu-stress": "EXTzzz" })]]);
    const { r } = await runOn(chaos, ["--env", "staging", "--experiment", "rds-failover", "--yes"], await awsTarget("staging", clock, { runner, chaosSdk: sdk }), drills);
    expect(r.error).toBeNull();
    expect(commands).toEqual([["terraform", `-chdir=${path.join(repoRoot, "cdktf.out/stacks/staging")}`, "output", "-json", "fis_experiment_templates"]]);
    const describe = ["cloudwatch", "DescribeAlarmsCommand", { AlarmNames: stopAlarms }];
    const get = ["fis", "GetExperimentCommand", { id: "EXP42" }];
    expect(calls).toEqual([
      ["fis", "GetExperimentTemplateCommand", { id: "EXTabc123def" }],
      describe,
      ["fis", "StartExperimentCommand", { experimentTemplateId: "EXTabc123def", clientToken: r.runId, tags: { "groundwork:run": r.runId } }],
      get, describe, get, describe, get, describe, get, describe,
    ]);
    expect(clock.sleeps).toEqual([POLL.fis, POLL.fis, POLL.fis]);
    expect(r.measurements.chaos).toMatchObject({ experimentId: "EXP42", status: "completed", stopAlarmsFired: [], durationSeconds: 45, alertsFired: "not watched (set PROMETHEUS_URL)" });
    const evidence = fs.readFileSync(r.report!.md, "utf8");
    expect(evidence).toContain("| experiment completed (not stopped or failed) | completed | completed | met |");
  });

  it("fails, with the evidence, when a stop condition stops the experiment", async () => {
    let gets = 0;
    const { sdk } = fakeSdk((cmd) => {
      if (cmd === "GetExperimentTemplateCommand") return template;
      if (cmd === "DescribeAlarmsCommand") return alarms(gets < 2 ? ["OK", "OK"] : ["ALARM", "OK"]);
      if (cmd === "StartExperimentCommand") return { experiment: { id: "EXP43" } };
      if (cmd === "GetExperimentCommand") return { experiment: { state: gets++ < 2 ? { status: "running" } : { status: "stopped", reason: "Experiment stopped by stop condition" } } };
      return {};
    });
    const { r } = await runOn(chaos, ["--env", "staging", "--experiment", "rds-failover", "--template-id", "EXTabc123def", "--yes"], await awsTarget("staging", clock, { chaosSdk: sdk }), drills);
    expect(r.exitCode).toBe(1);
    expect(r.error).toBe("step 6 (judge against the objectives) run failed: missed experiment completed (not stopped or failed), no stop condition fired");
    expect(r.measurements.chaos).toMatchObject({ status: "stopped", reason: "Experiment stopped by stop condition", stopAlarmsFired: ["groundwork-staging-fis-stop-5xx"] });
    expect((r.measurements.chaos as { timeline: string[] }).timeline).toEqual([
      "2025-01-31T12:00:00.000Z experiment running",
      "2025-01-31T12:00:15.000Z alarm groundwork-staging-fis-stop-5xx ALARM",
      "2025-01-31T12:00:30.000Z experiment stopped: Experiment stopped by stop condition",
    ]);
  });

  it("refuses to start while a stop condition is not OK, and stops the experiment when watching times out", async () => {
    const { sdk, calls } = fakeSdk((cmd) => (cmd === "GetExperimentTemplateCommand" ? template : cmd === "DescribeAlarmsCommand" ? alarms(["OK", "INSUFFICIENT_DATA"]) : {}));
    const a = await runOn(chaos, ["--env", "staging", "--experiment", "rds-failover", "--template-id", "EXTabc123def", "--yes"], await awsTarget("staging", clock, { chaosSdk: sdk }), drills);
    expect(a.r.error).toBe("step 2 (the system is healthy before the fault) check failed: stop condition(s) not OK: groundwork-staging-fis-stop-database is INSUFFICIENT_DATA; the experiment would stop at once or the system is already unhealthy");
    expect(calls.some(([, c]) => c === "StartExperimentCommand")).toBe(false);

    const running = fakeSdk((cmd) => {
      if (cmd === "GetExperimentTemplateCommand") return template;
      if (cmd === "DescribeAlarmsCommand") return alarms(["OK", "OK"]);
      if (cmd === "StartExperimentCommand") return { experiment: { id: "EXP44" } };
      if (cmd === "GetExperimentCommand") return { experiment: { state: { status: "running" } } };
      return {};
    });
    const b = await runOn(chaos, ["--env", "staging", "--experiment", "rds-failover", "--template-id", "EXTabc123def", "--timeout", "1m", "--yes"], await awsTarget("staging", clock, { chaosSdk: running.sdk }), drills);
    expect(b.r.error).toBe("step 4 (watch until the fault ends and the system recovers) run failed: timed out after 60 s waiting for experiment EXP44 to end");
    expect(running.calls[running.calls.length - 1]).toEqual(["fis", "StopExperimentCommand", { id: "EXP44" }]);
  });

  it("fails with exit code 2 on flags of the other side", async () => {
    const local = await runOn(chaos, ["--env", "local", "--experiment", "rds-failover"], undefined, drills);
    expect(local.r.exitCode).toBe(2);
    expect(local.out.trim()).toBe("chaos: --experiment: AWS FIS only; in the sandbox use --target postgres|redis");
    const aws = await runOn(chaos, ["--env", "staging", "--target", "redis"], undefined, drills);
    expect(aws.out.trim()).toBe("chaos: --target: sandbox only; on AWS use --experiment node-group-termination|az-network-disruption|rds-failover|pod-cpu-stress");
    const none = await runOn(chaos, ["--env", "staging"], undefined, drills);
    expect(none.out.trim()).toBe("chaos: --experiment is required on staging: one of node-group-termination, az-network-disruption, rds-failover, pod-cpu-stress");
  });

  it("explains which packages are missing when the FIS SDK is not installed", async () => {
    const { loadChaosSdk } = await import("../../runbooks/lib/targets/fis.mjs");
    const installed = await Promise.all(["@aws-sdk/client-fis", "@aws-sdk/client-cloudwatch"].map((p) => import(/* @vite-ignore */ p).then(() => true, () => false)));
    if (installed.every(Boolean)) return; // the lead installed them: nothing to explain
    await expect(loadChaosSdk("eu-west-1")).rejects.toThrow("chaos on AWS needs @aws-sdk/client-fis and @aws-sdk/client-cloudwatch: they are not installed");
  });
});
