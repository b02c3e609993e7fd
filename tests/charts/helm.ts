/** Run the real `helm` binary (.gen/bin/helm) on the in-repo chart, offline. */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { MICROSERVICE_CHART_PATH } from "../../modules/service/values";

const run = promisify(execFile);

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const CHART_DIR = join(REPO_ROOT, MICROSERVICE_CHART_PATH);
const HELM = join(REPO_ROOT, ".gen/bin/helm");

/** A rendered Kubernetes object. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; [key: string]: any }; [key: string]: any };

/** The helm binary's path; fails with the command that installs it. */
export function helmPath(): string {
  if (!existsSync(HELM)) throw new Error(`${HELM} is missing: run \`bash scripts/setup-helm.sh\` from the repository root first`);
  return HELM;
}

/** What one helm invocation printed; `ok` is false when it exited non-zero. */
export interface HelmResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

async function helm(args: string[]): Promise<HelmResult> {
  // No HOME config or repositories are needed: point helm's state at a throwaway dir.
  const home = mkdtempSync(join(tmpdir(), "helm-home-"));
  const env = { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home };
  try {
    const { stdout, stderr } = await run(helmPath(), args, { env, maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, stdout, stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, stdout: err.stdout ?? "", stderr: err.stderr || err.message };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Writes values to a temporary file, runs helm with `-f <file>`, and removes it. */
async function withValuesFile<T>(values: unknown, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "chart-values-"));
  const file = join(dir, "values.json"); // JSON is YAML: no quoting surprises
  writeFileSync(file, JSON.stringify(values, null, 2));
  try {
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Options of one render: release namespace and the cluster's Kubernetes version. */
export interface RenderOptions {
  readonly namespace?: string;
  readonly kubeVersion?: string;
}

/** `helm template` with the given values; the raw result, for tests that expect failure. */
export function helmTemplate(release: string, values: unknown, opts: RenderOptions = {}): Promise<HelmResult> {
  return withValuesFile(values, (file) =>
    helm(["template", release, CHART_DIR, "-f", file, "--namespace", opts.namespace ?? "services", ...(opts.kubeVersion ? ["--kube-version", opts.kubeVersion] : [])]),
  );
}

/** `helm lint --strict` with the given values. */
export function helmLint(values: unknown, opts: RenderOptions = {}): Promise<HelmResult> {
  return withValuesFile(values, (file) =>
    helm(["lint", "--strict", CHART_DIR, "-f", file, "--namespace", opts.namespace ?? "services", ...(opts.kubeVersion ? ["--kube-version", opts.kubeVersion] : [])]),
  );
}

/** Renders the chart and parses every document; throws with helm's message on failure. */
export async function render(release: string, values: unknown, opts: RenderOptions = {}): Promise<Manifest[]> {
  const result = await helmTemplate(release, values, opts);
  if (!result.ok) throw new Error(`helm template ${release} failed: ${result.stderr.trim()}`);
  return parseManifests(result.stdout);
}

/** Parses a multi-document YAML stream, failing on any YAML error. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}
