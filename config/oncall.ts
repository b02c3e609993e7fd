import { loadOncall, type OncallConfig } from "./schema";

/**
 * On-call settings shared by every environment. One value, not one per
 * environment: the Prometheus rules that carry `runbook_url` are the same
 * files in every environment (monitoring/prometheus/rules.ts).
 * docs/production-setup.md ("Publish the on-call site") says how to host the site.
 */
export const oncall: OncallConfig = loadOncall({
  docsSiteUrl: "https://oncall.groundwork.example.com",
});
