/**
 * The catalog of the system's services: what Groundwork deploys, scales,
 * observes and secures. Registry repositories, Helm releases, alerts, load
 * scenarios and network policies are all generated from this list.
 */
import { z } from "zod";
import { ConfigError, parseConfig, requestsPerSecondPerPod, verticalAutoscalingMode } from "./schema";

const serviceName = z.string().regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, "a DNS label such as api-gateway");

export const serviceSchema = z
  .object({
    name: serviceName,
    description: z.string().min(10),
    /** Owning team: alerts carry it and Alertmanager routes on it. */
    team: z.enum(["platform", "backend", "ai"]),
    /** ECR repository name; images are pushed with immutable tags. */
    repository: z.string().regex(/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/, "an ECR repository name"),
    port: z.number().int().min(1024).max(65535),
    /** Whether the service is reachable from the internet through the ingress. */
    public: z.boolean(),
    resources: z
      .object({
        cpuMillicores: z.number().int().min(50),
        memoryMiB: z.number().int().min(64),
      })
      .strict(),
    scaling: z
      .object({
        minReplicas: z.number().int().min(2),
        maxReplicas: z.number().int().min(2),
        /**
         * Vertical Pod Autoscaler mode; an environment may override it (`services.autoscaling`).
         * @default "recommend"
         */
        verticalAutoscaling: verticalAutoscalingMode.optional(),
        /**
         * Requests per second one pod is sized for: the HPA also scales on the
         * request rate, aiming at this average per pod.
         * @default null - CPU and memory only
         */
        requestsPerSecondPerPod: requestsPerSecondPerPod.optional(),
      })
      .strict(),
    slo: z
      .object({
        availability: z.number().gt(0.9).lt(1),
        latencyP95Ms: z.number().positive(),
        /** Expected steady-state load per service (1x in load tests). */
        expectedRps: z.number().positive(),
        minThroughputRps: z.number().positive(),
      })
      .strict(),
    /** Services this one calls; network policies allow exactly these edges. */
    calls: z.array(serviceName),
    /** Backing stores this service uses. */
    uses: z.array(z.enum(["postgres", "redis"])),
  })
  .strict()
  .refine((s) => s.scaling.minReplicas <= s.scaling.maxReplicas, { message: "minReplicas <= maxReplicas", path: ["scaling"] });

export type Service = z.infer<typeof serviceSchema>;

/**
 * The most replicas a service's autoscaler may run in an environment: the
 * catalog's maximum, capped by the environment's `services.maxReplicasCap`.
 * The HPA, the namespace quota, the capacity check and the docs all use this.
 */
export function maxReplicasIn(service: Pick<Service, "scaling">, maxReplicasCap: number): number {
  return Math.min(service.scaling.maxReplicas, maxReplicasCap);
}

const catalog = [
  {
    name: "api-gateway",
    team: "backend",
    description: "Public HTTP entry point: authentication, rate limiting and routing to the internal services.",
    repository: "groundwork/api-gateway",
    port: 8080,
    public: true,
    resources: { cpuMillicores: 500, memoryMiB: 512 },
    // The request rate leads CPU at the edge; 334 rps a pod carries expectedRps on minReplicas.
    scaling: { minReplicas: 3, maxReplicas: 20, requestsPerSecondPerPod: 334 },
    slo: { availability: 0.999, latencyP95Ms: 200, expectedRps: 1000, minThroughputRps: 1000 },
    calls: ["content-processing", "ai-orchestrator", "event-processor"],
    uses: ["redis"],
  },
  {
    name: "content-processing",
    team: "backend",
    description: "Parses, normalises and stores uploaded content.",
    repository: "groundwork/content-processing",
    port: 8080,
    public: false,
    resources: { cpuMillicores: 1000, memoryMiB: 1024 },
    scaling: { minReplicas: 2, maxReplicas: 15, requestsPerSecondPerPod: 500 },
    slo: { availability: 0.999, latencyP95Ms: 200, expectedRps: 1000, minThroughputRps: 1000 },
    calls: ["event-processor"],
    uses: ["postgres", "redis"],
  },
  {
    name: "ai-orchestrator",
    team: "ai",
    description: "Routes LLM calls to providers and accounts their cost per request and per tenant.",
    repository: "groundwork/ai-orchestrator",
    port: 8080,
    public: false,
    resources: { cpuMillicores: 500, memoryMiB: 1024 },
    // Waiting on LLM providers barely uses CPU: only the request rate shows the load.
    scaling: { minReplicas: 2, maxReplicas: 15, requestsPerSecondPerPod: 500 },
    slo: { availability: 0.995, latencyP95Ms: 200, expectedRps: 1000, minThroughputRps: 1000 },
    calls: ["event-processor"],
    uses: ["postgres", "redis"],
  },
  {
    name: "event-processor",
    team: "backend",
    description: "Consumes domain events from Redis streams and applies them to PostgreSQL within one second.",
    repository: "groundwork/event-processor",
    port: 8080,
    public: false,
    resources: { cpuMillicores: 500, memoryMiB: 512 },
    scaling: { minReplicas: 2, maxReplicas: 12 },
    slo: { availability: 0.999, latencyP95Ms: 200, expectedRps: 1000, minThroughputRps: 1000 },
    calls: [],
    uses: ["postgres", "redis"],
  },
] satisfies z.input<typeof serviceSchema>[];

function loadCatalog(input: unknown[]): readonly Service[] {
  const list = input.map((s, i) => parseConfig(serviceSchema, `config/services[${i}]`, s));
  const names = new Set(list.map((s) => s.name));
  if (names.size !== list.length) throw new ConfigError(`config/services: names are ${JSON.stringify(list.map((s) => s.name))}; expected unique names`);
  for (const s of list) {
    for (const callee of s.calls) {
      if (!names.has(callee)) {
        throw new ConfigError(`config/services: ${s.name}.calls names "${callee}"; expected one of ${[...names].join(", ")}`);
      }
    }
  }
  return list;
}

export const services: readonly Service[] = loadCatalog(catalog);
