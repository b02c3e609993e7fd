/**
 * Service alerts, one rule per service in `config/services.ts`: SLO burn rates
 * (availability and p95 latency), error spikes, throughput drops and the
 * blackbox probe of the service's health endpoint.
 *
 * Metric contract every service exposes (scraped through its ServiceMonitor,
 * which adds the `service` label):
 *   http_requests_total{service, code}                  counter
 *   http_request_duration_seconds_bucket{service, le}   histogram with a bucket
 *     at the service's `slo.latencyP95Ms` (0.2 for 200 ms)
 *
 * Burn-rate windows and factors follow the Google SRE workbook, "Alerting on
 * SLOs", multiwindow multi-burn-rate alerts:
 * https://sre.google/workbook/alerting-on-slos/
 */
import type { Service } from "../../config/services";
import type { AlertGroup, RecordingRule } from "./types";

/** A long and a short window over which the budget burns `factor` times faster than sustainable. */
interface BurnWindow {
  readonly long: string;
  readonly short: string;
  readonly factor: number;
}

/** 2% of a 30-day budget in 1 h, or 5% in 6 h: page. */
export const FAST_BURN: readonly BurnWindow[] = [
  { long: "1h", short: "5m", factor: 14.4 },
  { long: "6h", short: "30m", factor: 6 },
];
/** 10% of a 30-day budget in 1 d, or the whole budget at this pace over 3 d: ticket. */
export const SLOW_BURN: readonly BurnWindow[] = [
  { long: "1d", short: "2h", factor: 3 },
  { long: "3d", short: "6h", factor: 1 },
];
const WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

/** The p95 latency SLO: 95% of requests complete within `latencyP95Ms`. */
const LATENCY_TARGET = 0.95;

/** `1 - target` without floating-point noise (1 - 0.999 is 0.0010000000000000009). */
export function errorBudget(target: number): number {
  return Number((1 - target).toPrecision(6));
}

/** The histogram bucket boundary, in seconds as Prometheus clients print it, for a latency in ms. */
export function latencyBucket(service: Service): string {
  return String(service.slo.latencyP95Ms / 1000);
}

function burnExpr(ratio: string, service: Service, budget: number, windows: readonly BurnWindow[]): string {
  const sel = `{service="${service.name}"}`;
  return windows
    .map(
      (w) =>
        `(\n  ${ratio}:ratio_rate${w.long}${sel} > (${w.factor} * ${budget})\nand\n  ${ratio}:ratio_rate${w.short}${sel} > (${w.factor} * ${budget})\n)`,
    )
    .join("\nor\n");
}

function sloRecords(services: readonly Service[]): RecordingRule[] {
  const rules: RecordingRule[] = [
    { record: "service:http_requests:rate5m", expr: "sum by (service) (rate(http_requests_total[5m]))" },
  ];
  for (const w of WINDOWS) {
    // `or ... * 0` keeps a 0 ratio when a service has no 5xx series at all, so dashboards show 0, not "no data".
    rules.push({
      record: `service:http_requests_errors:ratio_rate${w}`,
      expr:
        `(sum by (service) (rate(http_requests_total{code=~"5.."}[${w}])) or sum by (service) (rate(http_requests_total[${w}])) * 0)\n` +
        `/\nsum by (service) (rate(http_requests_total[${w}]))`,
    });
  }
  for (const s of services) {
    for (const w of WINDOWS) {
      rules.push({
        record: `service:http_requests_slow:ratio_rate${w}`,
        expr:
          `1 - (\n  sum by (service) (rate(http_request_duration_seconds_bucket{service="${s.name}",le="${latencyBucket(s)}"}[${w}]))\n` +
          `  /\n  sum by (service) (rate(http_request_duration_seconds_count{service="${s.name}"}[${w}]))\n)`,
        labels: { service: s.name },
      });
    }
  }
  return rules;
}

const rollbackFirst =
  "1. If a deploy of the service started shortly before the alert (`kubectl -n <namespace> rollout history deploy/<service>`), roll it back with `npx zx runbooks/service-rollback.mjs --env <env> --service <service>`.\n";

export const serviceAlerts: AlertGroup = {
  name: "services",
  records: sloRecords,
  alerts: [
    {
      name: "ServiceAvailabilityBurnRateFast",
      scope: "service",
      severity: "critical",
      for: "2m",
      expr: (s) => burnExpr("service:http_requests_errors", s, errorBudget(s.slo.availability), FAST_BURN),
      summary: "{{ $labels.service }} is burning its availability error budget fast",
      description:
        "{{ $labels.service }} answers {{ $value | humanizePercentage }} of requests with 5xx. At this rate the 30-day error budget is gone in less than five days.",
      runbooks: ["service-rollback", "scale-out"],
      page: {
        meaning:
          "The share of 5xx responses of a service is at least 6 times (over 6 h) or 14.4 times (over 1 h) what its availability SLO in `config/services.ts` allows, confirmed over a short window so the alert resolves quickly once the errors stop.",
        impact: "Users receive errors now. At this pace the service breaks its monthly availability objective within days.",
        diagnosis:
          "1. Open the service's RED dashboard (Grafana, tag `groundwork`, \"<service> RED\") and find when the error ratio rose.\n" +
          "2. Compare with deploys: `kubectl -n <namespace> rollout history deploy/<service>` and the Argo Rollouts history.\n" +
          "3. Check its dependencies' alerts (Rds*, Redis*, Vault*, DependencyProbeFailing) and the services it calls.\n" +
          "4. Read the errors: `kubectl -n <namespace> logs deploy/<service> --since=15m | grep -i error`.",
        mitigation:
          rollbackFirst +
          "2. If a dependency fails, follow that dependency's alert page.\n" +
          "3. If the errors come from overload (latency burn at the same time, HpaAtMaxReplicas), scale out with `npx zx runbooks/scale-out.mjs`.",
      },
    },
    {
      name: "ServiceAvailabilityBurnRateSlow",
      scope: "service",
      severity: "warning",
      for: "15m",
      expr: (s) => burnExpr("service:http_requests_errors", s, errorBudget(s.slo.availability), SLOW_BURN),
      summary: "{{ $labels.service }} is steadily burning its availability error budget",
      description:
        "{{ $labels.service }} answers {{ $value | humanizePercentage }} of requests with 5xx, enough to exhaust the 30-day error budget before the month ends.",
      runbooks: ["service-rollback"],
      page: {
        meaning:
          "Over a day (or three), a service returns 5xx at 3 times (or 1 time) the rate its availability SLO allows. Nothing is on fire; the budget is leaking.",
        impact: "A small share of requests fail. Left alone, the service misses its availability objective this month.",
        diagnosis:
          "1. On the service's RED dashboard, look at the error ratio over 3 days: a step (a deploy, a config change) or a slow climb (load, data growth)?\n" +
          "2. Group the errors by route and status in the logs to find the failing path.\n" +
          "3. Check whether one pod or one availability zone produces most errors: `sum by (pod) (rate(http_requests_total{service=\"<service>\",code=~\"5..\"}[1h]))`.",
        mitigation:
          rollbackFirst +
          "2. Otherwise open a ticket for the owning team with the failing route and the error budget left; this alert does not page.",
      },
    },
    {
      name: "ServiceLatencyBurnRateFast",
      scope: "service",
      severity: "critical",
      for: "2m",
      expr: (s) => burnExpr("service:http_requests_slow", s, errorBudget(LATENCY_TARGET), FAST_BURN),
      summary: "{{ $labels.service }} is too slow: its p95 latency budget burns fast",
      description:
        "{{ $value | humanizePercentage }} of {{ $labels.service }}'s requests are slower than its latency objective (p95 under the catalog's latencyP95Ms); the budget for slow requests is gone in days.",
      runbooks: ["scale-out", "service-rollback"],
      page: {
        meaning:
          "More than 5% of a service's requests are slower than its `slo.latencyP95Ms` (200 ms): the share of slow requests is 6 to 14.4 times what the p95 objective allows, over both a long and a short window.",
        impact: "Users wait; callers may time out and retry, which adds load. The p95 objective is being broken now.",
        diagnosis:
          "1. RED dashboard: did request rate rise (load) or did latency rise at constant load (a slow dependency, a bad deploy)?\n" +
          "2. Check saturation: CPU throttling and replicas on the \"Cluster capacity and autoscaling\" dashboard, HpaAtMaxReplicas, PodsPending.\n" +
          "3. Check dependencies: RdsCpuHigh, RdsConnectionsHigh, RedisMemoryHigh, and the latency of the services it calls.",
        mitigation:
          "1. If load rose and the HPA is at its maximum, scale out: `npx zx runbooks/scale-out.mjs --env <env> --service <service>`.\n" +
          "2. If latency rose after a deploy, roll back with `npx zx runbooks/service-rollback.mjs`.\n" +
          "3. If a dependency is slow, follow its alert page.",
      },
    },
    {
      name: "ServiceLatencyBurnRateSlow",
      scope: "service",
      severity: "warning",
      for: "15m",
      expr: (s) => burnExpr("service:http_requests_slow", s, errorBudget(LATENCY_TARGET), SLOW_BURN),
      summary: "{{ $labels.service }} is steadily missing its p95 latency objective",
      description:
        "{{ $value | humanizePercentage }} of {{ $labels.service }}'s requests are slower than its latency objective over the last day or more.",
      runbooks: ["scale-out"],
      page: {
        meaning: "Over a day or three, more requests than the p95 objective allows are slower than `slo.latencyP95Ms`.",
        impact: "A slow degradation: users notice sluggishness and the service misses its latency objective this month.",
        diagnosis:
          "1. RED dashboard over 7 days: does latency follow load (capacity) or data volume (queries, payloads)?\n" +
          "2. Database dashboard: query load, CPU and connections over the same period.",
        mitigation:
          "1. If it follows load, raise `scaling.maxReplicas` or requests in `config/services.ts`, or scale out now with `npx zx runbooks/scale-out.mjs`.\n" +
          "2. Otherwise open a ticket for the owning team; this alert does not page.",
      },
    },
    {
      name: "ServiceErrorSpike",
      scope: "service",
      severity: "warning",
      for: "2m",
      expr: (s) =>
        `service:http_requests_errors:ratio_rate5m{service="${s.name}"} > 0.05\nand\nservice:http_requests:rate5m{service="${s.name}"} > 1`,
      summary: "{{ $labels.service }} returns {{ $value | humanizePercentage }} errors",
      description:
        "More than 5% of {{ $labels.service }}'s requests failed with 5xx over the last 5 minutes. Short spikes like this do not move the burn-rate alerts yet.",
      runbooks: ["service-rollback"],
      page: {
        meaning:
          "Over 5 minutes more than 5% of a service's requests (at more than 1 request/s) returned 5xx. It catches sharp, short failures before they show in the hour-long burn-rate windows.",
        impact: "Some users get errors right now. If it lasts, ServiceAvailabilityBurnRateFast follows and pages.",
        diagnosis:
          "1. Was anything deployed or changed in the last 15 minutes (rollouts, config, feature flags)?\n" +
          "2. Logs of the service for the last 10 minutes; group errors by route.\n" +
          "3. Are dependencies alerting at the same time?",
        mitigation: rollbackFirst + "2. If it stops by itself, note the time and cause in the team channel.",
      },
    },
    {
      name: "ServiceThroughputDrop",
      scope: "service",
      severity: "warning",
      for: "15m",
      expr: (s) => {
        const rate = `service:http_requests:rate5m{service="${s.name}"}`;
        // Compare with the same time yesterday; only when yesterday's traffic was real (10% of the expected load), so idle environments stay silent.
        return `${rate}\n< 0.5 * (${rate} offset 1d)\nand\n(${rate} offset 1d) > ${s.slo.expectedRps * 0.1}`;
      },
      summary: "{{ $labels.service }} receives less than half of yesterday's traffic",
      description:
        "{{ $labels.service }} serves {{ $value | humanize }} requests/s, less than half of the same time yesterday. Traffic may be failing before it reaches the service.",
      runbooks: [],
      page: {
        meaning:
          "A service's request rate fell below half of its rate at the same time the day before, for 15 minutes, while yesterday's rate was at least 10% of the catalog's `slo.expectedRps`.",
        impact:
          "Usually not the service itself: requests are lost upstream (ingress, WAF, DNS, a caller failing) or clients stopped sending. Work users expect may not be happening.",
        diagnosis:
          "1. Check the callers of the service (`calls` in `config/services.ts`) and the API gateway's RED dashboard.\n" +
          "2. Check the ingress controller and WAF: blocked requests, 4xx at the edge.\n" +
          "3. For event-processor, check the Redis stream backlog: consumers may be stuck rather than idle.\n" +
          "4. Rule out a calendar effect (holiday, planned customer migration) before escalating.",
        mitigation:
          "1. Fix the upstream cause you found (roll back a caller, relax a WAF rule that blocks legitimate traffic).\n" +
          "2. If the drop is expected (planned), silence the alert in Alertmanager with a reason and an end time.",
      },
    },
    {
      name: "ServiceProbeFailing",
      scope: "service",
      severity: "critical",
      for: "3m",
      expr: (s) => `probe_success{probe_kind="service",service="${s.name}"} == 0`,
      summary: "Synthetic health check of {{ $labels.service }} fails",
      description:
        "The blackbox exporter cannot get a 2xx from {{ $labels.instance }} for 3 minutes: {{ $labels.service }} is down or unreachable inside the cluster.",
      runbooks: ["service-rollback"],
      page: {
        meaning:
          "The blackbox exporter's HTTP probe of the service's health endpoint (`/healthz` on its Kubernetes Service) has failed for 3 minutes.",
        impact: "The service is unavailable to its callers; every request path through it fails.",
        diagnosis:
          "1. `kubectl -n <namespace> get pods -l app.kubernetes.io/name=<service>`: are pods running and ready?\n" +
          "2. `kubectl -n <namespace> get endpoints <service>`: has the Service endpoints?\n" +
          "3. Probe detail: `probe_http_status_code` and `probe_duration_seconds` for the target on the \"<service> RED\" dashboard.\n" +
          "4. Look for PodCrashLooping, PodsPending or NodeNotReady alerts at the same time.",
        mitigation:
          rollbackFirst +
          "2. If pods cannot be scheduled, see PodsPending; if nodes are down, see NodeNotReady.",
      },
    },
  ],
};
