import { describe, expect, it } from "vitest";
import { services } from "../../config/services";
import { alerts } from "../../monitoring/alerts";
import { blackboxModules, DEPENDENCIES, probeManifests, type ProbeOptions } from "../../monitoring/blackbox/probes";
import { readYaml } from "./helpers";

const opts: ProbeOptions = {
  namespace: "monitoring",
  servicesNamespace: "groundwork",
  proberUrl: "prometheus-blackbox-exporter.monitoring.svc:9115",
  dependencies: {
    postgres: "groundwork-prod.abc.eu-west-1.rds.amazonaws.com:5432",
    redis: "master.groundwork-prod.abc.euw1.cache.amazonaws.com:6379",
    vault: "https://vault.vault.svc:8200",
    opensearch: "https://search-groundwork-prod.eu-west-1.es.amazonaws.com",
  },
};
const probes = probeManifests(services, opts);
const byName = (n: string) => probes.find((p) => p.metadata.name === n)!;

describe("blackbox probes", () => {
  it("probe every service's health endpoint with its service label", () => {
    for (const s of services) {
      const p = byName(`service-${s.name}`);
      expect(p.spec.module).toBe("http_2xx");
      expect(p.spec.targets.staticConfig.static).toEqual([`http://${s.name}.groundwork.svc.cluster.local:${s.port}/healthz`]);
      expect(p.spec.targets.staticConfig.labels).toEqual({ probe_kind: "service", service: s.name });
    }
  });

  it("probe every dependency: RDS, Redis, Vault and OpenSearch", () => {
    expect(DEPENDENCIES).toEqual(["postgres", "redis", "vault", "opensearch"]);
    for (const d of DEPENDENCIES) expect(byName(`dependency-${d}`).spec.targets.staticConfig.labels).toEqual({ probe_kind: "dependency", dependency: d });
    expect(byName("dependency-vault").spec.targets.staticConfig.static).toEqual(["https://vault.vault.svc:8200/v1/sys/health?standbyok=true"]);
    expect(byName("dependency-redis").spec.module).toBe("redis_tls_ping");
  });

  it("are Prometheus operator Probe resources pointing at the blackbox exporter", () => {
    for (const p of probes) {
      expect(p.apiVersion).toBe("monitoring.coreos.com/v1");
      expect(p.kind).toBe("Probe");
      expect(p.spec.prober.url).toBe(opts.proberUrl);
    }
  });

  it("use only modules the generated blackbox config defines", () => {
    const config = readYaml<{ modules: Record<string, { prober: string }> }>("monitoring/blackbox/blackbox.yaml");
    expect(Object.keys(config.modules).sort()).toEqual(Object.keys(blackboxModules).sort());
    for (const p of probes) expect(config.modules[p.spec.module], p.metadata.name).toBeDefined();
  });

  it("fails when a dependency has no endpoint", () => {
    const { opensearch: _missing, ...rest } = opts.dependencies;
    expect(() => probeManifests(services, { ...opts, dependencies: rest as ProbeOptions["dependencies"] })).toThrow(
      "probeManifests: no endpoint for dependencies opensearch; pass one for each of postgres, redis, vault, opensearch",
    );
  });

  it("have an alert for each kind of probe failure", () => {
    const service = alerts.find((a) => a.name === "ServiceProbeFailing");
    const dependency = alerts.find((a) => a.name === "DependencyProbeFailing");
    expect(service?.scope === "service" && service.expr(services[0])).toContain(`probe_kind="service",service="${services[0].name}"`);
    expect(dependency?.scope === "global" && dependency.expr).toContain('probe_kind="dependency"');
  });
});
