import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { services } from "../../config/services";
import { BLACKBOX_CHART } from "../../modules/monitoring/blackbox-exporter";
import { DEPENDENCIES } from "../../monitoring/blackbox/probes";
import { synthEnvironment } from "../helpers/synth";

/** Key paths of an object, descending into plain objects only. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

describe("blackbox exporter in the environment stacks", () => {
  const stack = synthEnvironment("staging");
  const releases = Object.values(stack.resources("helm_release"));
  const exporter = releases.find((r) => r.chart === BLACKBOX_CHART.chart)!;
  const values = JSON.parse(exporter.values[0]);
  const probes = JSON.parse(releases.find((r) => r.name === "blackbox-probes")!.values[0]).manifests as any[];

  it("installs the pinned chart in the monitoring namespace with the repository's probe modules", () => {
    expect(exporter).toMatchObject({ version: BLACKBOX_CHART.version, repository: BLACKBOX_CHART.repository, namespace: "monitoring" });
    expect(Object.keys(values.config.modules).sort()).toEqual(["http_2xx", "opensearch_https", "postgres_tcp", "redis_tls_ping", "vault_health"]);
    expect(values.replicas).toBe(2);
  });

  it("sets only keys the chart's values.yaml has (an empty map upstream is free-form; so are the probe modules)", () => {
    const upstream = parse(readFileSync("modules/monitoring/upstream/prometheus-blackbox-exporter.yaml", "utf8"));
    const documented = (path: string) => {
      let node: any = upstream;
      for (const key of path.split(".")) {
        if (node && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 0) return true;
        if (!node || typeof node !== "object" || !(key in node)) return false;
        node = node[key];
      }
      return true;
    };
    const set = keyPaths({ ...values, config: { modules: {} } }).filter((p) => p !== "config.modules");
    expect(set.filter((p) => !documented(p))).toEqual([]);
    expect(documented("notAKey")).toBe(false);
  });

  it("probes every service's health endpoint in its own namespace", () => {
    for (const s of services) {
      const probe = probes.find((p) => p.metadata.name === `service-${s.name}`);
      expect(probe.spec.module).toBe("http_2xx");
      expect(probe.spec.targets.staticConfig.static).toEqual([`http://${s.name}.${s.name}.svc.cluster.local:${s.port}/healthz`]);
    }
  });

  it("probes every dependency at the stack's own endpoints", () => {
    const targets = Object.fromEntries(probes.filter((p) => p.spec.targets.staticConfig.labels.probe_kind === "dependency").map((p) => [p.spec.targets.staticConfig.labels.dependency, p.spec.targets.staticConfig.static[0]]));
    expect(Object.keys(targets).sort()).toEqual([...DEPENDENCIES].sort());
    expect(targets.postgres).toMatch(/aws_db_instance\.database_primary_\w+\.endpoint/);
    expect(targets.redis).toMatch(/aws_elasticache_replication_group\.cache_replication-group_\w+\.primary_endpoint_address\}:6379$/);
    expect(targets.vault).toBe("https://vault-active.vault.svc:8200/v1/sys/health?standbyok=true");
    expect(targets.opensearch).toMatch(/^https:\/\/\$\{aws_opensearch_domain\./);
  });
});
