/** The gate's console output: one table of findings per stack, then errors and warnings. */
import type { Finding, Report } from "./gate";

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  // The last column (fix) is not padded: it is free text and may be long.
  return rows.map((r) => `  ${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ")}`.trimEnd());
}

function findingRows(findings: readonly Finding[], last: (f: Finding) => string, lastHeader: string): string[] {
  return table([["RULE", "SEVERITY", "RESOURCE", "PROBLEM", lastHeader], ...findings.map((f) => [f.ruleId, f.severity, f.address, f.message, last(f)])]);
}

/** Human-readable summary of one gate run. */
export function formatReports(reports: readonly Report[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const { violations, suppressed, notEnforced, resources, checks } = r.counts;
    lines.push(
      `${r.passed ? "PASS" : "FAIL"} ${r.stack} (${r.kind ?? "unscoped"}): ${violations} violation(s), ${suppressed} suppressed, ${notEnforced} not enforced, ${r.errors.length} error(s); ${checks} checks on ${resources} resources`,
    );
    const violating = r.findings.filter((f) => f.status === "violation");
    if (violating.length > 0) lines.push(...findingRows(violating, (f) => f.fix, "FIX"));
    const accepted = r.findings.filter((f) => f.status !== "violation");
    if (accepted.length > 0) {
      lines.push("  accepted:");
      lines.push(...findingRows(accepted, (f) => `${f.status}: ${f.reason ?? ""}`, "WHY ACCEPTED"));
    }
    for (const e of r.errors) lines.push(`  error: ${e}`);
    for (const w of r.warnings) lines.push(`  warning: ${w}`);
  }
  const failed = reports.filter((r) => !r.passed).map((r) => r.stack);
  lines.push(failed.length === 0 ? `Policy gate passed for ${reports.length} stack(s).` : `Policy gate FAILED for: ${failed.join(", ")}`);
  return lines.join("\n");
}
