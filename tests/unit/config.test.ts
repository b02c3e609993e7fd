import { describe, expect, it } from "vitest";
import { ConfigError, environments, loadEnvironment, type EnvironmentInput } from "../../config";
import { dev } from "../../config/dev";
import { prod } from "../../config/prod";
import { staging } from "../../config/staging";

/** A deep copy of prod's input with one change applied. */
function prodWith(change: (c: any) => void): EnvironmentInput {
  const copy = structuredClone(prod) as any;
  change(copy);
  return copy;
}

function errorOf(input: unknown): string {
  try {
    loadEnvironment(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected loadEnvironment to fail");
}

describe("environment config", () => {
  it("loads dev, staging and prod in that order", () => {
    expect(environments.map((e) => e.name)).toEqual(["dev", "staging", "prod"]);
  });

  it("fails when the CIDR is malformed, naming environment, field, value and what is allowed", () => {
    expect(errorOf(prodWith((c) => (c.network.cidr = "10.300.0.0/16")))).toBe(
      'config/prod: network.cidr is "10.300.0.0/16"; expected an IPv4 CIDR with octets <= 255 and a prefix <= 32',
    );
  });

  it("fails when the environment name is not one of the known environments", () => {
    expect(errorOf(prodWith((c) => (c.name = "qa")))).toBe('config/qa: name is "qa"; expected one of dev, staging, prod');
  });

  it("fails when NAT mode is unknown", () => {
    expect(errorOf(prodWith((c) => (c.network.natGateways = "none")))).toBe(
      'config/prod: network.natGateways is "none"; expected one of single, per-az',
    );
  });

  it("fails when the AZ count is out of range", () => {
    expect(errorOf(prodWith((c) => (c.network.azCount = 1)))).toBe("config/prod: network.azCount is 1; expected at least 2");
  });

  it("fails when a node group's desired size is outside min..max", () => {
    expect(errorOf(prodWith((c) => (c.cluster.nodeGroups[0].desiredSize = 99)))).toBe(
      "config/prod: cluster.nodeGroups.0.desiredSize is 99; expected minSize <= desiredSize <= maxSize",
    );
  });

  it("fails when backup retention is beyond what RDS allows", () => {
    expect(errorOf(prodWith((c) => (c.database.backupRetentionDays = 40)))).toBe(
      "config/prod: database.backupRetentionDays is 40; expected at most 35",
    );
  });

  it("fails when flow-log retention is under a year", () => {
    expect(errorOf(prodWith((c) => (c.network.flowLogRetentionDays = 30)))).toMatch(
      /^config\/prod: network\.flowLogRetentionDays is 30; expected one of 365, 400, 545, 731/,
    );
  });

  it("fails when the account id is not 12 digits", () => {
    expect(errorOf(prodWith((c) => (c.account.id = "1234")))).toBe('config/prod: account.id is "1234"; expected a 12-digit AWS account id');
  });

  it("fails when the JWKS URL the ALB verifies tokens with is not https", () => {
    expect(errorOf(prodWith((c) => (c.edge.jwksUri = "http://auth.example.com/jwks")))).toBe(
      'config/prod: edge.jwksUri is "http://auth.example.com/jwks"; expected an https URL such as https://auth.example.com/.well-known/jwks.json',
    );
  });

  it("fails when a field is unknown (a typo must not be silently ignored)", () => {
    expect(errorOf(prodWith((c) => (c.database.multiAZ = true)))).toBe(
      "config/prod: database.multiAZ is true; expected no such field (check its spelling against EnvironmentConfig)",
    );
  });

  it("fails when a required field is missing", () => {
    expect(errorOf(prodWith((c) => delete c.cache.replicas))).toBe("config/prod: cache.replicas is undefined; expected a number");
  });

  it("fails when the environment tag disagrees with the environment name", () => {
    expect(errorOf(prodWith((c) => (c.tags.environment = "staging")))).toBe(
      'config/prod: tags.environment is "staging"; expected equal to the environment name "prod"',
    );
  });

  it("gives one-line messages", () => {
    expect(errorOf(prodWith((c) => (c.cluster.version = "1.20")))).not.toContain("\n");
  });
});

/**
 * Parity: the environments differ only where we intend them to. Every other
 * value is identical, so a change made to one environment and forgotten in
 * another fails here.
 */
describe("environment parity", () => {
  const intended = new Set([
    "name",
    "account.id",
    "tags.environment",
    "network.cidr",
    "network.natGateways",
    "network.flowLogRetentionDays",
    "network.gatewayEndpoints",
    "network.interfaceEndpoints",
    "cluster.publicEndpoint",
    "cluster.logRetentionDays",
    "cluster.adminPrincipalArns",
    "cluster.teamAccess.backend.principalArns",
    "cluster.teamAccess.backend.role",
    "cluster.teamAccess.ai.principalArns",
    "cluster.teamAccess.ai.role",
    "cluster.nodeGroups",
    "database.instanceClass",
    "database.allocatedStorageGiB",
    "database.maxAllocatedStorageGiB",
    "database.multiAz",
    "database.backupRetentionDays",
    "database.deletionProtection",
    "database.readReplicas",
    "database.monitoringIntervalSeconds",
    "database.performanceInsightsRetentionDays",
    "database.slowQueryMs",
    "cache.nodeType",
    "cache.replicas",
    "cache.snapshotRetentionDays",
    "services.domain",
    "services.maxReplicasCap",
    "edge.cors.allowedOrigins",
    "platform.dns.hostedZoneId",
    "platform.prometheus.retentionDays",
    "platform.prometheus.storageGiB",
    "platform.karpenter.amiAlias",
    "platform.karpenter.capacityTypes",
    "platform.karpenter.limits.cpu",
    "platform.karpenter.limits.memoryGiB",
    "platform.opensearch.instanceType",
    "platform.opensearch.instanceCount",
    "platform.opensearch.volumeSizeGiB",
    "platform.opensearch.dedicatedMaster",
    "platform.opensearch.masterRoleArn",
    "platform.opensearch.logRetentionDays",
    "platform.logIndexRetentionDays",
    "platform.traceRetentionDays",
    "vault.snapshotRetentionDays",
    "vault.storageSizeGiB",
    "recovery.rtoSeconds.database",
    "recovery.rtoSeconds.cache",
    "recovery.rpoSeconds",
    "recovery.backupRpoSeconds",
    "delivery.githubEnvironment",
    "cost.clusterUsdPerMonth",
    "cost.aiUsdPerDay",
  ]);

  /** Leaf paths whose values differ between a and b (arrays compared whole). */
  function differences(a: unknown, b: unknown, path = ""): string[] {
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      return [...keys].flatMap((k) => differences((a as any)[k], (b as any)[k], path ? `${path}.${k}` : k));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
  }

  /** Every pair of environments, so a new environment is compared with all the others. */
  const pairs = environments.flatMap((a, i) => environments.slice(i + 1).map((b) => [a.name, b.name, a, b] as const));

  it("compares every pair of environments", () => {
    expect(pairs).toHaveLength((environments.length * (environments.length - 1)) / 2);
  });

  it.each(pairs)("%s and %s differ only in intended fields", (_a, _b, a, b) => {
    expect(differences(a, b).filter((path) => !intended.has(path))).toEqual([]);
  });

  it("the intended differences are real (each listed field differs somewhere)", () => {
    const differing = new Set(pairs.flatMap(([, , a, b]) => differences(a, b)));
    expect([...intended].filter((path) => !differing.has(path))).toEqual([]);
  });

  it("states the key differences: NAT per AZ outside dev, Multi-AZ and deletion protection outside dev", () => {
    expect([dev, staging, prod].map((e) => e.network.natGateways)).toEqual(["single", "per-az", "per-az"]);
    expect([dev, staging, prod].map((e) => e.database.multiAz)).toEqual([false, true, true]);
    expect([dev, staging, prod].map((e) => e.database.deletionProtection)).toEqual([false, true, true]);
    expect([dev, staging, prod].map((e) => e.cluster.publicEndpoint)).toEqual([true, true, false]);
    expect(environments.every((e) => e.network.azCount === 3)).toBe(true);
  });

  it("keeps prod backups for at least 14 days", () => {
    expect(prod.database.backupRetentionDays).toBeGreaterThanOrEqual(14);
  });
});
