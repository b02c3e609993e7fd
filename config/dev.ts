import type { EnvironmentInput } from "./schema";

/** dev: one NAT gateway, small nodes, no Multi-AZ database; leads Kubernetes upgrades. */
export const dev = {
  name: "dev",
  account: { id: "111111111111", region: "eu-west-1" },
  tags: { environment: "dev", project: "groundwork", "cost-center": "platform", owner: "platform-team" },
  adminCidrs: ["203.0.113.0/24"],
  network: {
    cidr: "10.10.0.0/16",
    azCount: 3,
    natGateways: "single",
    flowLogRetentionDays: 365,
    gatewayEndpoints: ["s3"],
    interfaceEndpoints: ["ecr.api", "ecr.dkr", "sts", "logs"],
  },
  cluster: {
    version: "1.33",
    publicEndpoint: true,
    logRetentionDays: 365,
    adminPrincipalArns: ["arn:aws:iam::111111111111:role/platform-admin"],
    nodeGroups: [
      {
        name: "general",
        instanceTypes: ["m6i.large", "m6a.large"],
        capacityType: "SPOT",
        minSize: 2,
        maxSize: 6,
        desiredSize: 2,
        diskGiB: 50,
        labels: { workload: "general" },
      },
    ],
  },
  database: {
    engineVersion: "16.4",
    instanceClass: "db.t4g.medium",
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
    multiAz: false,
    backupRetentionDays: 3,
    deletionProtection: false,
    readReplicas: 0,
    monitoringIntervalSeconds: 60,
    performanceInsightsRetentionDays: 7,
    slowQueryMs: 500,
  },
  cache: { engineVersion: "7.1", nodeType: "cache.t4g.small", replicas: 1, snapshotRetentionDays: 1 },
  services: { domain: "dev.groundwork.example.com", maxReplicasCap: 4 },
  edge: {
    rateLimits: { globalPerMinute: 1000, perClientPerMinute: 100, burst: 50 },
    cors: { allowedOrigins: ["https://app.dev.groundwork.example.com"], allowedMethods: ["GET", "POST", "PUT", "DELETE"], allowedHeaders: ["Authorization", "Content-Type"] },
    oidcIssuer: "https://auth.groundwork.example.com/",
  },
  cost: { clusterUsdPerMonth: 3000, aiUsdPerDay: 50 },
  recovery: { rtoSeconds: { database: 300, cache: 120 }, rpoSeconds: 300, backupRpoSeconds: 3600 },
} satisfies EnvironmentInput;
