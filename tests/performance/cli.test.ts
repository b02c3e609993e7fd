import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { environments } from "../../config";
import { services } from "../../config/services";
import { main, parseDuration, parsePerPodRps, parseQuota } from "./cli";
import { UsageError } from "./lib/errors";
import { httpScenarios, servicesWithoutScenario } from "./scenarios";

const quiet = () => {};

describe("scenarios", () => {
  it("has one HTTP scenario per catalog service, with the catalog's expected load", () => {
    expect(servicesWithoutScenario()).toEqual([]);
    expect(httpScenarios.map((s) => s.name)).toEqual(services.map((s) => s.name));
    for (const s of httpScenarios) {
      expect(s.service.slo.expectedRps).toBeGreaterThan(0);
      expect(s.endpoints.every((e) => e.path.startsWith("/") && e.weight > 0)).toBe(true);
    }
  });
});

describe("flag parsing", () => {
  const fails = (argv: string[], message: string) => expect(main(argv, quiet)).rejects.toThrow(new UsageError(message));

  it("fails when a flag value is not allowed, naming what is", async () => {
    await fails(["--scenario", "api-gateway", "--load", "3x"], "--load 3x is not allowed; expected one of 1x, 2x, 5x");
    await fails(["--env", "qa", "--scenario", "api-gateway"], "--env qa is not allowed; expected one of local, dev, staging, prod");
    await fails(["--scenario", "api-gateway", "--shape", "wave"], "--shape wave is not allowed; expected one of steady, ramp, spike, stress, soak");
    await fails(["--scenario", "api-gateway", "--rate", "0"], "--rate 0 is not allowed; expected a number > 0");
    await fails(["--scenario", "api-gateway", "--rate", "fast"], "--rate fast is not allowed; expected a number > 0");
    await fails(["--scenario", "api-gateway", "--rate", "-5"], "Option '--rate' argument is ambiguous; run with --help for the flags");
    await fails(["--scenario", "nope"], "--scenario nope is not allowed; expected one of api-gateway, content-processing, ai-orchestrator, event-processor, postgres, redis, event-e2e");
    await fails(["--env", "local"], "--scenario is required; expected one of api-gateway, content-processing, ai-orchestrator, event-processor, postgres, redis, event-e2e");
    await fails(["--scenario", "api-gateway", "--utilisation-budget", "0"], "--utilisation-budget 0 is not allowed; expected a percentage in (0, 100]");
    await fails(["--scenario", "api-gateway", "--consumer-delay-ms", "500"], "--consumer-delay-ms is only allowed with --scenario event-e2e; got --scenario api-gateway");
    await fails(["--env", "dev", "--scenario", "event-e2e", "--consumer-delay-ms", "500"], "--consumer-delay-ms is only allowed with --env local (it configures the local reference target)");
    await fails(["--frobnicate"], "Unknown option '--frobnicate'; run with --help for the flags");
  });

  it("fails when a remote environment has no base URL, or prod is not confirmed", async () => {
    await fails(["--env", "staging", "--scenario", "api-gateway"], "--env staging needs --base-url for api-gateway (there is no cluster here); e.g. --base-url https://api-gateway.staging.example.com");
    await fails(["--env", "prod", "--scenario", "api-gateway", "--base-url", "https://x.example.com"], "--env prod sends real load to production; it needs --yes and GROUNDWORK_ALLOW_PROD=1");
    await fails(["--env", "dev", "--scenario", "api-gateway", "--inject-latency-ms", "300"], "--inject-latency-ms is only allowed with --env local (it configures the local reference target)");
    await fails(["--env", "dev", "--scenario", "api-gateway", "--base-url", "ftp://x"], "--base-url ftp://x is not allowed; expected an http:// or https:// URL");
    await fails(["--env", "dev", "--scenario", "api-gateway", "--base-url", "https://x", "--prometheus-url", "prometheus:9090"], "--prometheus-url prometheus:9090 is not allowed; expected an http:// or https:// URL");
  });

  it("fails when the closed model is asked for a shape it cannot run", async () => {
    await fails(["--scenario", "api-gateway", "--model", "closed", "--shape", "spike"], "--shape spike needs the open model; the closed model runs steady or soak only");
  });

  it("parses durations, per-pod capacities and quotas", () => {
    expect([parseDuration("500ms"), parseDuration("30s"), parseDuration("5m"), parseDuration("1h"), parseDuration("2.5")]).toEqual([0.5, 30, 300, 3600, 2.5]);
    expect(() => parseDuration("5 minutes")).toThrow("--duration 5 minutes is not allowed; expected a positive duration such as 30s, 5m, 1h or 500ms");
    expect(parsePerPodRps("400")).toEqual(Object.fromEntries(services.map((s) => [s.name, 400])));
    expect(() => parsePerPodRps("api-gateway=400")).toThrow(/^--per-pod-rps has no value for content-processing, ai-orchestrator, event-processor;/);
    expect(() => parsePerPodRps("web=1")).toThrow('--per-pod-rps names unknown service "web"; expected one of api-gateway, content-processing, ai-orchestrator, event-processor');
    expect(parseQuota("cpu=40,memory=80Gi,pods=200")).toEqual({ cpuMillicores: 40000, memoryMiB: 81920, pods: 200 });
    expect(parseQuota("cpu=1500m,memory=512Mi")).toEqual({ cpuMillicores: 1500, memoryMiB: 512 });
    expect(() => parseQuota("gpu=1")).toThrow("--quota gpu=1 is not allowed; expected cpu=<cores|<n>m>, memory=<n>Mi|<n>Gi or pods=<n>");
  });
});

describe("capacity command", () => {
  it("writes a Markdown report per environment and fails when a limit is too low", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "capacity-"));
    const lines: string[] = [];
    // 100 req/s per pod carries 70: 5x of 1000 req/s needs ceil(5000 / 70) = 72 replicas, far above every HPA maximum.
    expect(await main(["--capacity", "--env", "prod", "--per-pod-rps", "100", "--out", out], (l) => lines.push(l))).toBe(1);
    const md = readFileSync(path.join(out, "capacity-prod.md"), "utf8");
    expect(md).toContain("| api-gateway | 100 | 1000 | 15 | 2000 | 29 | 5000 | 72 | 20 | **no** |");
    expect(lines.join("\n")).toContain(md.trim());
    await expect(main(["--capacity", "--env", "local", "--per-pod-rps", "100"], quiet)).rejects.toThrow("--env local is not allowed with --capacity; expected one of dev, staging, prod, all");
  });
});

describe("capacity from a measured run", () => {
  const apiGateway = services.find((s) => s.name === "api-gateway")!;
  const made: string[] = [];
  const tmp = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  /** A stress report as `--shape stress` writes it: its knee is the per-pod capacity of its scenario. */
  const stressReport = (report: object) => {
    const file = path.join(tmp("stress-"), "api-gateway-staging-stress.json");
    writeFileSync(file, JSON.stringify(report));
    return file;
  };
  const knee = stressReport({ version: 1, scenario: "api-gateway", env: "staging", kind: "http", load: { model: "open", shape: "stress", offeredRps: 200, durationS: 20 }, kneeRps: 250, pass: true });
  const row = (md: string) => md.split("\n").find((l) => l.startsWith("| api-gateway |"));

  it("assumes the catalog the hand-worked numbers below use", () => {
    expect([apiGateway.slo.expectedRps, apiGateway.scaling.minReplicas, apiGateway.scaling.maxReplicas]).toEqual([1000, 3, 20]);
    expect(environments.map((e) => [e.name, e.services.maxReplicasCap])).toEqual([
      ["dev", 4],
      ["staging", 10],
      ["prod", 50],
    ]);
  });

  it("reads the per-pod capacity from a stress report's knee, for every environment, at the given HPA target", async () => {
    const out = tmp("capacity-");
    const lines: string[] = [];
    // api-gateway from the knee (250 req/s), the other services 1000 req/s; HPA target 50 %:
    // a pod carries 250 x 0.5 = 125 req/s: 1x 1000/125 = 8, 2x 2000/125 = 16, 5x 5000/125 = 40 replicas,
    // against HPA maxima min(20, maxReplicasCap): dev 4, staging 10, prod 20; none holds 5x.
    const code = await main(["--capacity", "--env", "all", "--per-pod-from", knee, "--per-pod-rps", "1000", "--hpa-target", "50", "--out", out], (l) => lines.push(l));
    expect(code).toBe(1);
    const md = Object.fromEntries(["dev", "staging", "prod"].map((env) => [env, readFileSync(path.join(out, `capacity-${env}.md`), "utf8")]));
    expect(row(md.dev)).toBe("| api-gateway | 250 | 1000 | 8 | 2000 | 16 | 5000 | 40 | 4 | **no** |");
    expect(row(md.staging)).toBe("| api-gateway | 250 | 1000 | 8 | 2000 | 16 | 5000 | 40 | 10 | **no** |");
    expect(row(md.prod)).toBe("| api-gateway | 250 | 1000 | 8 | 2000 | 16 | 5000 | 40 | 20 | **no** |");
    for (const env of ["dev", "staging", "prod"]) {
      expect(md[env]).toContain(`# Capacity plan: ${env}`);
      expect(md[env]).toContain("HPA target utilisation 50 %");
      expect(lines).toContain(`capacity report: ${path.join(out, `capacity-${env}.md`)}`);
    }
    expect(lines).toContain("too low: prod: HPA maxReplicas api-gateway cannot hold 5x: needs 40 replicas, min(scaling.maxReplicas 20, services.maxReplicasCap 50) allows 20 replicas");
  });

  it("lets the knee win over --per-pod-rps for its service, and the default HPA target is 70 %", async () => {
    const out = tmp("capacity-");
    // 250 x 0.7 = 175 req/s a pod: 1000/175 = 5.7 -> 6, 2000/175 = 11.4 -> 12, 5000/175 = 28.6 -> 29.
    await main(["--capacity", "--env", "prod", "--per-pod-from", knee, "--per-pod-rps", "1000", "--out", out], quiet);
    expect(row(readFileSync(path.join(out, "capacity-prod.md"), "utf8"))).toBe("| api-gateway | 250 | 1000 | 6 | 2000 | 12 | 5000 | 29 | 20 | **no** |");
  });

  it("fails when the report has no knee, or the HPA target is out of range", async () => {
    const noKnee = stressReport({ scenario: "api-gateway", kneeRps: null });
    await expect(main(["--capacity", "--env", "prod", "--per-pod-from", noKnee, "--per-pod-rps", "1000"], quiet)).rejects.toThrow(
      new UsageError(`--per-pod-from ${noKnee} is not a stress report with a knee (run --shape stress against one instance)`),
    );
    await expect(main(["--capacity", "--env", "prod", "--per-pod-rps", "1000", "--hpa-target", "120"], quiet)).rejects.toThrow(
      new UsageError("--hpa-target 120 is not allowed; expected a percentage in (0, 100]"),
    );
    // Only the knee's service is known from a report: the others still need --per-pod-rps.
    await expect(main(["--capacity", "--env", "prod", "--per-pod-from", knee], quiet)).rejects.toThrow(/^--per-pod-rps has no value for content-processing, ai-orchestrator, event-processor;/);
  });
});

describe("the load command as a process", () => {
  it("exits 2 with a one-line error on bad input", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "cli.ts"), "--scenario", "api-gateway", "--load", "10x"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("load: --load 10x is not allowed; expected one of 1x, 2x, 5x");
  });

  it("exits 1 when the local target misses the p95 threshold and 0 when healthy", () => {
    const out = mkdtempSync(path.join(tmpdir(), "load-cli-"));
    const cli = (...extra: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "cli.ts"), "--env", "local", "--scenario", "api-gateway", "--rate", "100", "--duration", "2s", "--no-compare", "--out", out, ...extra], { encoding: "utf8" });
    const slow = cli("--inject-latency-ms", "300");
    expect(slow.stdout).toMatch(/^FAIL  latency p95: \d+(\.\d+)? ms \(limit <= 200 ms\)$/m);
    expect(slow.stdout).toMatch(/^pass  throughput: /m);
    expect(slow.status).toBe(1);
    const healthy = cli();
    expect(healthy.stdout).toMatch(/^PASS$/m);
    expect(healthy.status).toBe(0);
  });
});
