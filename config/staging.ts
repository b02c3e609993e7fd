import type { EnvironmentInput } from "./schema";

/** staging: production's shape at smaller sizes, so failover and DR drills behave as in prod. */
export const staging = {
  name: "staging",
  account: { id: "222222222222", region: "eu-west-1" },
  tags: { environment: "staging", project: "groundwork", "cost-center": "platform", owner: "platform-team" },
  adminCidrs: ["203.0.113.0/24"],
  network: {
    cidr: "10.20.0.0/16",
    azCount: 3,
    natGateways: "per-az",
    flowLogRetentionDays: 365,
    gatewayEndpoints: ["s3"],
    interfaceEndpoints: ["ecr.api", "ecr.dkr", "sts", "logs"],
  },
  cluster: {
    version: "1.33",
    publicEndpoint: true,
    logRetentionDays: 365,
    adminPrincipalArns: ["arn:aws:iam::222222222222:role/platform-admin"],
    nodeGroups: [
      {
        name: "general",
        instanceTypes: ["m6i.xlarge"],
        capacityType: "ON_DEMAND",
        minSize: 3,
        maxSize: 9,
        desiredSize: 3,
        diskGiB: 100,
        labels: { workload: "general" },
      },
    ],
  },
  database: {
    engineVersion: "16.4",
    instanceClass: "db.r6g.large",
    allocatedStorageGiB: 100,
    maxAllocatedStorageGiB: 500,
    multiAz: true,
    backupRetentionDays: 7,
    deletionProtection: true,
    readReplicas: 0,
    monitoringIntervalSeconds: 15,
    performanceInsightsRetentionDays: 7,
    slowQueryMs: 200,
  },
  cache: { engineVersion: "7.1", nodeType: "cache.r7g.large", replicas: 1, snapshotRetentionDays: 3 },
  services: { domain: "staging.groundwork.example.com", maxReplicasCap: 10 },
  edge: {
    rateLimits: { globalPerMinute: 1000, perClientPerMinute: 100, burst: 50 },
    cors: { allowedOrigins: ["https://app.staging.groundwork.example.com"], allowedMethods: ["GET", "POST", "PUT", "DELETE"], allowedHeaders: ["Authorization", "Content-Type"] },
    oidcIssuer: "https://auth.groundwork.example.com/",
  },
  cost: { clusterUsdPerMonth: 6000, aiUsdPerDay: 200 },
  recovery: { rtoSeconds: { database: 180, cache: 60 }, rpoSeconds: 60, backupRpoSeconds: 900 },
} satisfies EnvironmentInput;
