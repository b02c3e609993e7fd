/**
 * VitePress data loader: the drill history from `drills/records/*.json`, read
 * when the site is built (or on change in `docs:dev`). Records are not in git,
 * so each machine's site shows its own drills; none gives an empty list.
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineLoader } from "vitepress";
import { readDrillRuns, recordsDir, type DrillRun } from "../../scripts/docs/drills";

export type { DrillRun, Recovery, Verdict } from "../../scripts/docs/drills";

declare const data: DrillRun[];
export { data };

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const dir = recordsDir();
// Watch (docs:dev) only inside the repository: VitePress globs the pattern from the
// working directory, and a pattern outside it (a test's temp dir) makes it crawl from /.
const inRepo = !relative(repoRoot, dir).startsWith("..");

export default defineLoader({
  watch: inRepo ? [join(dir, "*.json")] : undefined,
  // Read the directory itself rather than the watched list, so a records directory outside the site works too.
  load: (): DrillRun[] => readDrillRuns(dir),
});
