/**
 * Cost: cluster compute cost by namespace from OpenCost
 * (https://www.opencost.io/docs/integrations/prometheus), and the AI
 * orchestrator's LLM cost and token usage from its own counters:
 *   ai_orchestrator_llm_cost_usd_total{tenant, model}
 *   ai_orchestrator_llm_tokens_total{tenant, model, direction="input|output"}
 *   ai_orchestrator_requests_total{tenant}
 */
import type { AlertGroup, RecordingRule } from "./types";

/** Average hours in a month, as cloud bills count them. */
export const HOURS_PER_MONTH = 730;

function costRecords(): RecordingRule[] {
  const cost = "ai_orchestrator_llm_cost_usd_total";
  const requests = "ai_orchestrator_requests_total";
  return [
    {
      record: "namespace:cost_usd_per_hour:sum",
      expr:
        "sum by (namespace) (container_cpu_allocation * on (node) group_left () node_cpu_hourly_cost)\n+\n" +
        "sum by (namespace) (container_memory_allocation_bytes / 1024 ^ 3 * on (node) group_left () node_ram_hourly_cost)",
    },
    { record: "cluster:node_cost_usd_per_hour:sum", expr: "sum(node_total_hourly_cost)" },
    { record: "tenant_model:ai_orchestrator_llm_cost_usd:rate5m", expr: `sum by (tenant, model) (rate(${cost}[5m]))` },
    { record: "tenant_model:ai_orchestrator_llm_cost_usd:rate1h", expr: `sum by (tenant, model) (rate(${cost}[1h]))` },
    { record: "tenant:ai_orchestrator_llm_cost_usd:increase1d", expr: `sum by (tenant) (increase(${cost}[1d]))` },
    {
      record: "tenant_model_direction:ai_orchestrator_llm_tokens:rate5m",
      expr: "sum by (tenant, model, direction) (rate(ai_orchestrator_llm_tokens_total[5m]))",
    },
    {
      record: "tenant:ai_orchestrator_cost_per_request_usd:ratio_rate1h",
      expr: `sum by (tenant) (rate(${cost}[1h]))\n/\nsum by (tenant) (rate(${requests}[1h]))`,
    },
    {
      record: ":ai_orchestrator_cost_per_request_usd:ratio_rate1h",
      expr: `sum(rate(${cost}[1h]))\n/\nsum(rate(${requests}[1h]))`,
    },
  ];
}

export const costAlerts: AlertGroup = {
  name: "cost",
  records: costRecords,
  alerts: [
    {
      name: "ClusterCostOverBudget",
      scope: "environment",
      team: "platform",
      severity: "warning",
      for: "6h",
      expr: (env) => `cluster:node_cost_usd_per_hour:sum * ${HOURS_PER_MONTH} > ${env.clusterBudgetUsdPerMonth}`,
      summary: "Cluster compute runs at {{ $value | humanize }} USD/month, above budget",
      description:
        "At the current node cost (OpenCost), the cluster's compute costs more per month than this environment's budget. Sustained for 6 hours, so autoscaling peaks do not fire it.",
      runbooks: [],
      page: {
        meaning:
          "OpenCost's `node_total_hourly_cost` summed over nodes, times 730 hours, has exceeded the environment's monthly compute budget (`monitoring/budgets.ts`) for 6 hours. It covers EKS nodes only; RDS, ElastiCache and NAT are billed outside OpenCost.",
        impact: "No user impact. The month's bill will exceed the budget if nothing changes.",
        diagnosis:
          "1. \"Cost by namespace\" dashboard: which namespace grew (`namespace:cost_usd_per_hour:sum`)?\n" +
          "2. Node count and types on the \"Cluster capacity and autoscaling\" dashboard: did the autoscaler add nodes that stay idle (requests far above usage)?\n" +
          "3. A load test or a runaway HPA left at its maximum?",
        mitigation:
          "1. Scale back what is not needed (finished load tests, forgotten preview workloads).\n" +
          "2. Right-size requests in `config/services.ts` so nodes pack better; consider SPOT for non-prod node groups.\n" +
          "3. If the growth is real traffic, raise the budget through review.",
      },
    },
    {
      name: "AiSpendOverBudget",
      scope: "environment",
      team: "ai",
      severity: "warning",
      for: "30m",
      expr: (env) => `sum(tenant_model:ai_orchestrator_llm_cost_usd:rate1h) * 86400 > ${env.aiBudgetUsdPerDay}`,
      summary: "LLM spend runs at {{ $value | humanize }} USD/day, above budget",
      description:
        "At the last hour's rate, the AI orchestrator's LLM cost exceeds this environment's daily budget. Check which tenant and model drive it on the Cost dashboard.",
      runbooks: ["service-rollback"],
      page: {
        meaning:
          "The LLM cost rate over the last hour, projected to a day, has exceeded the environment's daily AI budget (`monitoring/budgets.ts`) for 30 minutes.",
        impact: "Money: provider invoices grow faster than planned. A single tenant or a retry loop can spend a month's budget in days.",
        diagnosis:
          "1. Cost dashboard, \"LLM cost by tenant\" and \"by model\": one tenant, or all?\n" +
          "2. Tokens per request (`tenant_model_direction:ai_orchestrator_llm_tokens:rate5m` against requests): did prompts grow (a deploy) or did request volume grow (a tenant's batch job)?\n" +
          "3. Cost per request per tenant: `tenant:ai_orchestrator_cost_per_request_usd:ratio_rate1h`.",
        mitigation:
          "1. A runaway client or retry loop: rate-limit the tenant at the API gateway.\n" +
          "2. A deploy that switched to a more expensive model or longer prompts: roll it back with `npx zx runbooks/service-rollback.mjs --service ai-orchestrator`.\n" +
          "3. Legitimate growth: raise the budget through review.",
      },
    },
  ],
};
