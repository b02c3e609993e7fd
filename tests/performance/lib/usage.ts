/**
 * CPU and memory utilisation under load, against the budget of the issue's
 * "< 70 % CPU/memory under normal load". Utilisation is usage over the pod's
 * *requests* (the catalog's `resources`), the figure the HPA scales on.
 *
 * - Locally the reference target runs in a process of its own and reports
 *   `process.cpuUsage()` and its RSS (target.ts `startTargetProcess`): CPU is
 *   the CPU time it used over the load window divided by the window and by
 *   the service's CPU request; memory is the peak RSS over its memory request.
 * - In a deployed environment, with `--prometheus-url`, the same two ratios
 *   come from Prometheus over the load window: container CPU
 *   (`container_cpu_usage_seconds_total`) and working set
 *   (`container_memory_working_set_bytes`) of the service's containers over
 *   their requests (`kube_pod_container_resource_requests`, kube-state-metrics),
 *   summed over pods, i.e. the average utilisation the HPA sees.
 */
import type { Service } from "../../../config/services";
import type { UsageSample } from "../target";
import { round, threshold, type ThresholdResult } from "./thresholds";

/** The issue's budget: under 70 % CPU and memory at normal (1x) load. */
export const DEFAULT_UTILISATION_BUDGET = 0.7;

/** Measured utilisation of one run. */
export interface UsageReport {
  /** Where the figures come from. */
  readonly source: "reference target process" | "prometheus";
  /** What the usage is divided by: the catalog service's requests. */
  readonly request: { readonly service: string; readonly cpuMillicores: number; readonly memoryMiB: number };
  /** Mean CPU over the load window, as a share of the CPU request (0.5 = 50 %). */
  readonly cpuRatio: number;
  /** Peak memory (RSS, or working set) over the load window, as a share of the memory request. */
  readonly memoryRatio: number;
  /** Mean CPU in cores, when known. */
  readonly cpuCores?: number;
  /** Peak memory in MiB, when known. */
  readonly peakMemoryMiB?: number;
  readonly windowS: number;
  readonly samples: number;
  /** The PromQL queries, for `source: "prometheus"`. */
  readonly queries?: { readonly cpu: string; readonly memory: string };
  /** The budget the thresholds hold the ratios to (0.7 = 70 %). */
  readonly budget: number;
  /** Whether thresholds were applied: only at normal load (1x, steady or soak). */
  readonly thresholded: boolean;
}

/**
 * Utilisation of the reference target from its usage samples between
 * `fromMs` and `toMs` (epoch ms). The first and the last sample inside the
 * window bracket the CPU time; callers sample at both ends.
 */
export function processUsage(
  samples: readonly UsageSample[],
  fromMs: number,
  toMs: number,
  service: Pick<Service, "name" | "resources">,
  budget: number,
  thresholded: boolean,
): UsageReport {
  const inside = samples.filter((s) => s.atMs >= fromMs - 1 && s.atMs <= toMs + 1).sort((a, b) => a.atMs - b.atMs);
  if (inside.length < 2) throw new Error(`need at least two usage samples of the reference target in the load window; got ${inside.length}`);
  const first = inside[0];
  const last = inside[inside.length - 1];
  const cpuCores = (last.cpuUs - first.cpuUs) / 1000 / (last.atMs - first.atMs);
  const peakMemoryMiB = Math.max(...inside.map((s) => s.rssBytes)) / 1024 / 1024;
  return {
    source: "reference target process",
    request: { service: service.name, cpuMillicores: service.resources.cpuMillicores, memoryMiB: service.resources.memoryMiB },
    cpuRatio: cpuCores / (service.resources.cpuMillicores / 1000),
    memoryRatio: peakMemoryMiB / service.resources.memoryMiB,
    cpuCores,
    peakMemoryMiB,
    windowS: (last.atMs - first.atMs) / 1000,
    samples: inside.length,
    budget,
    thresholded,
  };
}

/** PromQL for a service's CPU and memory utilisation over its requests (namespace and container are the service's name, as the chart deploys it). */
export function utilisationQueries(service: string): { cpu: string; memory: string } {
  const sel = `namespace="${service}",container="${service}"`;
  return {
    cpu: `sum(rate(container_cpu_usage_seconds_total{${sel}}[1m])) / sum(kube_pod_container_resource_requests{${sel},resource="cpu"})`,
    memory: `sum(container_memory_working_set_bytes{${sel}}) / sum(kube_pod_container_resource_requests{${sel},resource="memory"})`,
  };
}

/** One range query; resolves to the values of its single series. */
async function queryRange(baseUrl: string, expr: string, startS: number, endS: number, stepS: number): Promise<number[]> {
  const url = new URL("api/v1/query_range", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  url.search = new URLSearchParams({ query: expr, start: startS.toFixed(3), end: endS.toFixed(3), step: `${stepS}s` }).toString();
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new Error(`Prometheus at ${baseUrl} did not answer: ${err instanceof Error ? err.message : String(err)}`);
  }
  const body = (await res.json().catch(() => ({}))) as { status?: string; error?: string; data?: { resultType?: string; result?: { values?: [number, string][] }[] } };
  if (!res.ok || body.status !== "success") throw new Error(`Prometheus at ${baseUrl} answered ${res.status} for ${expr}: ${body.error ?? "no success status"}`);
  const series = body.data?.result ?? [];
  const values = series.flatMap((s) => s.values ?? []).map(([, v]) => Number(v)).filter((v) => Number.isFinite(v));
  if (values.length === 0) throw new Error(`Prometheus at ${baseUrl} has no samples for ${expr} in the load window: is the service deployed there and scraped?`);
  return values;
}

/**
 * Utilisation of a deployed service from Prometheus over `[fromMs, toMs]`
 * (epoch ms): mean of the CPU ratio, peak of the memory ratio.
 */
export async function prometheusUsage(
  prometheusUrl: string,
  service: Pick<Service, "name" | "resources">,
  fromMs: number,
  toMs: number,
  budget: number,
  thresholded: boolean,
): Promise<UsageReport> {
  const queries = utilisationQueries(service.name);
  const startS = fromMs / 1000;
  const endS = Math.max(toMs / 1000, startS + 1);
  const stepS = Math.max(1, Math.round((endS - startS) / 100));
  const [cpu, memory] = await Promise.all([queryRange(prometheusUrl, queries.cpu, startS, endS, stepS), queryRange(prometheusUrl, queries.memory, startS, endS, stepS)]);
  return {
    source: "prometheus",
    request: { service: service.name, cpuMillicores: service.resources.cpuMillicores, memoryMiB: service.resources.memoryMiB },
    cpuRatio: cpu.reduce((a, b) => a + b, 0) / cpu.length,
    memoryRatio: Math.max(...memory),
    windowS: endS - startS,
    samples: Math.min(cpu.length, memory.length),
    queries,
    budget,
    thresholded,
  };
}

/** The two utilisation thresholds, in percent of the requests. */
export function usageThresholds(u: UsageReport): ThresholdResult[] {
  const limit = round(u.budget * 100);
  return [
    threshold(`CPU utilisation (mean, of the ${u.request.cpuMillicores}m request)`, "<=", limit, round(u.cpuRatio * 100), "%"),
    threshold(`memory utilisation (peak, of the ${u.request.memoryMiB} MiB request)`, "<=", limit, round(u.memoryRatio * 100), "%"),
  ];
}

/** One line describing the utilisation, for notes and logs. */
export function describeUsage(u: UsageReport): string {
  const cpu = `CPU ${(u.cpuRatio * 100).toFixed(1)} % of ${u.request.cpuMillicores}m${u.cpuCores === undefined ? "" : ` (${u.cpuCores.toFixed(3)} cores)`}`;
  const mem = `memory ${(u.memoryRatio * 100).toFixed(1)} % of ${u.request.memoryMiB} MiB${u.peakMemoryMiB === undefined ? "" : ` (peak ${u.peakMemoryMiB.toFixed(0)} MiB)`}`;
  return `utilisation from the ${u.source} over ${u.windowS.toFixed(1)} s: ${cpu}, ${mem}; budget ${Math.round(u.budget * 100)} %${u.thresholded ? "" : " (not a threshold: only normal load, 1x steady or soak, is held to it)"}`;
}
