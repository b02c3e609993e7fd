/** markdownlint-cli2 passes on every Markdown file with the committed config. */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./helpers";

const bin = join(root, "node_modules", "markdownlint-cli2", "markdownlint-cli2-bin.mjs");
const lint = (cwd: string) => {
  const r = spawnSync(process.execPath, [bin], { cwd, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
};

describe("markdownlint", () => {
  it("passes on all Markdown in the repository (npm run lint:md)", () => {
    const { status, output } = lint(root);
    expect(output, output).toMatch(/Summary: 0 error/);
    expect(status, output).toBe(0);
    // The globs must reach the docs, the runbooks and the README, not lint an empty set.
    const linted = Number(/Linting: (\d+) file/.exec(output)?.[1]);
    expect(linted).toBeGreaterThan(40);
  });

  it("fails on a finding with the committed config, and allows the site's own component", () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-mdlint-"));
    try {
      copyFileSync(join(root, ".markdownlint-cli2.jsonc"), join(dir, ".markdownlint-cli2.jsonc"));
      writeFileSync(join(dir, "ok.md"), '# Fine\n\n<DrillHistory id="db-failover" />\n');
      expect(lint(dir).status).toBe(0);
      writeFileSync(join(dir, "bad.md"), "# Bad\n\n<div>raw html</div>\n\n```\nno language\n```\n");
      const { status, output } = lint(dir);
      expect(status).toBe(1);
      expect(output).toContain("bad.md:3:1 error MD033/no-inline-html");
      expect(output).toContain("MD040/fenced-code-language");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
