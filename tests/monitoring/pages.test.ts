import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { alertPagePath, alertPageProblems, alerts, isRunbookName, mentionedRunbooks, runbookPath, RUNBOOKS, type Alert } from "../../monitoring/alerts";
import { root } from "./helpers";

const pageText = (a: Alert) => Object.values(a.page).join("\n");

describe("alert knowledge (source of the docs pages)", () => {
  it("every alert has Meaning, Impact, Diagnosis and Mitigation", () => {
    for (const a of alerts) {
      for (const [section, text] of Object.entries(a.page)) expect(text.trim().length, `${a.name}.${section}`).toBeGreaterThan(20);
    }
  });

  it("every declared executable runbook is a known runbook", () => {
    const unknown = alerts.flatMap((a) => a.runbooks.filter((r) => !isRunbookName(r)).map((r) => `${a.name}: ${r}`));
    expect(unknown).toEqual([]);
  });

  it("a page names only runbooks/<name>.mjs its alert declares, so the page and its links agree", () => {
    const undeclared = alerts.flatMap((a) =>
      mentionedRunbooks(pageText(a))
        .filter((r) => !(a.runbooks as readonly string[]).includes(r))
        .map((r) => `${a.name} mentions runbooks/${r}.mjs but does not declare it`),
    );
    expect(undeclared).toEqual([]);
  });

  it("every runbook in the known runbook list has its file under runbooks/", () => {
    const missing = RUNBOOKS.filter((r) => !existsSync(join(root, runbookPath(r)))).map(runbookPath);
    expect(missing).toEqual([]);
  });

  it("every known runbook's file declares the same id", () => {
    const wrong = RUNBOOKS.filter((r) => !new RegExp(`id:\\s*["']${r}["']`).test(readFileSync(join(root, runbookPath(r)), "utf8")));
    expect(wrong).toEqual([]);
  });
});

describe("alertPageProblems (docs/alerts/ against the catalog)", () => {
  const sample = alerts.filter((a) => a.name === "RdsFailoverDetected" || a.name === "RdsCpuHigh");
  let dir = "";
  const fixture = (pages: Record<string, string>, runbooks: string[] = []) => {
    dir = mkdtempSync(join(tmpdir(), "gw-alert-pages-"));
    mkdirSync(join(dir, "docs", "alerts"), { recursive: true });
    mkdirSync(join(dir, "runbooks"));
    for (const [path, text] of Object.entries(pages)) writeFileSync(join(dir, path), text);
    for (const r of runbooks) writeFileSync(join(dir, "runbooks", `${r}.mjs`), "");
    return dir;
  };
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reports nothing when every alert has its page and every named runbook exists", () => {
    const root = fixture(
      { [alertPagePath("RdsCpuHigh")]: "# RdsCpuHigh", [alertPagePath("RdsFailoverDetected")]: "Run [db-failover](../../runbooks/db-failover.mjs)" },
      ["db-failover"],
    );
    expect(alertPageProblems(root, sample)).toEqual([]);
  });

  it("fails when an alert's page does not exist", () => {
    const root = fixture({ [alertPagePath("RdsCpuHigh")]: "# RdsCpuHigh" });
    expect(alertPageProblems(root, sample)).toEqual(["RdsFailoverDetected: docs/alerts/rds-failover-detected.md does not exist"]);
  });

  it("fails when a page names an executable runbook that does not exist", () => {
    const root = fixture({ [alertPagePath("RdsCpuHigh")]: "# RdsCpuHigh", [alertPagePath("RdsFailoverDetected")]: "npx zx runbooks/db-failover.mjs" });
    expect(alertPageProblems(root, sample)).toEqual(["docs/alerts/rds-failover-detected.md: names runbooks/db-failover.mjs, which does not exist"]);
  });

  it("fails when a page belongs to no alert", () => {
    const root = fixture({ [alertPagePath("RdsCpuHigh")]: "x", [alertPagePath("RdsFailoverDetected")]: "x", "docs/alerts/old-alert.md": "x" });
    expect(alertPageProblems(root, sample)).toEqual(["docs/alerts/old-alert.md: no alert has this page"]);
  });

  // Runs against the real tree. Until the docs generator creates docs/alerts/, there is nothing to compare and it reports [].
  it("the repository's docs/alerts/ matches the catalog and links only existing runbooks", () => {
    expect(alertPageProblems(root)).toEqual([]);
  });
});
