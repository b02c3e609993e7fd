/**
 * Shared by the AWS-side runbook tests: an AwsTarget with a fake clock and
 * sleep (waiting is instant and every sleep is recorded), a command runner
 * that records argv and answers from a table, and a fake Vault HTTP server
 * on 127.0.0.1 that records every request.
 */
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { environmentConfig } from "../../runbooks/lib/config.mjs";
import { execute, type Runbook } from "../../runbooks/lib/runbook.mjs";
import { AwsTarget, type AwsOptions } from "../../runbooks/lib/targets/aws.mjs";
import type { CommandResult } from "../../runbooks/lib/targets/base.mjs";

export type Env = "dev" | "staging" | "prod";

export class FakeClock {
  now = Date.parse("2025-01-31T12:00:00Z");
  sleeps: number[] = [];
  sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.now += ms;
  };
}

export async function awsTarget(env: Env, clock: FakeClock, opts: Partial<AwsOptions> = {}) {
  const { env: config, names, stateStore } = await environmentConfig(env);
  const credentials = { accessKeyId: "test", secretAccessKey: "test" };
  return new AwsTarget(config, names, stateStore, {
    rds: new RDSClient({ region: config.account.region, credentials }),
    elasticache: new ElastiCacheClient({ region: config.account.region, credentials }),
    s3: new S3Client({ region: stateStore.account.region, credentials }),
    snapshotS3: new S3Client({ region: config.account.region, credentials }),
    now: () => clock.now,
    sleep: clock.sleep,
    ...opts,
  });
}

export async function runOn(decl: Runbook, argv: string[], target: AwsTarget | undefined, drills: string, extraEnv: Record<string, string> = {}) {
  let out = "";
  const r = await execute(decl, argv, {
    env: { GROUNDWORK_DRILLS_DIR: drills, GROUNDWORK_ALLOW_PROD: "1", ...extraEnv },
    out: (s) => (out += s),
    isTTY: false,
    target,
  });
  return { r, out };
}

/** A command runner: records every argv, answers with the first matching rule (default: exit 0, no output). */
export function recordingRunner(rules: Array<[(argv: string[]) => boolean, (argv: string[]) => Partial<CommandResult>]>) {
  const calls: string[][] = [];
  const runner = async (argv: string[]) => {
    calls.push(argv);
    const rule = rules.find(([match]) => match(argv));
    const r = rule ? rule[1](argv) : {};
    return { stdout: r.stdout ?? "", stderr: r.stderr ?? "", exitCode: r.exitCode ?? 0 };
  };
  return { calls, runner };
}

/** argv ends with these arguments (after the binary and `--context <cluster>`). */
export const argsAre = (...want: string[]) => (argv: string[]) => argv.slice(-want.length).join("\u0000") === want.join("\u0000") && argv.length <= want.length + 3;

export interface VaultRequest {
  method: string;
  path: string;
  token: string | null;
  body: string;
}

/** A fake Vault HTTP API: `handle` answers [status, json]; every request is recorded. */
export async function fakeVault(handle: (req: VaultRequest) => [number, unknown]) {
  const requests: VaultRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const r: VaultRequest = { method: String(req.method), path: String(req.url), token: (req.headers["x-vault-token"] as string) ?? null, body: body.toString("latin1") };
      requests.push(r);
      const [status, json] = handle(r);
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(json === undefined ? "" : JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { addr, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
