/**
 * The environment matrix (`docs/reference/environments.md`: one row per knob,
 * one column per environment, differences highlighted) and the recovery
 * targets partial the backup and DR policy includes, from `config/`.
 */
import type { EnvironmentConfig } from "../../config";
import { cell, code, generatedHeader, page, table, type GeneratedPage } from "./markdown";

/** One knob: its dotted path (`database.multiAz`) and its value in each environment (undefined: not set there). */
export interface Knob {
  readonly path: string;
  readonly values: readonly (string | undefined)[];
}

/**
 * Flatten a config into `path -> text` pairs. Arrays of objects with a `name`
 * (node groups) are keyed by that name, so the same group lines up across
 * environments whatever its position; other arrays are one comma-separated value.
 */
export function flatten(value: unknown, prefix = ""): [string, string][] {
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => v !== null && typeof v === "object" && typeof (v as { name?: unknown }).name === "string")) {
      return value.flatMap((v: { name: string }) => flatten(v, `${prefix}[${v.name}]`));
    }
    return [[prefix, value.length === 0 ? "(none)" : value.map(String).join(", ")]];
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return [[prefix, "(none)"]];
    return entries.flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, String(value)]];
}

/** Every knob of the environments, in the order the first environment that has it declares it. */
export function knobs(envs: readonly EnvironmentConfig[]): Knob[] {
  const maps = envs.map((e) => new Map(flatten(e)));
  const paths = [...new Set(maps.flatMap((m) => [...m.keys()]))];
  return paths.map((path) => ({ path, values: maps.map((m) => m.get(path)) }));
}

/** Whether a knob has different values (or is missing) somewhere. */
export function differs(knob: Knob): boolean {
  return new Set(knob.values).size > 1;
}

function valueCell(value: string | undefined, highlight: boolean): string {
  if (value === undefined) return highlight ? "<mark>not set</mark>" : "not set";
  const text = code(cell(value));
  return highlight ? `<mark>${text}</mark>` : text;
}

/** `docs/reference/environments.md`. */
export function environmentMatrixPage(envs: readonly EnvironmentConfig[]): GeneratedPage {
  const all = knobs(envs).filter((k) => k.path !== "name");
  const sections = [...new Set(all.map((k) => k.path.split(/[.[]/)[0]))];
  const blocks = sections.map((section) => {
    const rows = all.filter((k) => k.path.split(/[.[]/)[0] === section);
    return page([
      `## ${section}`,
      table(
        ["Knob", ...envs.map((e) => e.name)],
        rows.map((k) => [differs(k) ? `**${code(k.path)}**` : code(k.path), ...k.values.map((v) => valueCell(v, differs(k)))]),
      ),
    ]);
  });
  const differing = all.filter(differs).length;
  return {
    path: "docs/reference/environments.md",
    content: page([
      generatedHeader(["config/*.ts"]),
      "# Environment matrix",
      `Every knob of \`EnvironmentConfig\` (\`config/schema.ts\`) as each environment sets it in \`config/<env>.ts\`, after validation. ` +
        `${differing} of ${all.length} knobs differ between environments; their values are <mark>highlighted</mark> and the knob is in bold. ` +
        "Stacks and modules never branch on an environment's name: every difference is in this table.",
      "To change a value, edit `config/<env>.ts`, state the intended difference in `tests/unit/config.test.ts`, then `npm test && npm run synth`.",
      ...blocks,
    ]),
  };
}

/**
 * `docs/parts/recovery-targets.md`: recovery objectives and the settings that
 * back them, per environment. Included by `docs/backup-dr.md`; not a page of its own.
 */
export function recoveryTargetsPart(envs: readonly EnvironmentConfig[]): GeneratedPage {
  const row = (label: string, f: (e: EnvironmentConfig) => string | number | boolean) => [label, ...envs.map((e) => cell(f(e)))];
  return {
    path: "docs/parts/recovery-targets.md",
    content: page([
      "<!-- markdownlint-disable-file MD041 -->",
      generatedHeader(["config/*.ts"]),
      table(
        ["Objective or setting", ...envs.map((e) => e.name)],
        [
          row("Database failover RTO (s)", (e) => e.recovery.rtoSeconds.database),
          row("Cache failover RTO (s)", (e) => e.recovery.rtoSeconds.cache),
          row("Failover RPO (s)", (e) => e.recovery.rpoSeconds),
          row("Backup RPO: newest recovery point at most (s)", (e) => e.recovery.backupRpoSeconds),
          row("RDS Multi-AZ", (e) => (e.database.multiAz ? "yes" : "no")),
          row("RDS read replicas", (e) => e.database.readReplicas),
          row("RDS backup retention / PITR window (days)", (e) => e.database.backupRetentionDays),
          row("RDS deletion protection", (e) => (e.database.deletionProtection ? "yes" : "no")),
          row("Redis replicas", (e) => e.cache.replicas),
          row("Redis snapshot retention (days)", (e) => e.cache.snapshotRetentionDays),
          row("Availability zones", (e) => e.network.azCount),
        ],
      ),
    ]),
  };
}
