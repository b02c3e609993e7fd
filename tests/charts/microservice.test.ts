/**
 * The microservice chart rendered with real `helm template` for every service
 * in every environment, with values from `microserviceValues`. Each (service,
 * environment) is rendered and linted once, in beforeAll; the assertions share
 * the results.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { environments, type EnvironmentConfig } from "../../config";
import { services, type Service } from "../../config/services";
import { PRIORITY_CLASSES } from "../../modules/service/priority-classes";
import { deploymentFor, EDGE_RESPONSE_HEADERS, microserviceValues, publicSubnetCidrs, type MicroserviceValues } from "../../modules/service/values";
import { helmLint, render, type HelmResult, type Manifest } from "./helm";
import { validateManifest } from "./validate";

const IMAGE_TAG = "1.4.2-3f9c2ab";
/** The WAF web ACL of an environment as it resolves at apply time. */
const wafAclArn = (env: EnvironmentConfig) =>
  `arn:aws:wafv2:${env.account.region}:${env.account.id}:regional/webacl/groundwork-${env.name}-public/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;

interface Case {
  readonly env: EnvironmentConfig;
  readonly service: Service;
  readonly values: MicroserviceValues;
  manifests: Manifest[];
  lint: HelmResult;
}

const cases: Case[] = environments.flatMap((env) =>
  services.map((service) => ({
    env,
    service,
    values: microserviceValues(service, deploymentFor(env, IMAGE_TAG, { wafAclArn: wafAclArn(env) }), services),
    manifests: [] as Manifest[],
    lint: { ok: false, stdout: "", stderr: "not run" },
  })),
);
const label = (c: Case) => `${c.service.name} in ${c.env.name}`;

beforeAll(async () => {
  await Promise.all(
    cases.map(async (c) => {
      const opts = { namespace: c.values.namespace, kubeVersion: c.env.cluster.version };
      [c.manifests, c.lint] = await Promise.all([render(c.service.name, c.values, opts), helmLint(c.values, opts)]);
    }),
  );
});

/** The only manifest of a kind (and name, when given). */
function one(c: Case, kind: string, name?: string): Manifest {
  const found = c.manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) throw new Error(`${label(c)}: expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0];
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const podLabels = (c: Case): Record<string, string> => one(c, "Rollout").spec.template.metadata.labels;
const allowPolicy = (c: Case): Manifest => one(c, "NetworkPolicy", c.service.name);
const callersOf = (name: string) => services.filter((s) => s.calls.includes(name)).map((s) => s.name);

/** A NetworkPolicy peer that selects a Groundwork service's pods: its name and namespace. */
function servicePeer(peer: any): { name: string; namespace: string } | undefined {
  const labels = peer.podSelector?.matchLabels ?? {};
  if (labels["app.kubernetes.io/part-of"] !== "groundwork") return undefined;
  return { name: labels["app.kubernetes.io/name"], namespace: peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] };
}

describe.each(cases.map((c) => [label(c), c] as const))("microservice chart: %s", (_, c) => {
  it("passes helm lint --strict", () => {
    expect(c.lint.stderr + c.lint.stdout).not.toMatch(/\[(ERROR|WARNING)\]/);
    expect(c.lint.ok).toBe(true);
  });

  it("renders only objects that validate against their schemas", () => {
    expect(c.manifests.length).toBeGreaterThan(0);
    for (const m of c.manifests) expect(() => validateManifest(m)).not.toThrow();
    expect(c.manifests.filter((m) => m.kind === "Secret")).toEqual([]);
  });

  it("references only objects it renders, and selects its own pods", () => {
    const rollout = one(c, "Rollout");
    const bg = rollout.spec.strategy.blueGreen;
    one(c, "Service", bg.activeService);
    one(c, "Service", bg.previewService);
    expect(matches(rollout.spec.selector.matchLabels, podLabels(c))).toBe(true);
    for (const svc of c.manifests.filter((m) => m.kind === "Service")) expect(matches(svc.spec.selector, podLabels(c))).toBe(true);
    for (const kind of ["PodDisruptionBudget", "NetworkPolicy"]) {
      for (const m of c.manifests.filter((x) => x.kind === kind)) expect(matches(m.spec.podSelector?.matchLabels ?? m.spec.selector.matchLabels, podLabels(c))).toBe(true);
    }
    const target = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: rollout.metadata.name };
    expect(one(c, "HorizontalPodAutoscaler").spec.scaleTargetRef).toEqual(target);
    expect(one(c, "VerticalPodAutoscaler").spec.targetRef).toEqual(target);
    expect(rollout.spec.template.spec.serviceAccountName).toBe(one(c, "ServiceAccount").metadata.name);
    const monitor = one(c, "ServiceMonitor");
    const scraped = c.manifests.filter((m) => m.kind === "Service" && matches(monitor.spec.selector.matchLabels, m.metadata.labels));
    expect(scraped.map((s) => s.metadata.name)).toEqual([`${c.service.name}-metrics`]);
    expect(scraped[0].spec.clusterIP).toBe("None");
  });

  it("scales between the catalog's minimum and the catalog's maximum capped by the environment", () => {
    const hpa = one(c, "HorizontalPodAutoscaler").spec;
    const max = Math.min(c.service.scaling.maxReplicas, c.env.services.maxReplicasCap);
    expect(hpa.maxReplicas).toBe(max);
    expect(hpa.minReplicas).toBe(Math.min(c.service.scaling.minReplicas, max));
    expect(hpa.maxReplicas).toBeLessThanOrEqual(c.env.services.maxReplicasCap);
    const cpu = hpa.metrics.find((m: any) => m.type === "Resource" && m.resource.name === "cpu");
    expect(cpu.resource.target).toEqual({ type: "Utilization", averageUtilization: 70 });
    expect(hpa.metrics.some((m: any) => m.type === "Resource" && m.resource.name === "memory")).toBe(true);
    expect(one(c, "Rollout").spec.replicas).toBeUndefined(); // the HPA owns the count
  });

  it("only recommends with the VPA by default", () => {
    expect(one(c, "VerticalPodAutoscaler").spec.updatePolicy.updateMode).toBe("Off");
    // Sidecars (the Vault Agent) are left alone: the HPA's CPU utilisation sums every container's requests.
    expect(one(c, "VerticalPodAutoscaler").spec.resourcePolicy.containerPolicies).toContainEqual({ containerName: "*", mode: "Off" });
  });

  it("keeps all but one pod up through voluntary disruptions", () => {
    const pdb = one(c, "PodDisruptionBudget").spec;
    expect(pdb.maxUnavailable).toBe(1);
    expect(pdb.minAvailable).toBeUndefined();
    expect(one(c, "HorizontalPodAutoscaler").spec.minReplicas).toBeGreaterThan(pdb.maxUnavailable);
  });

  it("spreads pods over zones and hosts", () => {
    const spread = one(c, "Rollout").spec.template.spec.topologySpreadConstraints;
    const zone = spread.find((t: any) => t.topologyKey === "topology.kubernetes.io/zone");
    expect(zone).toMatchObject({ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" });
    expect(spread.some((t: any) => t.topologyKey === "kubernetes.io/hostname")).toBe(true);
    for (const t of spread) expect(matches(t.labelSelector.matchLabels, podLabels(c))).toBe(true);
  });

  it("runs the container locked down with the catalog's requests and limits", () => {
    const pod = one(c, "Rollout").spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.priorityClassName).toBe(PRIORITY_CLASSES.services);
    expect(pod.containers).toHaveLength(1);
    const container = pod.containers[0];
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.securityContext.capabilities.add).toBeUndefined();
    const expected = { cpu: `${c.service.resources.cpuMillicores}m`, memory: `${c.service.resources.memoryMiB}Mi` };
    expect(container.resources).toEqual({ requests: expected, limits: expected });
    expect(container.image).toBe(`${c.env.account.id}.dkr.ecr.${c.env.account.region}.amazonaws.com/${c.service.repository}:${IMAGE_TAG}`);
    for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) expect(container[probe].httpGet.port).toBe("http");
    expect(container.ports).toEqual([{ name: "http", containerPort: c.service.port, protocol: "TCP" }]);
  });

  it("mounts the service account token only for the Vault Agent", () => {
    const usesVault = c.service.uses.includes("postgres");
    expect(one(c, "Rollout").spec.template.spec.automountServiceAccountToken).toBe(usesVault);
    expect(one(c, "ServiceAccount").automountServiceAccountToken).toBe(usesVault);
  });

  it("gets database credentials from Vault's database engine, never from a literal", () => {
    const annotations = one(c, "Rollout").spec.template.metadata.annotations ?? {};
    if (c.service.uses.includes("postgres")) {
      expect(annotations["vault.hashicorp.com/agent-inject"]).toBe("true");
      expect(annotations["vault.hashicorp.com/role"]).toBe(c.service.name);
      expect(annotations["vault.hashicorp.com/agent-inject-secret-db"]).toBe(`database/creds/${c.service.name}`);
      expect(annotations["vault.hashicorp.com/agent-inject-template-db"]).toContain(`secret "database/creds/${c.service.name}"`);
      // vault-k8s: tls-secret is mounted at /vault/tls in the agent containers; ca-cert is the CA file there.
      expect(annotations["vault.hashicorp.com/tls-secret"]).toBe("vault-ca");
      expect(annotations["vault.hashicorp.com/ca-cert"]).toBe("/vault/tls/ca.crt");
    } else {
      expect(Object.keys(annotations).filter((k) => k.startsWith("vault.hashicorp.com/"))).toEqual([]);
    }
    expect(findLiteralSecrets(c.values)).toEqual([]);
    const env = one(c, "Rollout").spec.template.spec.containers[0].env as { name: string; value?: string }[];
    expect(env.filter((e) => SECRET_KEY.test(e.name) && e.value !== undefined && !/_FILE$/.test(e.name))).toEqual([]);
  });

  it("deploys blue-green, gated by the SLO analysis before and after promotion", () => {
    const bg = one(c, "Rollout").spec.strategy.blueGreen;
    const template = one(c, "AnalysisTemplate");
    expect(bg).toMatchObject({ activeService: c.service.name, previewService: `${c.service.name}-preview`, autoPromotionEnabled: false });
    expect(bg.scaleDownDelaySeconds).toBeGreaterThanOrEqual(30);
    expect(bg.prePromotionAnalysis.templates).toEqual([{ templateName: template.metadata.name }]);
    expect(bg.postPromotionAnalysis.templates).toEqual([{ templateName: template.metadata.name }]);
    expect(one(c, "Rollout").spec.progressDeadlineAbort).toBe(true);
    const declared = template.spec.args.map((a: { name: string }) => a.name);
    for (const analysis of [bg.prePromotionAnalysis, bg.postPromotionAnalysis]) {
      expect(analysis.args.map((a: { name: string }) => a.name)).toEqual(declared);
    }
  });

  it("fails the analysis below the SLO's availability or above its p95 latency", () => {
    const metrics = one(c, "AnalysisTemplate").spec.metrics as any[];
    const success = metrics.find((m) => m.name === "success-rate");
    const latency = metrics.find((m) => m.name === "latency-p95");
    expect(Number(/^result\[0\] >= ([0-9.]+)$/.exec(success.successCondition)?.[1])).toBe(c.service.slo.availability);
    expect(Number(/^result\[0\] < ([0-9.]+)$/.exec(latency.successCondition)?.[1])).toBeCloseTo(c.service.slo.latencyP95Ms / 1000, 9);
    expect(success.provider.prometheus.query).toContain(`http_requests_total{service="${c.service.name}"`);
    expect(latency.provider.prometheus.query).toContain(`http_request_duration_seconds_bucket{service="${c.service.name}"`);
    expect(latency.provider.prometheus.query).toMatch(/^histogram_quantile\(0\.95,/);
    for (const m of metrics) {
      expect(m.provider.prometheus.address).toBe("http://kube-prometheus-stack-prometheus.monitoring.svc:9090");
      expect(m.failureLimit).toBeGreaterThanOrEqual(0);
    }
  });

  it("issues the Vault Agent its CA from the vault-ca ClusterIssuer, in its own namespace", () => {
    const certificates = c.manifests.filter((m) => m.kind === "Certificate");
    if (!c.service.uses.includes("postgres")) {
      expect(certificates).toEqual([]);
      return;
    }
    const cert = one(c, "Certificate");
    expect(cert.metadata.namespace ?? c.values.namespace).toBe(c.values.namespace);
    expect(cert.spec.secretName).toBe(one(c, "Rollout").spec.template.metadata.annotations["vault.hashicorp.com/tls-secret"]);
    expect(cert.spec.issuerRef).toEqual({ group: "cert-manager.io", kind: "ClusterIssuer", name: "vault-ca" });
    // Only a carrier of ca.crt: never usable as a server certificate (to impersonate Vault) or a CA.
    expect(cert.spec.usages).toEqual(["client auth"]);
    expect(cert.spec.isCA).toBeUndefined();
    expect(cert.spec.dnsNames).toBeUndefined();
  });

  it("has an ALB Ingress only when the service is public: HTTPS only, TLS 1.2+, behind WAF, on the environment's shared ALB", () => {
    const ingresses = c.manifests.filter((m) => m.kind === "Ingress");
    if (!c.service.public) {
      expect(ingresses).toEqual([]);
      return;
    }
    const host = c.service.name === "api-gateway" ? `api.${c.env.services.domain}` : `${c.service.name}.${c.env.services.domain}`;
    const ing = one(c, "Ingress", c.service.name);
    const a = ing.metadata.annotations;
    expect(ing.spec.ingressClassName).toBe("alb");
    expect(a).toMatchObject({
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/group.name": `${c.env.name}-public`,
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
      "alb.ingress.kubernetes.io/wafv2-acl-arn": wafAclArn(c.env),
      "alb.ingress.kubernetes.io/healthcheck-path": "/ready",
    });
    expect(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"])).toEqual([{ HTTPS: 443 }]); // no clear-text listener
    expect(a["alb.ingress.kubernetes.io/ssl-redirect"]).toBeUndefined();
    // Certificate discovered from ACM by host; ACM terminates TLS, so no cert-manager and no TLS Secret.
    expect(a["alb.ingress.kubernetes.io/certificate-arn"]).toBeUndefined();
    expect(Object.keys(a).filter((k) => k.startsWith("cert-manager.io/"))).toEqual([]);
    expect(ing.spec.tls).toBeUndefined();
    expect(ing.spec.rules.map((r: any) => r.host)).toEqual([host]);
    expect(ing.spec.rules[0].http.paths[0].backend.service.name).toBe(c.service.name);
  });

  it("adds HSTS and the security headers on the ALB listener, in a form the controller parses", () => {
    if (!c.service.public) return;
    const raw: string = one(c, "Ingress", c.service.name).metadata.annotations["alb.ingress.kubernetes.io/listener-attributes.HTTPS-443"];
    // The controller's stringMap: split on commas, then each pair on its first "=".
    const pairs = raw.split(",").map((p) => p.trim());
    for (const p of pairs) expect(p).toMatch(/^routing\.http\.response\.[a-z_]+(\.header_value|\.enabled)=./);
    const attributes = Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
    expect(attributes).toEqual({
      "routing.http.response.server.enabled": "false",
      "routing.http.response.strict_transport_security.header_value": "max-age=63072000; includeSubDomains; preload",
      "routing.http.response.x_content_type_options.header_value": "nosniff",
      "routing.http.response.x_frame_options.header_value": "DENY",
      "routing.http.response.content_security_policy.header_value": EDGE_RESPONSE_HEADERS.contentSecurityPolicy,
    });
    // CORS is the API gateway's (see the edge env): a list cannot pass through this annotation.
    expect(Object.keys(attributes).filter((k) => k.includes("access_control"))).toEqual([]);
  });

  it("has the ALB verify every request's bearer JWT against the environment's issuer before routing it", () => {
    if (!c.service.public) return;
    const raw: string = one(c, "Ingress", c.service.name).metadata.annotations["alb.ingress.kubernetes.io/jwt-validation"];
    // The controller parses this annotation as JSON (JwtValidationConfig: jwksEndpoint, issuer).
    expect(JSON.parse(raw)).toEqual({ issuer: c.env.edge.oidcIssuer, jwksEndpoint: c.env.edge.jwksUri });
  });

  it("lets CORS preflights (OPTIONS, which carry no token) through to the service ahead of the JWT check", () => {
    if (!c.service.public) return;
    const main = one(c, "Ingress", c.service.name);
    const preflight = one(c, "Ingress", `${c.service.name}-preflight`);
    const a = preflight.metadata.annotations;
    expect(a["alb.ingress.kubernetes.io/jwt-validation"]).toBeUndefined();
    expect(JSON.parse(a[`alb.ingress.kubernetes.io/conditions.${c.service.name}`])).toEqual([{ field: "http-request-method", httpRequestMethodConfig: { Values: ["OPTIONS"] } }]);
    // Evaluated first in the group: lower order than the main rule (default 0).
    expect(Number(a["alb.ingress.kubernetes.io/group.order"])).toBeLessThan(Number(main.metadata.annotations["alb.ingress.kubernetes.io/group.order"] ?? 0));
    // Same ALB, listener, WAF and certificate settings, same host and Service.
    const { ["alb.ingress.kubernetes.io/jwt-validation"]: _jwt, ...shared } = main.metadata.annotations;
    expect(a).toMatchObject(shared);
    expect(preflight.spec.rules).toEqual(main.spec.rules);
  });

  it("runs the API edge in the public service: JWT issuer, per-client rate and burst, CORS from the environment", () => {
    const env = Object.fromEntries(
      (one(c, "Rollout").spec.template.spec.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]),
    );
    const edgeKeys = ["OIDC_ISSUER", "RATE_LIMIT_PER_CLIENT_PER_MINUTE", "RATE_LIMIT_BURST", "CORS_ALLOWED_ORIGINS", "CORS_ALLOWED_METHODS", "CORS_ALLOWED_HEADERS"];
    if (!c.service.public) {
      expect(edgeKeys.filter((k) => k in env)).toEqual([]);
      return;
    }
    const { edge } = c.env;
    expect(env).toMatchObject({
      OIDC_ISSUER: edge.oidcIssuer,
      RATE_LIMIT_PER_CLIENT_PER_MINUTE: String(edge.rateLimits.perClientPerMinute),
      RATE_LIMIT_BURST: String(edge.rateLimits.burst),
      CORS_ALLOWED_ORIGINS: edge.cors.allowedOrigins.join(","),
      CORS_ALLOWED_METHODS: edge.cors.allowedMethods.join(","),
      CORS_ALLOWED_HEADERS: edge.cors.allowedHeaders.join(","),
    });
  });

  it("denies all traffic to and from its pods by default", () => {
    const deny = one(c, "NetworkPolicy", `${c.service.name}-default-deny`).spec;
    expect(deny.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(deny.ingress).toBeUndefined();
    expect(deny.egress).toBeUndefined();
  });

  it("admits exactly its catalog callers, the ALB from the public subnets when public, and Prometheus", () => {
    const rules = allowPolicy(c).spec.ingress as any[];
    for (const rule of rules) {
      expect(rule.from?.length).toBeGreaterThan(0); // an empty `from` would admit everyone
      expect(rule.ports).toEqual([{ port: c.service.port, protocol: "TCP" }]);
    }
    const callers = rules.flatMap((r) => r.from).map(servicePeer).filter((p) => p !== undefined);
    // Each caller's pods, in the namespace that caller is released in (its own by default).
    expect(callers.sort((a, b) => a.name.localeCompare(b.name))).toEqual(callersOf(c.service.name).sort().map((name) => ({ name, namespace: name })));
    const namespaces = rules.flatMap((r) => r.from).filter((p) => !p.podSelector && !p.ipBlock).map((p) => p.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]);
    expect(namespaces.sort()).toEqual(["monitoring"]);
    // Nothing from outside the cluster but the ALB's subnets, and only for public services.
    const cidrs = rules.flatMap((r) => r.from).filter((p) => p.ipBlock).map((p) => p.ipBlock);
    expect(cidrs).toEqual(c.service.public ? publicSubnetCidrs(c.env).map((cidr) => ({ cidr })) : []);
    for (const block of cidrs) expect(block.except).toBeUndefined();
  });

  it("reaches exactly its catalog callees, DNS, its databases and Vault", () => {
    const rules = allowPolicy(c).spec.egress as any[];
    for (const rule of rules) expect(rule.to?.length).toBeGreaterThan(0); // an empty `to` would allow everything
    const peers = rules.flatMap((r) => r.to.map((to: any) => ({ to, ports: r.ports })));
    const callees = peers.filter((p) => servicePeer(p.to));
    expect(callees.map((p) => servicePeer(p.to)).sort((a, b) => a!.name.localeCompare(b!.name))).toEqual([...c.service.calls].sort().map((name) => ({ name, namespace: name })));
    for (const p of callees) {
      const port = services.find((s) => s.name === servicePeer(p.to)!.name)!.port;
      expect(p.ports).toEqual([{ port, protocol: "TCP" }]);
    }
    const dns = peers.find((p) => p.to.podSelector?.matchLabels?.["k8s-app"] === "kube-dns");
    expect(dns.to.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).toBe("kube-system");
    expect(dns.ports).toEqual([{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }]);
    const ipPeers = peers.filter((p) => p.to.ipBlock);
    const dbPorts = [...(c.service.uses.includes("postgres") ? [5432] : []), ...(c.service.uses.includes("redis") ? [6379] : [])];
    expect([...new Set(ipPeers.flatMap((p) => p.ports.map((x: any) => x.port)))].sort()).toEqual(dbPorts.sort());
    for (const p of ipPeers) {
      expect(p.to.ipBlock.cidr).not.toBe("0.0.0.0/0");
      expect(c.values.networkPolicy.databaseCidrs).toContain(p.to.ipBlock.cidr);
    }
    const vault = peers.filter((p) => p.to.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "vault");
    expect(vault.map((p) => p.ports)).toEqual(c.service.uses.includes("postgres") ? [[{ port: 8200, protocol: "TCP" }]] : []);
  });
});

describe("microservice chart: the network policies as a whole", () => {
  it("allow every catalog edge at both ends, and no other service-to-service edge", () => {
    for (const env of environments) {
      const ofEnv = cases.filter((c) => c.env === env);
      const egress = new Set<string>();
      const ingress = new Set<string>();
      for (const c of ofEnv) {
        const spec = allowPolicy(c).spec;
        for (const r of spec.egress) for (const to of r.to) if (servicePeer(to)) egress.add(`${c.service.name}->${servicePeer(to)!.name}`);
        for (const r of spec.ingress) for (const from of r.from) if (servicePeer(from)) ingress.add(`${servicePeer(from)!.name}->${c.service.name}`);
      }
      const edges = services.flatMap((s) => s.calls.map((callee) => `${s.name}->${callee}`)).sort();
      expect([...egress].sort(), env.name).toEqual(edges);
      expect([...ingress].sort(), env.name).toEqual(edges);
    }
  });
});

/** Keys that name a credential. */
const SECRET_KEY = /(password|passwd|token|secret|api_?key|credential)/i;

/** Keys that refer to where a credential lives (a Secret's name, a file), not to the credential. */
const REFERENCE_KEY = /(Name|Ref|Path|File)$/;

/**
 * Paths of values whose key names a credential and whose value is a literal.
 * Vault paths, file locations and object names are not secrets.
 */
function findLiteralSecrets(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => findLiteralSecrets(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const here = path ? `${path}.${key}` : key;
    if (SECRET_KEY.test(key) && !REFERENCE_KEY.test(key) && typeof v === "string" && v !== "") return [here];
    return findLiteralSecrets(v, here);
  });
}

describe("the literal-secret detector", () => {
  it("fails when a value holds a password or token", () => {
    expect(findLiteralSecrets({ env: { DB_PASSWORD: "hunter2" }, x: [{ apiToken: "abc" }] })).toEqual(["env.DB_PASSWORD", "x[0].apiToken"]);
    expect(findLiteralSecrets({ vault: { caSecretName: "vault-ca", secrets: [{ name: "db", path: "database/creds/x" }] } })).toEqual([]);
    expect(findLiteralSecrets({ vault: { caSecret: "-----BEGIN CERTIFICATE-----" } })).toEqual(["vault.caSecret"]);
  });
});
