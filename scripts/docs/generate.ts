/**
 * Every generated page of the on-call site, with its content, from the single
 * sources: the alert catalog, the runbooks, `config/`. `scripts/gen-docs.ts`
 * writes them; `tests/docs` fails when the committed pages differ.
 */
import { environments } from "../../config";
import { services } from "../../config/services";
import { alerts } from "../../monitoring/alerts";
import { alertIndexPage, alertPage } from "./alerts";
import { environmentMatrixPage, recoveryTargetsPart } from "./environments";
import type { GeneratedPage } from "./markdown";
import { loadRunbooks, runbookIndexPage, runbookPage } from "./runbooks";
import { serviceCatalogPage } from "./services";

export type { GeneratedPage } from "./markdown";

/** Directories that hold only generated pages: anything else in them is a leftover to remove. */
export const GENERATED_DIRS = ["docs/alerts", "docs/runbooks", "docs/reference", "docs/parts"] as const;

/** The generated pages, sorted by path; deterministic for a given checkout. */
export async function generatedPages(runbooksDir?: string): Promise<GeneratedPage[]> {
  const runbooks = await loadRunbooks(runbooksDir);
  const byId = new Map(runbooks.map((rb) => [rb.id, rb]));
  const pages = [
    alertIndexPage(),
    ...alerts.map((a) => alertPage(a, byId)),
    runbookIndexPage(runbooks),
    ...runbooks.map(runbookPage),
    environmentMatrixPage(environments),
    recoveryTargetsPart(environments),
    serviceCatalogPage(services, environments),
  ];
  return pages.sort((a, b) => a.path.localeCompare(b.path));
}
