/**
 * One page per executable runbook (`docs/runbooks/<id>.md`) and the runbook
 * index, generated from each runbook's own declaration (`listRunbooks()`:
 * parameters, steps, destructive marks) plus its hand-written `.md`.
 */
import { readFileSync } from "node:fs";
import { alertSlug, alerts } from "../../monitoring/alerts";
import { listRunbooks, type RunbookEntry } from "../../runbooks/lib/catalog.mjs";
import { COMMON_FLAGS, ENVIRONMENTS } from "../../runbooks/lib/params.mjs";
import { cell, code, fence, generatedHeader, page, prose, table, type GeneratedPage } from "./markdown";

/** What the pages need of a runbook: its declaration and its hand-written notes. */
export interface RunbookInfo extends Omit<RunbookEntry, "file" | "doc"> {
  /** The hand-written `runbooks/<id>.md`, or null when there is none. */
  readonly notes: string | null;
}

/** Every runbook under `runbooks/` as it is right now, sorted by id. */
export async function loadRunbooks(dir?: string): Promise<RunbookInfo[]> {
  const entries = await listRunbooks(dir);
  return entries.map(({ file: _file, doc, ...rest }) => ({ ...rest, notes: doc === null ? null : readFileSync(doc, "utf8") }));
}

/**
 * The hand-written notes as a section of the generated page: without their
 * title (the page has its own `#` heading) and with every heading one level
 * deeper, so they nest under the page's "Notes" heading. Code fences are left alone.
 */
export function notesBody(markdown: string): string {
  let inFence = false;
  return markdown
    .replace(/^\s*#\s[^\n]*\n+/, "")
    .split("\n")
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
      return !inFence && /^#{1,5}\s/.test(line) ? `#${line}` : line;
    })
    .join("\n")
    .trim();
}

function defaultText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return code(typeof value === "string" ? value : JSON.stringify(value));
}

/** A placeholder for a required parameter in the command line, e.g. `--time <timestamp>`. */
function placeholder(p: RunbookEntry["params"][number]): string {
  if (p.type === "bool") return p.flag;
  return `${p.flag} <${p.values ? p.values.join("|") : p.type}>`;
}

/** The command lines an operator types: sandbox rehearsal, dry run, the real run. */
export function commandLines(rb: Pick<RunbookInfo, "id" | "params">): string {
  const required = rb.params.filter((p) => p.required).map(placeholder);
  const cmd = (env: string, extra: string[] = []) => [`npx zx runbooks/${rb.id}.mjs --env ${env}`, ...required, ...extra].join(" ");
  return fence(
    "sh",
    [
      "# rehearse on the local sandbox (node scripts/sandbox.mjs up)",
      cmd("local"),
      "# print every resolved step and command, change nothing",
      cmd("<env>", ["--dry-run"]),
      `# the real run (<env>: ${ENVIRONMENTS.filter((e) => e !== "local").join(", ")})`,
      cmd("<env>"),
    ].join("\n"),
  );
}

/** The Markdown page of one runbook. */
export function runbookPage(rb: RunbookInfo): GeneratedPage {
  const linkedFrom = alerts.filter((a) => (a.runbooks as readonly string[]).includes(rb.id));
  const destructive = rb.steps.filter((s) => s.destructive).length;
  const params = rb.params.map((p) => [
    code(p.flag),
    p.values ? `${p.type}: ${p.values.map(code).join(", ")}` : p.type,
    defaultText(p.default),
    p.required ? "yes" : "",
    cell(prose(p.help)),
  ]);
  const common = COMMON_FLAGS.map(([flag, help]) => [code(flag), cell(help)]);
  const content = page([
    generatedHeader([`runbooks/${rb.id}.mjs`, rb.notes === null ? "" : `runbooks/${rb.id}.md`].filter(Boolean)),
    `# ${rb.id}: ${rb.title}`,
    prose(rb.summary),
    page(["## Run it", commandLines(rb)]),
    page([
      "## Last drills",
      "Measured by the runbook's write probe on the machine that built this site (evidence under `drills/records/`, not in git).",
      `<DrillHistory id="${rb.id}" />`,
    ]),
    rb.notes !== null && page(["## Notes", `Hand-written in \`runbooks/${rb.id}.md\`.`, notesBody(rb.notes)]),
    page([
      "## Steps",
      destructive > 0
        ? `${destructive} of ${rb.steps.length} steps are destructive: the runbook asks before them (\`--yes\` skips the question; prod also needs \`GROUNDWORK_ALLOW_PROD=1\`).`
        : "No step is destructive.",
      table(
        ["#", "Step", "Destructive"],
        rb.steps.map((s, i) => [String(i + 1), cell(prose(s.title)), s.destructive ? "**yes** :warning:" : "no"]),
      ),
    ]),
    page([
      "## Parameters",
      params.length > 0 ? table(["Flag", "Type", "Default", "Required", "Description"], params) : "No parameters of its own.",
      "Every runbook also takes:",
      table(["Flag", "Description"], common),
    ]),
    linkedFrom.length > 0 &&
      page(["## Alerts that link here", linkedFrom.map((a) => `- [${a.name}](../alerts/${alertSlug(a.name)}.md) (${a.severity})`).join("\n")]),
  ]);
  return { path: `docs/runbooks/${rb.id}.md`, content };
}

/** `docs/runbooks/index.md`: every runbook with its step counts. */
export function runbookIndexPage(runbooks: readonly RunbookInfo[]): GeneratedPage {
  return {
    path: "docs/runbooks/index.md",
    content: page([
      generatedHeader(["runbooks/*.mjs"]),
      "# Runbooks",
      "Executable runbooks (`npx zx runbooks/<id>.mjs`) built on one engine: `--env local|dev|staging|prod` (default `local`, the sandbox), " +
        "`--dry-run` changes nothing, destructive steps ask first, every run is journaled and `--resume <run-id>` continues it, " +
        "and every run writes an evidence report under `drills/records/`.",
      table(
        ["Runbook", "What it does", "Steps", "Destructive"],
        runbooks.map((rb) => [
          `[${rb.id}](./${rb.id}.md)`,
          cell(prose(rb.title)),
          String(rb.steps.length),
          String(rb.steps.filter((s) => s.destructive).length),
        ]),
      ),
      page(["## Last drills", "The latest run of each runbook on the machine that built this site.", "<DrillHistory />"]),
    ]),
  };
}
