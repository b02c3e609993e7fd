/** The service catalog page (`docs/reference/services.md`), from `config/services.ts`. */
import type { EnvironmentConfig } from "../../config";
import { maxReplicasIn, type Service } from "../../config/services";
import { alertSlug, alerts } from "../../monitoring/alerts";
import { code, fence, generatedHeader, page, prose, table, type GeneratedPage } from "./markdown";

/** A Mermaid node id: Mermaid reads `-` inside an id as part of an arrow. */
function nodeId(name: string): string {
  return name.replace(/[^a-zA-Z0-9]/g, "_");
}

const STORES: Record<Service["uses"][number], string> = { postgres: "PostgreSQL (RDS)", redis: "Redis (ElastiCache)" };

/** The call graph as a Mermaid flowchart: internet -> public services -> callees -> data stores. */
export function callGraph(services: readonly Service[]): string {
  const lines = ["flowchart LR", '  internet(("Internet")) --> waf["WAF + ingress"]'];
  for (const s of services) lines.push(`  ${nodeId(s.name)}["${s.name}<br/>team ${s.team}"]`);
  for (const store of [...new Set(services.flatMap((s) => s.uses))].sort()) lines.push(`  ${store}[("${STORES[store]}")]`);
  for (const s of services.filter((x) => x.public)) lines.push(`  waf --> ${nodeId(s.name)}`);
  for (const s of services) for (const callee of s.calls) lines.push(`  ${nodeId(s.name)} --> ${nodeId(callee)}`);
  for (const s of services) for (const store of s.uses) lines.push(`  ${nodeId(s.name)} -.-> ${store}`);
  return fence("mermaid", lines.join("\n"));
}

function percent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}

/** `docs/reference/services.md`. */
export function serviceCatalogPage(services: readonly Service[], envs: readonly EnvironmentConfig[]): GeneratedPage {
  const perService = alerts.filter((a) => a.scope === "service");
  const summary = table(
    ["Service", "Team", "Port", "Public", "CPU / memory per pod", "Replicas", "Availability SLO", "p95 latency SLO", "Calls", "Uses"],
    services.map((s) => [
      `[${s.name}](#${s.name})`,
      s.team,
      String(s.port),
      s.public ? "yes" : "no",
      `${s.resources.cpuMillicores}m / ${s.resources.memoryMiB} MiB`,
      `${s.scaling.minReplicas}-${s.scaling.maxReplicas}`,
      percent(s.slo.availability),
      `${s.slo.latencyP95Ms} ms`,
      s.calls.length ? s.calls.join(", ") : "none",
      s.uses.join(", "),
    ]),
  );
  const details = services.map((s) =>
    page([
      `## ${s.name}`,
      prose(s.description),
      [
        `- **Team:** ${s.team} (alerts route to this team)`,
        `- **Image repository:** ${code(s.repository)} (ECR, immutable tags)`,
        `- **Port:** ${s.port}; ${s.public ? `public through the ingress at \`api.<domain>\`` : "internal only (network policies allow only the callers below)"}`,
        `- **Resources per pod:** ${s.resources.cpuMillicores} millicores, ${s.resources.memoryMiB} MiB`,
        `- **Scaling (HPA):** ${envs.map((e) => `${e.name} ${s.scaling.minReplicas}-${maxReplicasIn(s, e.services.maxReplicasCap)}`).join(", ")} replicas (maximum capped by \`services.maxReplicasCap\`)`,
        `- **SLOs:** availability ${percent(s.slo.availability)} over 30 days, p95 latency ${s.slo.latencyP95Ms} ms, expected load ${s.slo.expectedRps} req/s, alert below ${s.slo.minThroughputRps} req/s`,
        `- **Calls:** ${s.calls.length ? s.calls.map((c) => `[${c}](#${c})`).join(", ") : "nothing"}`,
        `- **Called by:** ${services.filter((o) => o.calls.includes(s.name)).map((o) => `[${o.name}](#${o.name})`).join(", ") || (s.public ? "the internet" : "nothing")}`,
        `- **Uses:** ${s.uses.map((u) => STORES[u]).join(", ") || "no data store"}`,
        `- **Alerts:** ${perService.map((a) => `[${a.name}](../alerts/${alertSlug(a.name)}.md)`).join(", ")}`,
      ].join("\n"),
    ]),
  );
  return {
    path: "docs/reference/services.md",
    content: page([
      generatedHeader(["config/services.ts", "config/*.ts"]),
      "# Service catalog",
      "The services Groundwork deploys, scales, observes and secures. Registry repositories, Helm releases, per-service alerts and network policies are generated from the same list.",
      table(["Environment", "Public API"], envs.map((e) => [e.name, code(`https://api.${e.services.domain}`)])),
      summary,
      "## Call graph",
      "Solid arrows are calls (the network policies allow exactly these edges); dotted arrows are data stores.",
      callGraph(services),
      ...details,
    ]),
  };
}
