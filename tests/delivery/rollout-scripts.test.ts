/**
 * The deploy jobs' promotion and smoke check (.github/scripts/promote.sh,
 * smoke.sh and the Rollout reading they share, rollout-status.mjs). The shell
 * scripts run for real against stub `kubectl`, `aws` and `curl` commands that
 * serve Rollout objects in the shape the Argo Rollouts controller writes.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { services } from "../../config/services";
import { rolloutState } from "../../.github/scripts/rollout-status.mjs";
import { ROOT } from "./lint";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const OLD = "fedcba9876543210fedcba9876543210fedcba98";

interface Shape {
  readonly tag?: string;
  readonly phase?: string;
  readonly current?: string;
  readonly stable?: string;
  readonly active?: string;
  readonly pre?: string;
  readonly post?: string;
  readonly paused?: boolean;
  readonly abort?: boolean;
  readonly observed?: number;
}

/** A blue-green Rollout as `kubectl get rollout -o json` returns it. */
function rollout(s: Shape) {
  return {
    metadata: { generation: 7 },
    spec: { template: { spec: { containers: [{ name: "svc", image: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/groundwork/svc:${s.tag ?? COMMIT}` }] } } },
    status: {
      observedGeneration: String(s.observed ?? 7),
      phase: s.phase ?? "Healthy",
      currentPodHash: s.current ?? "new",
      stableRS: s.stable ?? "new",
      abort: s.abort,
      pauseConditions: s.paused ? [{ reason: "BlueGreenPause", startTime: "2026-01-01T00:00:00Z" }] : undefined,
      blueGreen: {
        activeSelector: s.active ?? s.stable ?? "new",
        previewSelector: s.current ?? "new",
        prePromotionAnalysisRunStatus: s.pre ? { name: "svc-new-2-pre", status: s.pre } : undefined,
        postPromotionAnalysisRunStatus: s.post ? { name: "svc-new-2-post", status: s.post } : undefined,
      },
    },
  };
}

const paused = (pre: string): Shape => ({ phase: "Paused", current: "new", stable: "old", active: "old", paused: true, pre });

describe("rollout-status.mjs", () => {
  it("says healthy only when the deployed commit's pods are the stable, active version", () => {
    expect(rolloutState(rollout({}), COMMIT)).toEqual({ state: "healthy", reason: `Healthy on ${COMMIT} (pods new)` });
  });

  it("says promotable when the blue-green pause has a Successful pre-promotion analysis", () => {
    expect(rolloutState(rollout(paused("Successful")), COMMIT)).toEqual({ state: "promotable", reason: "Paused, not promoted; pre-promotion analysis svc-new-2-pre Successful" });
  });

  it("says paused, not promotable, while the pre-promotion analysis runs", () => {
    expect(rolloutState(rollout(paused("Running")), COMMIT)).toEqual({ state: "paused", reason: "Paused, not promoted; pre-promotion analysis Running" });
  });

  it("waits while the controller has not seen the spec, or the new pods and post-promotion analysis are in progress", () => {
    expect(rolloutState(rollout({ observed: 6 }), COMMIT).state).toBe("waiting");
    expect(rolloutState(rollout({ phase: "Progressing", current: "new", stable: "old", post: "Running" }), COMMIT)).toEqual({ state: "waiting", reason: "phase Progressing" });
  });

  it("fails when the Rollout runs another commit's image, even Healthy", () => {
    expect(rolloutState(rollout({ tag: OLD }), COMMIT)).toEqual({ state: "failed", reason: `the Rollout runs 111111111111.dkr.ecr.eu-west-1.amazonaws.com/groundwork/svc:${OLD}; expected the tag ${COMMIT}` });
  });

  it("fails when an analysis did not succeed, or the Rollout aborted or degraded", () => {
    expect(rolloutState(rollout(paused("Failed")), COMMIT)).toEqual({ state: "failed", reason: "pre-promotion analysis svc-new-2-pre is Failed" });
    expect(rolloutState(rollout({ phase: "Progressing", post: "Inconclusive" }), COMMIT).reason).toBe("post-promotion analysis svc-new-2-post is Inconclusive");
    expect(rolloutState(rollout({ phase: "Degraded", abort: true }), COMMIT).reason).toBe("aborted");
    expect(rolloutState(rollout({ phase: "Degraded" }), COMMIT).state).toBe("failed");
  });
});

/** A directory of stub commands and per-service Rollout files; `after` is served once the service was patched. */
class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), "gw-rollouts-"));

  constructor() {
    const stub = (name: string, body: string) => {
      writeFileSync(join(this.dir, name), `#!/usr/bin/env bash\n${body}\n`);
      chmodSync(join(this.dir, name), 0o755);
    };
    // kubectl -n <svc> get rollout <svc> -o json | kubectl -n <svc> patch rollout <svc> ...
    stub(
      "kubectl",
      [
        'svc="$2"',
        'case "$3" in',
        '  get) if [ "$4" = service ]; then echo 8080; exit 0; fi',
        '       if [ -f "$STUB_DIR/$svc.patched" ] && [ -f "$STUB_DIR/$svc.after.json" ]; then cat "$STUB_DIR/$svc.after.json";',
        '       elif [ -f "$STUB_DIR/$svc.json" ]; then cat "$STUB_DIR/$svc.json"; else echo "rollouts.argoproj.io \\"$svc\\" not found" >&2; exit 1; fi ;;',
        '  patch) echo "$*" >> "$STUB_DIR/patches"; touch "$STUB_DIR/$svc.patched" ;;',
        '  port-forward) echo "$*" >> "$STUB_DIR/port-forwards"; echo $$ >> "$STUB_DIR/port-forward.pids"; echo "Forwarding from 127.0.0.1:45678 -> $5"; exec sleep 30 ;;',
        '  *) exit 3 ;;',
        "esac",
      ].join("\n"),
    );
    stub("aws", 'echo "$*" >> "$STUB_DIR/aws.log"');
    stub("curl", 'echo "$*" >> "$STUB_DIR/curl.log"; exit "${STUB_CURL_EXIT:-0}"');
  }

  set(svc: string, now: Shape, after?: Shape): this {
    writeFileSync(join(this.dir, `${svc}.json`), JSON.stringify(rollout(now)));
    if (after) writeFileSync(join(this.dir, `${svc}.after.json`), JSON.stringify(rollout(after)));
    return this;
  }

  all(now: Shape, after?: Shape): this {
    for (const s of services) this.set(s.name, now, after);
    return this;
  }

  patches(): string[] {
    const file = join(this.dir, "patches");
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
  }

  run(script: "promote.sh" | "smoke.sh", args: string[], env: Record<string, string> = {}) {
    const r = spawnSync("bash", [join(ROOT, ".github/scripts", script), ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PATH: `${this.dir}:${process.env.PATH}`, STUB_DIR: this.dir, SMOKE_POLL_SECONDS: "0", PROMOTE_POLL_SECONDS: "0", SMOKE_TIMEOUT_SECONDS: "5", PROMOTE_TIMEOUT_SECONDS: "5", ...env },
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  remove() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether a process is alive: gone, or a zombie waiting to be reaped, is not. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const promotePatch = (svc: string) => `-n ${svc} patch rollout ${svc} --subresource=status --type=merge -p {"status":{"pauseConditions":null}}`;

describe("promote.sh", () => {
  let cluster: Cluster;
  afterEach(() => cluster?.remove());

  it("promotes every Rollout whose pre-promotion analysis passed and waits until each is Healthy on the commit", () => {
    cluster = new Cluster().all(paused("Successful"), {});
    const { status, out } = cluster.run("promote.sh", ["staging", COMMIT]);
    expect(status, out).toBe(0);
    expect(cluster.patches()).toEqual(services.map((s) => promotePatch(s.name)));
    expect(out).toContain(`promote: every service of staging is Healthy on ${COMMIT}`);
    expect(readFileSync(join(cluster.dir, "aws.log"), "utf8")).toContain("eks update-kubeconfig --name groundwork-staging --region eu-west-1");
  });

  it("leaves an already Healthy Rollout alone", () => {
    cluster = new Cluster().all({});
    expect(cluster.run("promote.sh", ["dev", COMMIT]).status).toBe(0);
    expect(cluster.patches()).toEqual([]);
  });

  it("fails without promoting when a pre-promotion analysis failed", () => {
    cluster = new Cluster().all({}).set(services[1].name, paused("Failed"));
    const { status, out } = cluster.run("promote.sh", ["dev", COMMIT]);
    expect(status).toBe(1);
    expect(cluster.patches()).toEqual([]);
    expect(out).toContain(`::error title=promote dev::${services[1].name}: pre-promotion analysis svc-new-2-pre is Failed`);
  });

  it("promotes the others while one Rollout's analysis is still running: one deadline for all, not one per service", () => {
    cluster = new Cluster().all(paused("Successful"), {}).set(services[0].name, paused("Running"));
    const { status, out } = cluster.run("promote.sh", ["dev", COMMIT], { PROMOTE_TIMEOUT_SECONDS: "2", PROMOTE_POLL_SECONDS: "1" });
    expect(status).toBe(1);
    // Every other service was promoted and settled Healthy; only the slow one is reported.
    expect(cluster.patches()).toEqual(services.slice(1).map((s) => promotePatch(s.name)));
    const errors = out.split("\n").filter((l) => l.startsWith("::error"));
    expect(errors).toEqual([`::error title=promote dev::${services[0].name}: Paused, not promoted; pre-promotion analysis Running`]);
  });

  it("sends the preview Service smoke traffic while its pre-promotion analysis runs, and stops it on exit", () => {
    cluster = new Cluster().all({}).set(services[0].name, paused("Running"));
    const { out } = cluster.run("promote.sh", ["dev", COMMIT], { PROMOTE_TIMEOUT_SECONDS: "2", PROMOTE_POLL_SECONDS: "1" });
    const svc = services[0].name;
    expect(readFileSync(join(cluster.dir, "port-forwards"), "utf8").trim()).toBe(`-n ${svc} port-forward service/${svc}-preview :8080`);
    expect(out).toContain(`promote: ${svc}: smoke traffic to ${svc}-preview through 127.0.0.1:45678`);
    expect(readFileSync(join(cluster.dir, "curl.log"), "utf8")).toContain("http://127.0.0.1:45678/");
    // The port-forward does not outlive the script.
    for (const pid of readFileSync(join(cluster.dir, "port-forward.pids"), "utf8").trim().split("\n").map(Number)) {
      expect(running(pid), `port-forward ${pid} still running`).toBe(false);
    }
  });

  it("fails when a Rollout never becomes promotable before the deadline", () => {
    cluster = new Cluster().all({}).set(services[0].name, paused("Running"));
    const { status, out } = cluster.run("promote.sh", ["dev", COMMIT], { PROMOTE_TIMEOUT_SECONDS: "1", PROMOTE_POLL_SECONDS: "1" });
    expect(status).toBe(1);
    expect(cluster.patches()).toEqual([]);
    expect(out).toContain(`::error title=promote dev::${services[0].name}: Paused, not promoted; pre-promotion analysis Running`);
  });

  it("fails when the commit is not a full git SHA", () => {
    cluster = new Cluster();
    const { status, out } = cluster.run("promote.sh", ["dev", "main"]);
    expect(status).toBe(2);
    expect(out.trim()).toBe('promote: commit is "main"; expected the 40-hex git SHA that was deployed');
  });
});

describe("smoke.sh", () => {
  let cluster: Cluster;
  afterEach(() => cluster?.remove());

  it("passes when every Rollout is Healthy on the commit and /healthz answers", () => {
    cluster = new Cluster().all({});
    const { status, out } = cluster.run("smoke.sh", ["prod", COMMIT]);
    expect(status, out).toBe(0);
    expect(readFileSync(join(cluster.dir, "curl.log"), "utf8")).toContain("/healthz");
  });

  it("fails on a Rollout that is still Paused: the previous version has the traffic", () => {
    cluster = new Cluster().all({}).set(services[2].name, paused("Successful"));
    const { status, out } = cluster.run("smoke.sh", ["prod", COMMIT]);
    expect(status).toBe(1);
    expect(out).toContain(`::error title=smoke check prod::${services[2].name}: Paused, not promoted; pre-promotion analysis svc-new-2-pre Successful; expected Healthy on ${COMMIT}`);
  });

  it("fails when a Healthy Rollout runs an older commit", () => {
    cluster = new Cluster().all({}).set(services[0].name, { tag: OLD });
    const { status, out } = cluster.run("smoke.sh", ["prod", COMMIT]);
    expect(status).toBe(1);
    expect(out).toContain(`${services[0].name}: the Rollout runs`);
  });

  it("fails when /healthz does not answer", () => {
    cluster = new Cluster().all({});
    const { status, out } = cluster.run("smoke.sh", ["prod", COMMIT], { STUB_CURL_EXIT: "22" });
    expect(status).toBe(1);
    expect(out).toContain("/healthz did not answer 2xx");
  });
});
