/**
 * SARIF 2.1.0 for GitHub code scanning: one run, every rule in
 * `tool.driver.rules`, one result per finding. Suppressed and not-enforced
 * findings carry a `suppressions` entry, so code scanning shows them as
 * dismissed with the reason instead of as open alerts.
 * https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
 */
import { createHash } from "node:crypto";
import type { Report } from "./gate";
import { rules as allRules } from "./rules";
import type { Rule, Severity } from "./types";

/** SARIF `level` for each severity. */
export const SARIF_LEVEL: Readonly<Record<Severity, "error" | "warning" | "note">> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

/** GitHub's `security-severity` score for each severity (critical > 9, high 7-8.9, medium 4-6.9, low < 4). */
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

export interface SarifOptions {
  /** Path of a stack's `cdk.tf.json` relative to the repository root, such as `cdktf.out/stacks/dev/cdk.tf.json`. */
  readonly artifactUri: (stack: string) => string;
  /** 1-based line of a resource in that file, when known. */
  readonly lineOf?: (stack: string, address: string) => number | undefined;
  /** @default every rule in `policies/rules` */
  readonly rules?: readonly Rule[];
}

/** The SARIF log for the reports of one gate run. */
export function toSarif(reports: readonly Report[], options: SarifOptions): object {
  const rules = options.rules ?? allRules;
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = reports.flatMap((report) =>
    report.findings.map((f) => ({
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId),
      level: SARIF_LEVEL[f.severity],
      message: { text: `${report.stack}: ${f.address}: ${f.message}. Fix: ${f.fix}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: options.artifactUri(report.stack), uriBaseId: "%SRCROOT%" },
            region: { startLine: options.lineOf?.(report.stack, f.address) ?? 1 },
          },
          logicalLocations: [{ name: f.address, fullyQualifiedName: f.path, kind: f.address.startsWith("stack:") ? "module" : "object" }],
        },
      ],
      partialFingerprints: {
        "groundworkFinding/v1": createHash("sha256").update(`${report.stack}|${f.address}|${f.ruleId}`).digest("hex"),
      },
      ...(f.status === "violation"
        ? {}
        : { suppressions: [{ kind: f.status === "suppressed" ? "inSource" : "external", status: "accepted", justification: f.reason ?? "" }] }),
    })),
  );
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "groundwork-policy-gate",
            informationUri: "https://www.checkov.io/5.Policy%20Index/terraform.html",
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.title },
              fullDescription: { text: r.title },
              help: { text: r.fix },
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
              properties: { tags: ["security", "terraform"], "security-severity": SECURITY_SEVERITY[r.severity] },
            })),
          },
        },
        results,
      },
    ],
  };
}
