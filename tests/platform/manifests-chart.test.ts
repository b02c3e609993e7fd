/** Render charts/manifests with the real helm binary (scripts/setup-helm.sh puts it in .gen/bin/). */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { platform, valuesOf } from "./fixture";

const HELM = resolve(".gen/bin/helm");
const CHART = resolve("charts/manifests");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function template(values: object): { ok: true; docs: unknown[] } | { ok: false; error: string } {
  const dir = mkdtempSync(join(tmpdir(), "gw-manifests-"));
  dirs.push(dir);
  writeFileSync(join(dir, "values.json"), JSON.stringify(values));
  try {
    const out = execFileSync(HELM, ["template", "test", CHART, "-f", join(dir, "values.json")], { stdio: "pipe" }).toString();
    return { ok: true, docs: YAML.parseAllDocuments(out).map((d) => d.toJSON()).filter(Boolean) };
  } catch (e) {
    return { ok: false, error: (e as { stderr: Buffer }).stderr.toString() };
  }
}

describe("charts/manifests (needs .gen/bin/helm: bash scripts/setup-helm.sh)", () => {
  it("renders the Karpenter NodePools and EC2NodeClass as separate documents", () => {
    const values = valuesOf(platform().releases["karpenter-node-pools"]);
    const result = template(values);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.docs).toEqual(values.manifests);
  });

  it("renders nothing for no manifests", () => {
    const result = template({ manifests: [] });
    expect(result).toEqual({ ok: true, docs: [] });
  });

  it("fails when an object has no kind", () => {
    const result = template({ manifests: [{ apiVersion: "v1", metadata: { name: "x" } }] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain("manifests[0] needs apiVersion, kind and metadata");
  });
});
