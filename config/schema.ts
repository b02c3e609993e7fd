/**
 * The one typed shape every environment is written in. Environments differ
 * only in these values; stacks and modules never branch on an environment's
 * name. `loadEnvironment` validates a config and fails with one line naming
 * the environment, the field path, the value received and what is allowed.
 */
import { z } from "zod";

export const ENVIRONMENT_NAMES = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const cidr = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, "an IPv4 CIDR such as 10.0.0.0/16")
  .refine((v) => {
    const [ip, bits] = v.split("/");
    return ip.split(".").every((o) => Number(o) <= 255) && Number(bits) <= 32;
  }, "an IPv4 CIDR with octets <= 255 and a prefix <= 32");

const accountId = z.string().regex(/^\d{12}$/, "a 12-digit AWS account id");
const region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "an AWS region such as eu-west-1");
const arn = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/, "an AWS ARN");
const name = z.string().regex(/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/, "lower-case letters, digits and hyphens, 3-40 characters");

/**
 * How a service's Vertical Pod Autoscaler acts: "off" creates none; "recommend"
 * only writes recommendations to its status; "auto" applies them to memory
 * requests (evicting pods) while the HPA scales on CPU alone.
 */
export const VERTICAL_AUTOSCALING_MODES = ["off", "recommend", "auto"] as const;
export type VerticalAutoscalingMode = (typeof VERTICAL_AUTOSCALING_MODES)[number];
export const verticalAutoscalingMode = z.enum(VERTICAL_AUTOSCALING_MODES);
/**
 * Target average HTTP requests per second per pod when the HPA also scales on
 * the request rate (served by prometheus-adapter); null scales on CPU and memory only.
 */
export const requestsPerSecondPerPod = z.number().int().min(1).nullable();

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
const logRetentionDays = z
  .number()
  .int()
  .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d) && d >= 365, {
    message: `one of ${LOG_RETENTION_DAYS.filter((d) => d >= 365).join(", ")} (CloudWatch periods of at least a year)`,
  });

export const nodeGroupSchema = z
  .object({
    /** Node group name, unique within the cluster. */
    name,
    instanceTypes: z.array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an EC2 instance type such as m6i.2xlarge")).min(1),
    capacityType: z.enum(["ON_DEMAND", "SPOT"]),
    minSize: z.number().int().min(0).max(450),
    maxSize: z.number().int().min(1).max(450),
    desiredSize: z.number().int().min(0).max(450),
    diskGiB: z.number().int().min(20).max(16384),
    labels: z.record(z.string(), z.string()).default({}),
  })
  .strict()
  .refine((g) => g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize, {
    message: "minSize <= desiredSize <= maxSize",
    path: ["desiredSize"],
  });

export const environmentSchema = z
  .object({
    name: z.enum(ENVIRONMENT_NAMES),
    account: z.object({ id: accountId, region }).strict(),
    /** Tags applied to every taggable resource through the provider's default_tags. */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)),
    /** CIDRs allowed to reach administrative endpoints (EKS public API where enabled). */
    adminCidrs: z.array(cidr).min(1),
    network: z
      .object({
        cidr,
        azCount: z.number().int().min(2).max(6),
        natGateways: z.enum(["single", "per-az"]),
        flowLogRetentionDays: logRetentionDays,
        gatewayEndpoints: z.array(z.enum(["s3", "dynamodb"])),
        interfaceEndpoints: z.array(z.string().regex(/^[a-z0-9.-]+$/, "an AWS service short name such as ecr.api")),
      })
      .strict(),
    cluster: z
      .object({
        version: z.string().regex(/^1\.(2[89]|3[0-9])$/, "an EKS Kubernetes version from 1.28 to 1.39"),
        publicEndpoint: z.boolean(),
        logRetentionDays: logRetentionDays,
        /** IAM principals granted cluster-admin through EKS access entries. */
        adminPrincipalArns: z.array(arn),
        /**
         * Service teams' access: their IAM principals get Kubernetes RBAC in the
         * namespaces of the services they own (config/services.ts `team`), and no other.
         */
        teamAccess: z.record(
          z.enum(["backend", "ai"]),
          z.object({ principalArns: z.array(arn).min(1), role: z.enum(["view", "edit"]) }).strict(),
        ),
        nodeGroups: z.array(nodeGroupSchema).min(1),
      })
      .strict(),
    database: z
      .object({
        engineVersion: z.string().regex(/^16(\.\d+)?$/, "a PostgreSQL 16 version such as 16.4"),
        instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class such as db.r6g.large"),
        allocatedStorageGiB: z.number().int().min(20).max(65536),
        maxAllocatedStorageGiB: z.number().int().min(20).max(65536),
        multiAz: z.boolean(),
        backupRetentionDays: z.number().int().min(1).max(35),
        deletionProtection: z.boolean(),
        readReplicas: z.number().int().min(0).max(5),
        monitoringIntervalSeconds: z.union([z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)]),
        performanceInsightsRetentionDays: z.number().int().refine((d) => d === 7 || d === 731 || (d % 31 === 0 && d <= 713), {
          message: "7, 731, or a multiple of 31 up to 713",
        }),
        slowQueryMs: z.number().int().min(1).max(60000),
      })
      .strict()
      .refine((d) => d.maxAllocatedStorageGiB >= d.allocatedStorageGiB, {
        message: "at least allocatedStorageGiB",
        path: ["maxAllocatedStorageGiB"],
      }),
    cache: z
      .object({
        engineVersion: z.string().regex(/^7\.\d+$/, "a Redis 7 version such as 7.1"),
        nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "an ElastiCache node type such as cache.r7g.large"),
        replicas: z.number().int().min(1).max(5),
        snapshotRetentionDays: z.number().int().min(1).max(35),
      })
      .strict(),
    /** How the catalog's services run in this environment. */
    services: z
      .object({
        /** DNS zone the public services are served under (api.<domain>). */
        domain: z.string().regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/, "a DNS domain such as staging.example.com"),
        /** Upper bound on every service's HPA maximum here (dev runs small). */
        maxReplicasCap: z.number().int().min(2).max(500),
        /**
         * Per-service autoscaling overrides by catalog service name, over the
         * catalog's `scaling` (config/services.ts); a service not listed keeps
         * the catalog's settings. Names are checked against the catalog at synth.
         */
        autoscaling: z
          .record(
            z.string().regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, "a catalog service name such as api-gateway"),
            z.object({ verticalAutoscaling: verticalAutoscalingMode.optional(), requestsPerSecondPerPod: requestsPerSecondPerPod.optional() }).strict(),
          )
          .default({}),
      })
      .strict(),
    /** The public edge: WAF rate limits, CORS and token validation for the API. */
    edge: z
      .object({
        rateLimits: z
          .object({
            /** Requests per minute across all clients (WAF, global). */
            globalPerMinute: z.number().int().min(10),
            /** Requests per minute from one client IP (WAF). */
            perClientPerMinute: z.number().int().min(10),
            /** Requests a client may burst above its rate (enforced by the API gateway's token bucket; WAF has no burst). */
            burst: z.number().int().min(1),
          })
          .strict(),
        cors: z
          .object({
            allowedOrigins: z.array(z.string().regex(/^https:\/\/[a-z0-9.-]+(:\d+)?$/, "an https origin such as https://app.example.com")).min(1),
            allowedMethods: z.array(z.enum(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])).min(1),
            allowedHeaders: z.array(z.string().regex(/^[A-Za-z0-9-]+$/, "an HTTP header name")).min(1),
          })
          .strict(),
        /** OIDC issuer whose JWTs the edge accepts for the API (the ALB checks `iss`, `exp` and the signature). */
        oidcIssuer: z.string().regex(/^https:\/\/[^\s",]+$/, "an https URL"),
        /** The issuer's JSON Web Key Set, which the ALB fetches to verify token signatures. */
        jwksUri: z.string().regex(/^https:\/\/[^\s",]+$/, "an https URL such as https://auth.example.com/.well-known/jwks.json"),
      })
      .strict(),
    /** The delivery pipeline that deploys this environment (GitHub Actions through OIDC). */
    delivery: z
      .object({
        githubRepository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "owner/repository"),
        /** GitHub environment whose deploy jobs may assume the deploy role (required reviewers on production). */
        githubEnvironment: z.string().regex(/^[A-Za-z0-9_.-]+$/, "a GitHub environment name"),
      })
      .strict(),
    /** Spend the cost alerts hold this environment to. */
    cost: z
      .object({
        /** EKS compute (OpenCost), USD per month. */
        clusterUsdPerMonth: z.number().positive(),
        /** LLM provider spend of ai-orchestrator, USD per day. */
        aiUsdPerDay: z.number().positive(),
      })
      .strict(),
    /** Platform add-ons on the cluster: DNS and TLS, monitoring, autoscaling, logs and traces. */
    platform: z
      .object({
        dns: z
          .object({
            /** Route53 hosted zone of services.domain (external-dns, cert-manager DNS-01). */
            hostedZoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, "a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ"),
            acmeEmail: z.string().email(),
          })
          .strict(),
        prometheus: z.object({ retentionDays: z.number().int().min(1).max(90), storageGiB: z.number().int().min(10) }).strict(),
        karpenter: z
          .object({
            /** EC2NodeClass AMI alias; pin a dated version outside dev, so upgrades are promoted. */
            amiAlias: z.string().regex(/^al2023@(latest|v\d{8})$/, "al2023@latest or al2023@vYYYYMMDD"),
            capacityTypes: z.array(z.enum(["spot", "on-demand"])).min(1),
            /** Total CPU cores and memory (GiB) Karpenter may provision. */
            limits: z.object({ cpu: z.number().int().min(1), memoryGiB: z.number().int().min(1) }).strict(),
          })
          .strict(),
        opensearch: z
          .object({
            instanceType: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+\.search$/, "an OpenSearch instance type such as r6g.large.search"),
            instanceCount: z.number().int().min(1).max(20),
            volumeSizeGiB: z.number().int().min(10),
            dedicatedMaster: z.object({ instanceType: z.string(), count: z.union([z.literal(3), z.literal(5)]) }).strict().nullable(),
            /** IAM role that administers the domain (fine-grained access control master). */
            masterRoleArn: arn,
            logRetentionDays,
          })
          .strict(),
        /** Days log indices are kept in OpenSearch. */
        logIndexRetentionDays: z.number().int().min(1).max(365),
        /** Days traces are kept in OpenSearch. */
        traceRetentionDays: z.number().int().min(1).max(90),
      })
      .strict(),
    vault: z
      .object({
        /** Raft voters; odd, and at least 3 to survive the loss of one AZ. */
        replicas: z.number().int().min(3).refine((n) => n % 2 === 1, "an odd number"),
        snapshotSchedule: z.string().regex(/^(\S+\s+){4}\S+$/, "a five-field cron expression"),
        snapshotRetentionDays: z.number().int().min(1).max(365),
        storageSizeGiB: z.number().int().min(1),
      })
      .strict(),
    /** Recovery objectives the DR drill measures against. */
    recovery: z
      .object({
        rtoSeconds: z.object({ database: z.number().positive(), cache: z.number().positive() }).strict(),
        rpoSeconds: z.number().min(0),
        /** Oldest acceptable age of the newest backup recovery point (PITR, snapshots); alerts fire beyond it. */
        backupRpoSeconds: z.number().positive(),
      })
      .strict(),
  })
  .strict()
  .superRefine((env, ctx) => {
    if (env.network.natGateways === "per-az" && env.network.azCount < 2) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["network", "azCount"], message: "at least 2 with per-az NAT gateways" });
    }
    if (env.tags.environment !== env.name) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["tags", "environment"], message: `equal to the environment name "${env.name}"` });
    }
  });

/** The configuration of one environment, after validation. */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
/** What `config/<env>.ts` files write: the same shape before defaults are applied. */
export type EnvironmentInput = z.input<typeof environmentSchema>;

/** The per-account Terraform state store created by the `bootstrap` stack. */
export const stateStoreSchema = z
  .object({
    account: z.object({ id: accountId, region }).strict(),
    bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name"),
    kmsAlias: z.string().regex(/^alias\/[a-zA-Z0-9/_-]+$/, "a KMS alias such as alias/terraform-state"),
    noncurrentVersionDays: z.number().int().min(1).max(3650),
    tags: z.record(z.string(), z.string()),
  })
  .strict();
export type StateStoreConfig = z.infer<typeof stateStoreSchema>;

/** On-call settings shared by every environment (`config/oncall.ts`). */
export const oncallSchema = z
  .object({
    /**
     * Where the on-call site (`npm run docs:build`) is published; every alert's
     * `runbook_url` starts with it. An origin only: VitePress builds the site
     * for the root of its host (no `base`), so a path would break its assets.
     */
    docsSiteUrl: z
      .string()
      .regex(
        /^https:\/\/([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(:\d{1,5})?$/,
        "an https origin with no path or trailing slash, such as https://oncall.example.com",
      ),
  })
  .strict();
export type OncallConfig = z.infer<typeof oncallSchema>;

/** Raised when a config value is invalid; the message is one line. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? "undefined" : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Parse `input` with `schema`; on failure throw a one-line ConfigError for the first issue. */
export function parseConfig<T extends z.ZodTypeAny>(schema: T, label: string, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // For an unknown key, point at the key itself: that is the typo to fix.
  const at = issue.code === z.ZodIssueCode.unrecognized_keys ? [...issue.path, issue.keys[0]] : issue.path;
  const path = at.join(".") || "(root)";
  const received = valueAt(input, at);
  let allowed = issue.message;
  if (issue.code === z.ZodIssueCode.invalid_enum_value) allowed = `one of ${issue.options.map(String).join(", ")}`;
  else if (issue.code === z.ZodIssueCode.unrecognized_keys) allowed = "no such field (check its spelling against EnvironmentConfig)";
  else if (issue.code === z.ZodIssueCode.too_small) allowed = `at least ${issue.minimum}${issue.type === "array" ? " item(s)" : ""}`;
  else if (issue.code === z.ZodIssueCode.too_big) allowed = `at most ${issue.maximum}${issue.type === "array" ? " item(s)" : ""}`;
  else if (issue.code === z.ZodIssueCode.invalid_type) allowed = `a ${issue.expected}`;
  throw new ConfigError(`${label}: ${path} is ${describe(received)}; expected ${allowed}`);
}

export function loadEnvironment(input: EnvironmentInput | unknown): EnvironmentConfig {
  const label = typeof (input as { name?: unknown })?.name === "string" ? `config/${(input as { name: string }).name}` : "config";
  return parseConfig(environmentSchema, label, input);
}

/** Validate `config/oncall.ts`; a bad value throws one line naming the field, e.g. `config/oncall: docsSiteUrl is ...`. */
export function loadOncall(input: z.input<typeof oncallSchema> | unknown): OncallConfig {
  return parseConfig(oncallSchema, "config/oncall", input);
}
