/**
 * Writes the generated monitoring files (Prometheus rules, Alertmanager and
 * blackbox config, Grafana dashboards) from monitoring/**.ts and config/.
 *   npx tsx scripts/gen-monitoring.ts           write them
 *   npx tsx scripts/gen-monitoring.ts --check   exit 1 when a committed file is stale
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generatedFiles } from "../monitoring/generate";

const root = join(import.meta.dirname, "..");
const check = process.argv.includes("--check");
const files = generatedFiles();
const wanted = new Set(files.map((f) => f.path));

// Generated directories hold only generated files: anything else there is a leftover of a removed alert group or dashboard.
const generatedDirs = ["monitoring/prometheus/rules", "monitoring/prometheus/rules/environments", "monitoring/grafana/dashboards"];
const leftovers = generatedDirs.flatMap((dir) =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir), { withFileTypes: true })
        .filter((e) => e.isFile() && !wanted.has(`${dir}/${e.name}`))
        .map((e) => `${dir}/${e.name}`)
    : [],
);

const stale = files.filter((f) => !existsSync(join(root, f.path)) || readFileSync(join(root, f.path), "utf8") !== f.content);
if (check) {
  for (const f of stale) console.error(`stale: ${f.path}`);
  for (const f of leftovers) console.error(`not generated: ${f}`);
  if (stale.length + leftovers.length > 0) {
    console.error("run: npx tsx scripts/gen-monitoring.ts");
    process.exitCode = 1;
  }
} else {
  for (const f of stale) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.content);
    console.log(`wrote ${f.path}`);
  }
  for (const f of leftovers) {
    rmSync(join(root, f));
    console.log(`removed ${f}`);
  }
  console.log(`${files.length} files, ${stale.length} changed, ${leftovers.length} removed`);
}
