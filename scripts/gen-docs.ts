/**
 * Writes the generated pages of the on-call site (alerts, runbooks,
 * environment matrix, service catalog) from their sources.
 *   npm run gen:docs                     write them (and remove leftovers)
 *   npx tsx scripts/gen-docs.ts --check  exit 1 when a committed page is stale
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GENERATED_DIRS, generatedPages, type GeneratedPage } from "./docs/generate";

/** Differences between the pages on disk under `root` and the wanted ones. */
export function docsDrift(root: string, pages: readonly GeneratedPage[]): { stale: GeneratedPage[]; leftovers: string[] } {
  const wanted = new Set(pages.map((p) => p.path));
  const stale = pages.filter((p) => !existsSync(join(root, p.path)) || readFileSync(join(root, p.path), "utf8") !== p.content);
  // Generated directories hold only generated pages: anything else is a leftover of a removed alert or runbook.
  const leftovers = GENERATED_DIRS.flatMap((dir) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir), { withFileTypes: true })
          .filter((e) => e.isFile() && !wanted.has(`${dir}/${e.name}`))
          .map((e) => `${dir}/${e.name}`)
      : [],
  );
  return { stale, leftovers };
}

async function main(): Promise<void> {
  const root = join(import.meta.dirname, "..");
  const pages = await generatedPages();
  const { stale, leftovers } = docsDrift(root, pages);
  if (process.argv.includes("--check")) {
    for (const p of stale) console.error(`stale: ${p.path}`);
    for (const f of leftovers) console.error(`not generated: ${f}`);
    if (stale.length + leftovers.length > 0) {
      console.error("run: npm run gen:docs");
      process.exitCode = 1;
    }
    return;
  }
  for (const p of stale) {
    mkdirSync(dirname(join(root, p.path)), { recursive: true });
    writeFileSync(join(root, p.path), p.content);
    console.log(`wrote ${p.path}`);
  }
  for (const f of leftovers) {
    rmSync(join(root, f));
    console.log(`removed ${f}`);
  }
  console.log(`gen-docs: ${pages.length} pages, ${stale.length} changed, ${leftovers.length} removed`);
}

// Run only as a script, so tests can import docsDrift.
if (process.argv[1] && import.meta.filename === realpathSync(process.argv[1])) await main();
