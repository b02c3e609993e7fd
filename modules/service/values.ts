/**
 * Values for the in-repo Helm chart `charts/microservice`, derived from the
 * service catalog (config/services.ts) and the environment. The HelmRelease
 * construct passes `microserviceValues(...)` to the chart as-is; the chart's
 * values.schema.json checks the same shape again at install time.
 */
import { Token } from "cdktf";
import type { EnvironmentConfig, EnvironmentName, VerticalAutoscalingMode } from "../../config/schema";
import { maxReplicasIn, type Service } from "../../config/services";
import { subnetLayout } from "../network/cidr";
import { VAULT_CA_ISSUER } from "../vault/constants";
import { PRIORITY_CLASSES } from "./priority-classes";

/** Path of the chart, relative to the repository root. */
export const MICROSERVICE_CHART_PATH = "charts/microservice";

/** VPA update modes the chart accepts. "Off" only recommends. */
export type VpaUpdateMode = "Off" | "Initial" | "Recreate" | "InPlaceOrRecreate";

/**
 * What each config mode (config/schema.ts) means for the chart: null renders
 * no VerticalPodAutoscaler; "auto" evicts and recreates pods with the
 * recommended requests (upstream's deprecated "Auto" is "Recreate").
 */
export const VPA_UPDATE_MODES: Readonly<Record<VerticalAutoscalingMode, VpaUpdateMode | null>> = { off: null, recommend: "Off", auto: "Recreate" };

/** Whether a VPA in this mode changes pods' requests (and so needs the VPA updater and admission controller). */
export function vpaAppliesRequests(mode: VpaUpdateMode | null): boolean {
  return mode !== null && mode !== "Off";
}

/** Kubernetes CPU and memory quantities. */
export interface ResourceQuantities {
  readonly cpu: string;
  readonly memory: string;
}

/** Egress to an address outside the cluster (for example a third-party API). */
export interface ExternalEgress {
  readonly cidr: string;
  readonly port: number;
}

/**
 * The chart's values: exactly the keys of charts/microservice/values.yaml
 * (documented there). tests/charts checks the two stay identical.
 */
export interface MicroserviceValues {
  readonly name: string;
  readonly namespace: string;
  readonly environment: EnvironmentName;
  readonly port: number;
  readonly image: { readonly registry: string; readonly repository: string; readonly tag: string; readonly pullPolicy: "Always" | "IfNotPresent" | "Never" };
  readonly resources: { readonly requests: ResourceQuantities; readonly limits: ResourceQuantities };
  readonly env: Readonly<Record<string, string>>;
  readonly probes: { readonly readinessPath: string; readonly livenessPath: string; readonly startupTimeoutSeconds: number };
  readonly priorityClassName: (typeof PRIORITY_CLASSES)[keyof typeof PRIORITY_CLASSES];
  readonly terminationGracePeriodSeconds: number;
  readonly securityContext: { readonly runAsUser: number; readonly runAsGroup: number };
  readonly serviceAccount: { readonly annotations: Readonly<Record<string, string>>; readonly automountToken: boolean };
  readonly rollout: {
    readonly autoPromotionEnabled: boolean;
    readonly scaleDownDelaySeconds: number;
    readonly abortScaleDownDelaySeconds: number;
    readonly progressDeadlineSeconds: number;
    readonly revisionHistoryLimit: number;
  };
  readonly analysis: {
    readonly prometheusAddress: string;
    readonly minSuccessRate: number;
    readonly maxLatencyP95Ms: number;
    readonly statusCodeLabel: string;
    readonly window: string;
    readonly interval: string;
    readonly count: number;
    readonly initialDelay: string;
    readonly failureLimit: number;
  };
  readonly autoscaling: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetCPUUtilizationPercentage: number;
    readonly targetMemoryUtilizationPercentage: number;
    readonly requestsPerSecond: { readonly metricName: string; readonly targetAveragePerPod: number };
  };
  readonly verticalAutoscaling: { readonly enabled: boolean; readonly updateMode: VpaUpdateMode; readonly controlledResources: readonly ("cpu" | "memory")[] };
  readonly podDisruptionBudget: { readonly maxUnavailable: number };
  readonly ingress: {
    readonly enabled: boolean;
    readonly className: string;
    readonly host: string;
    readonly groupName: string;
    readonly sslPolicy: string;
    readonly wafAclArn: string;
    readonly certificateArn: string;
    readonly responseHeaders: EdgeResponseHeaders;
    /** The ALB rejects a request without a valid bearer JWT from this issuer before it reaches the service. */
    readonly jwtValidation: { readonly issuer: string; readonly jwksEndpoint: string };
  };
  readonly metrics: { readonly serviceMonitor: boolean; readonly path: string; readonly interval: string };
  readonly networkPolicy: {
    readonly callers: readonly { readonly name: string; readonly namespace: string }[];
    readonly callees: readonly { readonly name: string; readonly namespace: string; readonly port: number }[];
    readonly loadBalancerCidrs: readonly string[];
    readonly prometheusNamespace: string;
    readonly dnsNamespace: string;
    readonly postgres: boolean;
    readonly redis: boolean;
    readonly databaseCidrs: readonly string[];
    readonly externalEgress: readonly ExternalEgress[];
  };
  readonly vault: {
    readonly enabled: boolean;
    readonly role: string;
    readonly authPath: string;
    readonly secrets: readonly { readonly name: string; readonly path: string }[];
    readonly namespace: string;
    readonly caSecretName: string;
    readonly caIssuer: string;
  };
}

/** Security headers the public ALB adds to every HTTPS response (listener attributes). */
export interface EdgeResponseHeaders {
  readonly strictTransportSecurity: string;
  readonly contentTypeOptions: string;
  readonly frameOptions: string;
  readonly contentSecurityPolicy: string;
}

/** What the API's edge (the public services themselves) enforces: tokens, per-client rate and CORS. */
export interface EdgePolicy {
  /** OIDC issuer whose JWTs are accepted. */
  readonly oidcIssuer: string;
  /** The issuer's JSON Web Key Set: the ALB verifies token signatures with it. */
  readonly jwksUri: string;
  /** Requests per minute from one client (token bucket refill). */
  readonly rateLimitPerClientPerMinute: number;
  /** Requests a client may burst above its rate (token bucket size). */
  readonly rateLimitBurst: number;
  readonly cors: { readonly allowedOrigins: readonly string[]; readonly allowedMethods: readonly string[]; readonly allowedHeaders: readonly string[] };
}

/** How every service runs in one environment: what the catalog does not say. */
export interface ServiceDeployment {
  readonly environment: EnvironmentName;
  /** ECR registry host: `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly imageRegistry: string;
  /** Immutable image tag deployed (a git SHA or release version); never `latest`. */
  readonly imageTag: string;
  /** DNS zone of the public services: `api.<domain>` for the API gateway, `<service>.<domain>` otherwise. */
  readonly domain: string;
  /** Upper bound on every service's HPA maximum. */
  readonly maxReplicasCap: number;
  /** In-cluster Prometheus: URL for the AnalysisTemplate, namespace for the scrape NetworkPolicy. */
  readonly prometheus: { readonly address: string; readonly namespace: string };
  /** CIDRs of the VPC's database subnets (PostgreSQL 5432, Redis 6379). */
  readonly databaseCidrs: readonly string[];
  /**
   * CIDRs of the VPC's public subnets, where the internet-facing ALB's nodes
   * live: with target type `ip` they connect to the pods of public services.
   */
  readonly publicSubnetCidrs: readonly string[];
  /** Token validation, per-client rate limit and CORS that public services enforce (passed as env). */
  readonly edge: EdgePolicy;
  /**
   * ARN of the regional WAFv2 web ACL attached to the public ALB. May be a
   * Terraform token. Empty: no public service can be deployed
   * (`microserviceValues` refuses one).
   */
  readonly wafAclArn: string;
  /**
   * ACM certificate the ALB serves. May be a Terraform token.
   * @default - discovered by the Ingress host from the ACM certificates of the account and region
   */
  readonly certificateArn?: string;
  /**
   * Vault Agent injection. A service that uses PostgreSQL logs in with role
   * `<service>` and reads `<databaseMount>/creds/<service>` (dynamic
   * credentials). `caSecretName` names a Secret with Vault's CA (`ca.crt`) in
   * each service namespace; empty trusts the system CAs. `caIssuer` is the
   * cert-manager ClusterIssuer signed by Vault's CA (`Vault.caIssuer`): the
   * chart requests a Certificate from it into `caSecretName`, whose `ca.crt`
   * is then Vault's CA; empty expects the Secret to exist already.
   */
  readonly vault: { readonly namespace: string; readonly authPath: string; readonly databaseMount: string; readonly caSecretName: string; readonly caIssuer: string };
  /**
   * Ingress of public services: the AWS Load Balancer Controller's IngressClass,
   * the IngressGroup all public services share (one ALB), and the ALB's TLS policy.
   */
  readonly ingress: { readonly className: string; readonly groupName: string; readonly sslPolicy: string };
  /**
   * Namespace each service is released in. NetworkPolicies select peers there,
   * and Vault's Kubernetes auth role binds the service account there.
   * @default - one namespace per service, named after it (as `VaultConfiguration`'s default identity)
   */
  readonly serviceNamespace?: (service: string) => string;
  /**
   * Pods metric (from prometheus-adapter) the HPA also scales on, for the
   * services with a requests-per-second target (see `requestsPerSecondTargets`).
   * @default - no requests-per-second metric (CPU and memory only)
   */
  readonly requestsPerSecondMetric?: string;
  /**
   * Per-service requests-per-second target per pod by service name, over the
   * catalog's `scaling.requestsPerSecondPerPod`; null turns the metric off.
   * @default - the catalog's targets
   */
  readonly requestsPerSecondTargets?: Readonly<Record<string, number | null>>;
  /**
   * Per-service VPA mode by service name, over the catalog's
   * `scaling.verticalAutoscaling` (mapped by `VPA_UPDATE_MODES`). A mode other
   * than "Off" lets the VPA set memory requests, and the HPA then scales on
   * CPU only; null renders no VPA.
   * @default - the catalog's modes ("recommend": "Off", recommendations only)
   */
  readonly verticalAutoscaling?: Readonly<Record<string, VpaUpdateMode | null>>;
  /**
   * Per-service egress outside the cluster by service name (for example an
   * LLM provider's API).
   * @default - none
   */
  readonly externalEgress?: Readonly<Record<string, readonly ExternalEgress[]>>;
}

/** Names of the platform releases the chart talks to; the platform stack must match them. */
export const PLATFORM_DEFAULTS = {
  prometheus: { address: "http://kube-prometheus-stack-prometheus.monitoring.svc:9090", namespace: "monitoring" },
  vault: { namespace: "vault", authPath: "auth/kubernetes", databaseMount: "database", caSecretName: "vault-ca", caIssuer: VAULT_CA_ISSUER },
  // TLS 1.3 and 1.2 only, forward-secret ciphers (ELB security policies of the ALB).
  ingress: { className: "alb", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" },
} as const;

/**
 * Response headers of the public ALB. The API answers JSON only: nothing may
 * frame it, load resources from it as a document, or sniff its types. CORS is
 * not here: see `edgeEnv` (the ALB cannot carry multi-valued CORS headers).
 */
export const EDGE_RESPONSE_HEADERS: EdgeResponseHeaders = {
  strictTransportSecurity: "max-age=63072000; includeSubDomains; preload",
  contentTypeOptions: "nosniff",
  frameOptions: "DENY",
  contentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REGISTRY = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/;
const DOMAIN = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;
const WAF_ACL_ARN = /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/[A-Za-z0-9_-]+\/[a-f0-9-]+$/;
const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[a-f0-9-]+$/;

/** Refuses a mutable or malformed image tag with a one-line message. */
function checkImageTag(tag: string): void {
  // A Terraform variable is checked by its own validation at plan time.
  if (Token.isUnresolved(tag)) return;
  if (tag === "" || tag.toLowerCase() === "latest") {
    throw new Error(`imageTag is ${JSON.stringify(tag)}; expected an immutable tag such as a git SHA or release version, never "latest" or empty`);
  }
  if (!IMAGE_TAG.test(tag)) throw new Error(`imageTag is ${JSON.stringify(tag)}; expected a Docker tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`);
}

/**
 * Checks an ARN that may be a Terraform token (a reference to a resource of
 * the same stack): a token resolves at apply time and is not checked here.
 */
function checkArn(field: string, value: string, pattern: RegExp, expected: string): void {
  if (Token.isUnresolved(value)) return;
  if (!pattern.test(value)) throw new Error(`${field} is ${JSON.stringify(value)}; expected ${expected}`);
}

/**
 * Plain environment variables of a public service, which is the API's edge.
 * The ALB verifies the bearer JWT (templates/ingress.yaml); the service still
 * gets the issuer to read claims and authorise. The ALB does not limit one
 * client's burst (WAF counts per minute with no burst), and it cannot send the CORS headers (one
 * static origin at most, and the controller's listener-attributes annotation
 * cannot carry the comma of a list; see templates/ingress.yaml). Lists are
 * comma-separated. No secrets: the issuer's signing keys are public (JWKS).
 */
export function edgeEnv(edge: EdgePolicy): Record<string, string> {
  return {
    OIDC_ISSUER: edge.oidcIssuer,
    RATE_LIMIT_PER_CLIENT_PER_MINUTE: String(edge.rateLimitPerClientPerMinute),
    RATE_LIMIT_BURST: String(edge.rateLimitBurst),
    CORS_ALLOWED_ORIGINS: edge.cors.allowedOrigins.join(","),
    CORS_ALLOWED_METHODS: edge.cors.allowedMethods.join(","),
    CORS_ALLOWED_HEADERS: edge.cors.allowedHeaders.join(","),
  };
}

/** The per-service autoscaling overrides of a deployment (or of an environment's config, see `autoscalingOverrides`). */
export type AutoscalingOverrides = Pick<ServiceDeployment, "verticalAutoscaling" | "requestsPerSecondTargets">;

/** The VPA update mode of a service, null for no VPA: the override by name, else the catalog's mode. */
export function vpaUpdateModeOf(service: Pick<Service, "name" | "scaling">, overrides: AutoscalingOverrides): VpaUpdateMode | null {
  const byName = overrides.verticalAutoscaling ?? {};
  return Object.hasOwn(byName, service.name) ? byName[service.name] : VPA_UPDATE_MODES[service.scaling.verticalAutoscaling ?? "recommend"];
}

/** The requests-per-second target per pod of a service, null for none: the override by name, else the catalog's. */
export function requestsPerSecondTargetOf(service: Pick<Service, "name" | "scaling">, overrides: AutoscalingOverrides): number | null {
  const byName = overrides.requestsPerSecondTargets ?? {};
  const target = Object.hasOwn(byName, service.name) ? byName[service.name] : (service.scaling.requestsPerSecondPerPod ?? null);
  if (target !== null && (!Number.isInteger(target) || target < 1)) {
    throw new Error(`requestsPerSecondTargets.${service.name} is ${target}; expected a positive integer or null`);
  }
  return target;
}

/** An environment's `services.autoscaling` overrides in the deployment's terms (VPA modes mapped by `VPA_UPDATE_MODES`). */
export function autoscalingOverrides(env: Pick<EnvironmentConfig, "services">): Required<AutoscalingOverrides> {
  const entries = Object.entries(env.services.autoscaling ?? {});
  return {
    verticalAutoscaling: Object.fromEntries(entries.filter(([, o]) => o.verticalAutoscaling !== undefined).map(([name, o]) => [name, VPA_UPDATE_MODES[o.verticalAutoscaling!]])),
    requestsPerSecondTargets: Object.fromEntries(entries.filter(([, o]) => o.requestsPerSecondPerPod !== undefined).map(([name, o]) => [name, o.requestsPerSecondPerPod!])),
  };
}

function checkServiceNames(what: string, names: Iterable<string>, catalog: readonly Service[]): void {
  const known = new Set(catalog.map((s) => s.name));
  for (const name of names) {
    if (!known.has(name)) throw new Error(`${what} names service "${name}"; expected one of ${[...known].join(", ")}`);
  }
}

/**
 * The chart values for one service in one environment.
 *
 * HPA: max = min(catalog max, environment cap), min = min(catalog min, max).
 * NetworkPolicy: callers are the catalog services whose `calls` name this
 * one; callees are its own `calls`; a public service also admits the ALB
 * (from the public subnets). Database credentials come from Vault.
 * A public service gets an ALB Ingress with the WAF web ACL and the edge
 * environment (`edgeEnv`).
 *
 * @throws Error with a one-line message for a bad image tag, registry,
 *   domain or cap, for a service or name missing from the catalog, or for a
 *   public service without a WAF web ACL or public subnet CIDRs.
 */
export function microserviceValues(service: Service, deployment: ServiceDeployment, catalog: readonly Service[]): MicroserviceValues {
  checkImageTag(deployment.imageTag);
  if (!REGISTRY.test(deployment.imageRegistry)) {
    throw new Error(`imageRegistry is ${JSON.stringify(deployment.imageRegistry)}; expected <account>.dkr.ecr.<region>.amazonaws.com`);
  }
  if (!DOMAIN.test(deployment.domain)) throw new Error(`domain is ${JSON.stringify(deployment.domain)}; expected a DNS domain such as staging.example.com`);
  if (!Number.isInteger(deployment.maxReplicasCap) || deployment.maxReplicasCap < 2) {
    throw new Error(`maxReplicasCap is ${deployment.maxReplicasCap}; expected an integer of at least 2 (a PodDisruptionBudget needs two replicas)`);
  }
  checkServiceNames("microserviceValues: service", [service.name], catalog);
  checkServiceNames(`${service.name}.calls`, service.calls, catalog);
  checkServiceNames("verticalAutoscaling", Object.keys(deployment.verticalAutoscaling ?? {}), catalog);
  checkServiceNames("requestsPerSecondTargets", Object.keys(deployment.requestsPerSecondTargets ?? {}), catalog);
  checkServiceNames("externalEgress", Object.keys(deployment.externalEgress ?? {}), catalog);
  if (service.public) {
    if (deployment.wafAclArn === "") {
      throw new Error(`wafAclArn is empty; expected the WAF web ACL ARN (${service.name} is public and is served only behind WAF)`);
    }
    checkArn("wafAclArn", deployment.wafAclArn, WAF_ACL_ARN, "a regional WAFv2 web ACL ARN (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>)");
    if (deployment.certificateArn !== undefined) {
      checkArn("certificateArn", deployment.certificateArn, ACM_CERTIFICATE_ARN, "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)");
    }
    if (deployment.publicSubnetCidrs.length === 0) {
      throw new Error(`publicSubnetCidrs is empty; expected the VPC public subnet CIDRs (${service.name} is public: the ALB connects from them)`);
    }
  }
  const usesPostgres = service.uses.includes("postgres");
  const usesRedis = service.uses.includes("redis");
  if ((usesPostgres || usesRedis) && deployment.databaseCidrs.length === 0) {
    throw new Error(`databaseCidrs is empty; expected the VPC database subnet CIDRs (${service.name} uses ${service.uses.join(", ")})`);
  }

  const maxReplicas = maxReplicasIn(service, deployment.maxReplicasCap);
  const minReplicas = Math.min(service.scaling.minReplicas, maxReplicas);
  const vpaMode = vpaUpdateModeOf(service, deployment);
  // The HPA must not scale on a resource the VPA is changing.
  const vpaSetsMemory = vpaAppliesRequests(vpaMode);
  const rpsTarget = requestsPerSecondTargetOf(service, deployment);
  const namespaceOf = deployment.serviceNamespace ?? ((name: string) => name);
  const cpu = `${service.resources.cpuMillicores}m`;
  const memory = `${service.resources.memoryMiB}Mi`;

  return {
    name: service.name,
    namespace: namespaceOf(service.name),
    environment: deployment.environment,
    port: service.port,
    image: { registry: deployment.imageRegistry, repository: service.repository, tag: deployment.imageTag, pullPolicy: "IfNotPresent" },
    // Requests = limits: Guaranteed QoS, so the catalog's numbers are what the pod gets.
    resources: { requests: { cpu, memory }, limits: { cpu, memory } },
    env: service.public ? edgeEnv(deployment.edge) : {},
    probes: { readinessPath: "/ready", livenessPath: "/healthz", startupTimeoutSeconds: 120 },
    priorityClassName: PRIORITY_CLASSES.services,
    terminationGracePeriodSeconds: 30,
    securityContext: { runAsUser: 65532, runAsGroup: 65532 },
    serviceAccount: { annotations: {}, automountToken: false },
    rollout: {
      autoPromotionEnabled: false,
      scaleDownDelaySeconds: 300,
      abortScaleDownDelaySeconds: 30,
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 5,
    },
    analysis: {
      prometheusAddress: deployment.prometheus.address,
      minSuccessRate: service.slo.availability,
      maxLatencyP95Ms: service.slo.latencyP95Ms,
      statusCodeLabel: "code",
      window: "5m",
      interval: "1m",
      count: 5,
      initialDelay: "1m",
      failureLimit: 1,
    },
    autoscaling: {
      minReplicas,
      maxReplicas,
      targetCPUUtilizationPercentage: 70,
      targetMemoryUtilizationPercentage: vpaSetsMemory ? 0 : 80,
      requestsPerSecond: {
        metricName: rpsTarget === null ? "" : (deployment.requestsPerSecondMetric ?? ""),
        // Unused without a metric; the chart's schema still wants a positive integer.
        targetAveragePerPod: rpsTarget ?? Math.ceil(service.slo.expectedRps / service.scaling.minReplicas),
      },
    },
    verticalAutoscaling: { enabled: vpaMode !== null, updateMode: vpaMode ?? "Off", controlledResources: vpaSetsMemory ? ["memory"] : ["cpu", "memory"] },
    podDisruptionBudget: { maxUnavailable: 1 },
    ingress: {
      enabled: service.public,
      className: deployment.ingress.className,
      host: service.name === "api-gateway" ? `api.${deployment.domain}` : `${service.name}.${deployment.domain}`,
      groupName: deployment.ingress.groupName,
      sslPolicy: deployment.ingress.sslPolicy,
      wafAclArn: deployment.wafAclArn,
      certificateArn: deployment.certificateArn ?? "",
      responseHeaders: { ...EDGE_RESPONSE_HEADERS },
      jwtValidation: { issuer: deployment.edge.oidcIssuer, jwksEndpoint: deployment.edge.jwksUri },
    },
    metrics: { serviceMonitor: true, path: "/metrics", interval: "30s" },
    networkPolicy: {
      callers: catalog.filter((s) => s.calls.includes(service.name)).map((s) => ({ name: s.name, namespace: namespaceOf(s.name) })),
      callees: service.calls.map((name) => ({ name, namespace: namespaceOf(name), port: catalog.find((s) => s.name === name)!.port })),
      loadBalancerCidrs: service.public ? [...deployment.publicSubnetCidrs] : [],
      prometheusNamespace: deployment.prometheus.namespace,
      dnsNamespace: "kube-system",
      postgres: usesPostgres,
      redis: usesRedis,
      databaseCidrs: usesPostgres || usesRedis ? [...deployment.databaseCidrs] : [],
      externalEgress: [...(deployment.externalEgress?.[service.name] ?? [])],
    },
    vault: {
      enabled: usesPostgres,
      role: service.name,
      authPath: deployment.vault.authPath,
      secrets: usesPostgres ? [{ name: "db", path: `${deployment.vault.databaseMount}/creds/${service.name}` }] : [],
      namespace: deployment.vault.namespace,
      caSecretName: deployment.vault.caSecretName,
      caIssuer: deployment.vault.caIssuer,
    },
  };
}

/**
 * The VPC's database subnet CIDRs, from `subnetLayout` (modules/network/cidr),
 * the layout `Network` creates; tests/charts checks the two agree.
 */
export function databaseSubnetCidrs(env: EnvironmentConfig): string[] {
  return subnetLayout(env.network.cidr, env.network.azCount).database;
}

/**
 * The VPC's public subnet CIDRs (the internet-facing ALB's nodes), from
 * `subnetLayout`; tests/charts checks they match what `Network` creates.
 */
export function publicSubnetCidrs(env: EnvironmentConfig): string[] {
  return subnetLayout(env.network.cidr, env.network.azCount).public;
}

/**
 * The deployment settings of an environment: registry, domain, replica cap,
 * subnet CIDRs and edge policy from its config, platform names from
 * `PLATFORM_DEFAULTS`, and the IngressGroup `<env>-public`.
 *
 * @param overrides the WAF web ACL (`wafAclArn`, required for public services)
 *   and optionally the ACM `certificateArn`, both may be Terraform tokens;
 *   per-environment opt-ins (RPS metric, external egress) or other platform names; the
 *   environment's `services.autoscaling` overrides (VPA modes, RPS targets) are applied first
 * @throws Error when `imageTag` is empty, `latest` or not a valid tag
 */
export function deploymentFor(env: EnvironmentConfig, imageTag: string, overrides: Partial<Omit<ServiceDeployment, "environment" | "imageTag">> = {}): ServiceDeployment {
  checkImageTag(imageTag);
  const { rateLimits, cors, oidcIssuer, jwksUri } = env.edge;
  return {
    environment: env.name,
    imageRegistry: `${env.account.id}.dkr.ecr.${env.account.region}.amazonaws.com`,
    imageTag,
    domain: env.services.domain,
    maxReplicasCap: env.services.maxReplicasCap,
    databaseCidrs: databaseSubnetCidrs(env),
    publicSubnetCidrs: publicSubnetCidrs(env),
    edge: { oidcIssuer, jwksUri, rateLimitPerClientPerMinute: rateLimits.perClientPerMinute, rateLimitBurst: rateLimits.burst, cors },
    wafAclArn: "",
    ...PLATFORM_DEFAULTS,
    ingress: { ...PLATFORM_DEFAULTS.ingress, groupName: `${env.name}-public` },
    ...autoscalingOverrides(env),
    ...overrides,
  };
}
