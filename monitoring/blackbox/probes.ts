/**
 * Synthetic health checks with the Prometheus blackbox exporter: its module
 * configuration (generated to monitoring/blackbox/blackbox.yaml for the
 * prometheus-blackbox-exporter chart's `config`), and the Probe resources of
 * the Prometheus operator that point it at every service and dependency.
 *
 * Dependency endpoints are known only after deploy (Terraform outputs of the
 * database, cache and search modules), so the platform stack calls
 * `probeManifests` with them.
 */
import type { Service } from "../../config/services";

export const DEPENDENCIES = ["postgres", "redis", "vault", "opensearch"] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/** The path every service serves its health on (the microservice chart's readiness probe uses the same). */
export const HEALTH_PATH = "/healthz";

const ip4 = { preferred_ip_protocol: "ip4" };

/** blackbox exporter `modules`, by name. */
export const blackboxModules = {
  /** Services: HTTP 2xx from the health endpoint. */
  http_2xx: { prober: "http", timeout: "5s", http: { ...ip4, method: "GET", no_follow_redirects: true } },
  /** PostgreSQL (RDS): the endpoint accepts TCP connections. */
  postgres_tcp: { prober: "tcp", timeout: "5s", tcp: { ...ip4 } },
  /** Redis (ElastiCache, in-transit encryption): TLS handshake, then PING answered (NOAUTH proves Redis answers too). */
  redis_tls_ping: {
    prober: "tcp",
    timeout: "5s",
    tcp: { ...ip4, tls: true, query_response: [{ send: "PING" }, { expect: "^(\\+PONG|-NOAUTH)" }] },
  },
  /** Vault: /v1/sys/health answers 200 for the active node and, with standbyok, for standbys; 503 when sealed. */
  vault_health: { prober: "http", timeout: "5s", http: { ...ip4, method: "GET", valid_status_codes: [200] } },
  /** OpenSearch: HTTPS answers; 401/403 without credentials still proves the cluster is serving. */
  opensearch_https: { prober: "http", timeout: "5s", http: { ...ip4, method: "GET", fail_if_not_ssl: true, valid_status_codes: [200, 401, 403] } },
} as const;
export type BlackboxModule = keyof typeof blackboxModules;

export const DEPENDENCY_MODULE: Readonly<Record<Dependency, BlackboxModule>> = {
  postgres: "postgres_tcp",
  redis: "redis_tls_ping",
  vault: "vault_health",
  opensearch: "opensearch_https",
};

export interface ProbeOptions {
  /** Namespace the Probe resources go to (where Prometheus selects them). */
  readonly namespace: string;
  /** Namespace the services run in: one for all, or one per service by name. */
  readonly servicesNamespace: string | ((service: string) => string);
  /** host:port of the blackbox exporter service. */
  readonly proberUrl: string;
  /** Target per dependency: host:port for postgres and redis, a URL for vault and opensearch. */
  readonly dependencies: Readonly<Record<Dependency, string>>;
  /** @default "30s" */
  readonly interval?: string;
}

/** The in-cluster health URL of a service. */
export function serviceHealthUrl(service: Pick<Service, "name" | "port">, namespace: string): string {
  return `http://${service.name}.${namespace}.svc.cluster.local:${service.port}${HEALTH_PATH}`;
}

function vaultHealthUrl(url: string): string {
  return `${url.replace(/\/$/, "")}/v1/sys/health?standbyok=true`;
}

function probe(name: string, opts: ProbeOptions, module: BlackboxModule, target: string, labels: Record<string, string>) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "Probe",
    metadata: { name, namespace: opts.namespace, labels: { "app.kubernetes.io/part-of": "groundwork" } },
    spec: {
      interval: opts.interval ?? "30s",
      module,
      prober: { url: opts.proberUrl },
      targets: { staticConfig: { static: [target], labels } },
    },
  };
}

/** One Probe per service health endpoint and one per dependency; labels feed ServiceProbeFailing and DependencyProbeFailing. */
export function probeManifests(services: readonly Service[], opts: ProbeOptions) {
  const bad = DEPENDENCIES.filter((d) => !opts.dependencies[d]);
  if (bad.length > 0) throw new Error(`probeManifests: no endpoint for dependencies ${bad.join(", ")}; pass one for each of ${DEPENDENCIES.join(", ")}`);
  return [
    ...services.map((s) =>
      probe(`service-${s.name}`, opts, "http_2xx", serviceHealthUrl(s, typeof opts.servicesNamespace === "function" ? opts.servicesNamespace(s.name) : opts.servicesNamespace), { probe_kind: "service", service: s.name }),
    ),
    ...DEPENDENCIES.map((d) =>
      probe(`dependency-${d}`, opts, DEPENDENCY_MODULE[d], d === "vault" ? vaultHealthUrl(opts.dependencies[d]) : opts.dependencies[d], {
        probe_kind: "dependency",
        dependency: d,
      }),
    ),
  ];
}
