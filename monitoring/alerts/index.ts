/**
 * The alert catalog: every Groundwork alert with its rule, routing labels and
 * on-call knowledge, and the one URL pattern that links an alert to its page.
 *
 * The docs generator imports this module: for each alert in `alerts` it writes
 * `alertPagePath(alert.name)` from `alert.page` and links `alert.runbooks`.
 * Prometheus rules are generated from it by `scripts/gen-monitoring.ts`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { oncall } from "../../config/oncall";
import { backupAlerts } from "./backups";
import { costAlerts } from "./cost";
import { databaseAlerts } from "./database";
import { dependencyAlerts } from "./dependencies";
import { kubernetesAlerts } from "./kubernetes";
import { redisAlerts } from "./redis";
import { serviceAlerts } from "./services";
import { RUNBOOKS, type Alert, type AlertGroup, type RunbookName } from "./types";
import { vaultAlerts } from "./vault";

export * from "./types";

/** Where the VitePress on-call site is served (`docsSiteUrl` in config/oncall.ts); `runbook_url` = this + `/alerts/<slug>`. */
export const DOCS_SITE_URL: string = oncall.docsSiteUrl;

/** `RdsCpuHigh` -> `rds-cpu-high`. */
export function alertSlug(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

/** The one pattern every alert's `runbook_url` annotation is built from. */
export function runbookUrl(alertName: string): string {
  return `${DOCS_SITE_URL}/alerts/${alertSlug(alertName)}`;
}

/** The docs page of an alert, relative to the repository root. */
export function alertPagePath(alertName: string): string {
  return `docs/alerts/${alertSlug(alertName)}.md`;
}

/** The executable runbook file, relative to the repository root. */
export function runbookPath(name: RunbookName): string {
  return `runbooks/${name}.mjs`;
}

/** Rule groups in the order they are generated. */
export const groups: readonly AlertGroup[] = [
  serviceAlerts,
  dependencyAlerts,
  databaseAlerts,
  redisAlerts,
  vaultAlerts,
  kubernetesAlerts,
  backupAlerts,
  costAlerts,
];

export const alerts: readonly Alert[] = groups.flatMap((g) => g.alerts);

export function isRunbookName(name: string): name is RunbookName {
  return (RUNBOOKS as readonly string[]).includes(name);
}

/** Runbook names an alert page mentions as `runbooks/<name>.mjs`. */
export function mentionedRunbooks(markdown: string): string[] {
  return [...markdown.matchAll(/runbooks\/([a-z0-9-]+)\.mjs/g)].map((m) => m[1]);
}

/**
 * Problems between the alert catalog and the generated docs pages under
 * `<root>/docs/alerts/`: a missing page, a page for no alert, a page naming a
 * runbook file that does not exist. Returns [] while `docs/alerts/` does not
 * exist yet (the docs generator creates it).
 */
export function alertPageProblems(root: string, catalog: readonly Alert[] = alerts): string[] {
  const dir = join(root, "docs", "alerts");
  if (!existsSync(dir)) return [];
  const problems: string[] = [];
  const expected = new Set(catalog.map((a) => `${alertSlug(a.name)}.md`));
  for (const alert of catalog) {
    if (!existsSync(join(root, alertPagePath(alert.name)))) problems.push(`${alert.name}: ${alertPagePath(alert.name)} does not exist`);
  }
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".md"))) {
    if (!expected.has(file) && file !== "index.md") problems.push(`docs/alerts/${file}: no alert has this page`);
    for (const name of mentionedRunbooks(readFileSync(join(dir, file), "utf8"))) {
      if (!existsSync(join(root, "runbooks", `${name}.mjs`))) problems.push(`docs/alerts/${file}: names runbooks/${name}.mjs, which does not exist`);
    }
  }
  return problems;
}
