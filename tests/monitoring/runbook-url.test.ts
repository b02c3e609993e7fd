/** Every alert links into the published on-call site: the URL comes from config/oncall.ts and is validated there. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadOncall } from "../../config";
import { oncall } from "../../config/oncall";
import { alerts, alertSlug } from "../../monitoring/alerts";
import { RULES_DIR, type RuleGroup } from "../../monitoring/prometheus/rules";
import { readYaml, root } from "./helpers";

/** Every alert rule in the committed rule files, shared and per environment. */
function committedAlertRules() {
  const files = ["", "environments"].flatMap((sub) =>
    readdirSync(join(root, RULES_DIR, sub))
      .filter((f) => f.endsWith(".rules.yaml"))
      .map((f) => join(RULES_DIR, sub, f)),
  );
  return files.flatMap((f) => readYaml<{ groups: RuleGroup[] }>(f).groups.flatMap((g) => g.rules.filter((r) => r.alert)));
}

describe("runbook_url", () => {
  it("of every alert in the committed rule files starts with the configured docs site URL", () => {
    const rules = committedAlertRules();
    expect(new Set(rules.map((r) => r.alert))).toEqual(new Set(alerts.map((a) => a.name)));
    const wrong = rules
      .filter((r) => r.annotations?.runbook_url !== `${oncall.docsSiteUrl}/alerts/${alertSlug(r.alert!)}`)
      .map((r) => `${r.alert}: ${r.annotations?.runbook_url}`);
    expect(wrong).toEqual([]);
  });
});

describe("config/oncall.ts docsSiteUrl", () => {
  it("accepts an https origin", () => {
    expect(loadOncall({ docsSiteUrl: "https://oncall.example.com" }).docsSiteUrl).toBe("https://oncall.example.com");
    expect(loadOncall({ docsSiteUrl: "https://docs.internal.example.com:8443" }).docsSiteUrl).toBe("https://docs.internal.example.com:8443");
  });

  const expected = "an https origin with no path or trailing slash, such as https://oncall.example.com";
  it.each([
    ["plain http", "http://oncall.example.com"],
    ["a trailing slash", "https://oncall.example.com/"],
    ["a path", "https://example.github.io/groundwork"],
    ["no host", "https://"],
    ["not a URL", "oncall.example.com"],
  ])("fails with one line naming the field when the URL has %s", (_case, url) => {
    let error: unknown;
    try {
      loadOncall({ docsSiteUrl: url });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`config/oncall: docsSiteUrl is ${JSON.stringify(url)}; expected ${expected}`);
  });

  it("fails when the field is missing or misspelt", () => {
    expect(() => loadOncall({})).toThrow("config/oncall: docsSiteUrl is undefined; expected a string");
    expect(() => loadOncall({ docsSiteUrl: "https://oncall.example.com", docSiteUrl: "x" })).toThrow(/^config\/oncall: docSiteUrl is "x"; expected no such field/);
  });
});
