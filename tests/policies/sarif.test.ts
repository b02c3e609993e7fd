/** The SARIF log has the shape GitHub code scanning accepts. */
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policies/gate";
import { rules } from "../../policies/rules";
import { toSarif } from "../../policies/sarif";
import { goodDb, stackJson } from "./fixtures";

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }; logicalLocations: { name: string; fullyQualifiedName: string }[] }[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: string; justification: string }[];
}
interface SarifLog {
  version: string;
  $schema: string;
  runs: { tool: { driver: { name: string; rules: { id: string; shortDescription: { text: string }; help: { text: string }; defaultConfiguration: { level: string }; properties: Record<string, unknown> }[] } }; results: SarifResult[] }[];
}

const json = stackJson({
  "aws_db_instance.db": { ...goodDb, multi_az: false, deletion_protection: false, "//": { groundwork_suppressions: [{ rule: "CKV_AWS_293", reason: "test database, recreated daily" }] } },
  "aws_security_group.sg": { ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"] }] },
});
const report = evaluate("prod", json, { kind: "environment", notEnforced: { GW_BASELINE_GUARDDUTY: "baseline lands next sprint" } });
const sarif = toSarif([report], { artifactUri: (s) => `cdktf.out/stacks/${s}/cdk.tf.json`, lineOf: (_s, a) => (a === "aws_db_instance.db" ? 12 : undefined) }) as SarifLog;
const [run] = sarif.runs;
const result = (ruleId: string) => run.results.find((r) => r.ruleId === ruleId)!;

describe("toSarif", () => {
  it("is a SARIF 2.1.0 log with one run", () => {
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toBe("https://json.schemastore.org/sarif-2.1.0.json");
    expect(sarif.runs).toHaveLength(1);
    expect(run.tool.driver.name).toBe("groundwork-policy-gate");
  });

  it("describes every rule once, with a level, help text and a GitHub security-severity", () => {
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(rules.map((r) => r.id));
    const multiAz = run.tool.driver.rules.find((r) => r.id === "CKV_AWS_157")!;
    expect(multiAz.shortDescription.text).toBe("RDS instance is Multi-AZ");
    expect(multiAz.help.text).toMatch(/^Set multiAz: true/);
    expect(multiAz.defaultConfiguration.level).toBe("warning");
    expect(multiAz.properties["security-severity"]).toBe("5.5");
  });

  it("gives every result a known rule, its index, a level, a message and locations", () => {
    expect(run.results.length).toBe(report.findings.length);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(["error", "warning", "note"]).toContain(r.level);
      expect(r.message.text.length).toBeGreaterThan(0);
      expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe("cdktf.out/stacks/prod/cdk.tf.json");
      expect(r.partialFingerprints["groundworkFinding/v1"]).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("uses the construct path as the logical location and the resource's line as the region", () => {
    const r = result("CKV_AWS_157");
    expect(r.level).toBe("warning");
    expect(r.message.text).toBe(`prod: aws_db_instance.db: multi_az is false. Fix: ${rules.find((x) => x.id === "CKV_AWS_157")!.fix}`);
    expect(r.locations[0].logicalLocations).toEqual([{ name: "aws_db_instance.db", fullyQualifiedName: "test/db", kind: "object" }]);
    expect(r.locations[0].physicalLocation.region.startLine).toBe(12);
    expect(result("CKV_AWS_24").locations[0].physicalLocation.region.startLine).toBe(1);
    expect(result("CKV_AWS_24").level).toBe("error");
  });

  it("marks suppressed findings in source and not-enforced findings as external, with the reason", () => {
    expect(result("CKV_AWS_157").suppressions).toBeUndefined();
    expect(result("CKV_AWS_293").suppressions).toEqual([{ kind: "inSource", status: "accepted", justification: "test database, recreated daily" }]);
    expect(result("GW_BASELINE_GUARDDUTY").suppressions).toEqual([{ kind: "external", status: "accepted", justification: "baseline lands next sprint" }]);
    expect(result("GW_BASELINE_GUARDDUTY").locations[0].logicalLocations[0]).toEqual({ name: "stack:prod", fullyQualifiedName: "prod", kind: "module" });
  });
});
