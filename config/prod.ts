import type { EnvironmentInput } from "./schema";

/**
 * prod: private-only EKS API, three 8 vCPU / 32 GiB nodes across three AZs at
 * minimum (the capacity plan's floor), Multi-AZ database with a read replica.
 */
export const prod = {
  name: "prod",
  account: { id: "333333333333", region: "eu-west-1" },
  tags: { environment: "prod", project: "groundwork", "cost-center": "platform", owner: "platform-team" },
  adminCidrs: ["203.0.113.0/24"],
  network: {
    cidr: "10.30.0.0/16",
    azCount: 3,
    natGateways: "per-az",
    flowLogRetentionDays: 731,
    gatewayEndpoints: ["s3", "dynamodb"],
    interfaceEndpoints: ["ecr.api", "ecr.dkr", "sts", "logs", "kms", "secretsmanager", "elasticloadbalancing", "autoscaling", "ec2"],
  },
  cluster: {
    version: "1.33",
    publicEndpoint: false,
    logRetentionDays: 731,
    adminPrincipalArns: ["arn:aws:iam::333333333333:role/platform-admin"],
    teamAccess: {
      backend: { principalArns: ["arn:aws:iam::333333333333:role/backend-engineers"], role: "view" },
      ai: { principalArns: ["arn:aws:iam::333333333333:role/ai-engineers"], role: "view" },
    },
    nodeGroups: [
      {
        name: "general",
        instanceTypes: ["m6i.2xlarge"],
        capacityType: "ON_DEMAND",
        minSize: 3,
        maxSize: 15,
        desiredSize: 3,
        diskGiB: 100,
        labels: { workload: "general" },
      },
    ],
  },
  database: {
    engineVersion: "16.4",
    instanceClass: "db.r6g.xlarge",
    allocatedStorageGiB: 200,
    maxAllocatedStorageGiB: 1000,
    multiAz: true,
    backupRetentionDays: 14,
    deletionProtection: true,
    readReplicas: 1,
    monitoringIntervalSeconds: 15,
    performanceInsightsRetentionDays: 731,
    slowQueryMs: 200,
  },
  cache: { engineVersion: "7.1", nodeType: "cache.r7g.large", replicas: 2, snapshotRetentionDays: 7 },
  services: { domain: "groundwork.example.com", maxReplicasCap: 50 },
  edge: {
    rateLimits: { globalPerMinute: 1000, perClientPerMinute: 100, burst: 50 },
    cors: { allowedOrigins: ["https://app.groundwork.example.com"], allowedMethods: ["GET", "POST", "PUT", "DELETE"], allowedHeaders: ["Authorization", "Content-Type"] },
    oidcIssuer: "https://auth.groundwork.example.com/",
    jwksUri: "https://auth.groundwork.example.com/.well-known/jwks.json",
  },
  delivery: { githubRepository: "groundwork-org/groundwork", githubEnvironment: "production" },
  cost: { clusterUsdPerMonth: 25000, aiUsdPerDay: 2000 },
  platform: {
    dns: { hostedZoneId: "Z0PRODGROUNDWORK0001", acmeEmail: "platform-team@groundwork.example.com" },
    prometheus: { retentionDays: 30, storageGiB: 300 },
    karpenter: { amiAlias: "al2023@v20260901", capacityTypes: ["on-demand"], limits: { cpu: 256, memoryGiB: 1024 } },
    opensearch: {
      instanceType: "r6g.xlarge.search",
      instanceCount: 3,
      volumeSizeGiB: 500,
      dedicatedMaster: { instanceType: "m6g.large.search", count: 3 },
      masterRoleArn: "arn:aws:iam::333333333333:role/platform-admin",
      logRetentionDays: 731,
    },
    logIndexRetentionDays: 30,
    traceRetentionDays: 14,
  },
  vault: { replicas: 3, snapshotSchedule: "0 * * * *", snapshotRetentionDays: 30, storageSizeGiB: 20 },
  recovery: { rtoSeconds: { database: 120, cache: 60 }, rpoSeconds: 5, backupRpoSeconds: 600 },
} satisfies EnvironmentInput;
