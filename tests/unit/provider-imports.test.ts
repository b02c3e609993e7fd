/**
 * Provider classes are imported by deep path (`@cdktf/provider-aws/lib/<resource>`),
 * never from a provider's barrel (`@cdktf/provider-aws`, `.../lib`,
 * `.../lib/index`): the barrel loads every resource class of the provider,
 * which multiplies synth time and memory (STYLE.md, "Constructs").
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");
const SCANNED = ["main.ts", "config", "stacks", "modules", "policies", "scripts", "runbooks", "tests"];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIP_DIRS = new Set(["node_modules", ".gen", "cdktf.out", "records", "journal", "results"]);

/** Module specifiers of `@cdktf/provider-*` in import/export-from, dynamic import() and require() calls. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["'](@cdktf\/provider-[^"']*)["']/g;
/** The allowed form: one resource module under lib/. */
const DEEP = /^@cdktf\/provider-[a-z0-9-]+\/lib\/(?!index$)[a-z0-9-]+(\/index)?$/;

/** Barrel imports in one file's text, as `line: specifier`. */
function barrelImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    if (DEEP.test(m[1])) continue;
    found.push(`${text.slice(0, m.index).split("\n").length}: ${m[1]}`);
  }
  return found;
}

function files(rel: string): string[] {
  const abs = path.join(root, rel);
  let st;
  try {
    st = statSync(abs);
  } catch {
    return [];
  }
  if (st.isFile()) return SOURCE.test(rel) ? [rel] : [];
  return readdirSync(abs, { withFileTypes: true })
    .filter((d) => !(d.isDirectory() && SKIP_DIRS.has(d.name)))
    .flatMap((d) => files(path.join(rel, d.name)));
}

describe("provider imports", () => {
  // Assembled here so this file does not contain the imports it forbids.
  const aws = ["@cdktf", "provider-aws"].join("/");

  it("tells a barrel import from a deep one", () => {
    expect(barrelImports(`import { S3Bucket } from "${aws}";`)).toEqual([`1: ${aws}`]);
    expect(barrelImports(`import * as aws from '${aws}/lib';\nexport { x } from "${aws}/lib/index";`)).toEqual([`1: ${aws}/lib`, `2: ${aws}/lib/index`]);
    expect(barrelImports(`const { provider } = await import("${aws}");\nrequire("${aws.replace("aws", "kubernetes")}")`)).toEqual([`1: ${aws}`, `2: ${aws.replace("aws", "kubernetes")}`]);
    expect(barrelImports(`import {\n  S3Bucket,\n} from "${aws}/lib/s3-bucket";\nimport { Release } from "${aws.replace("aws", "helm")}/lib/release";`)).toEqual([]);
  });

  it("fails when any workspace file imports a provider's barrel", () => {
    const scanned = SCANNED.flatMap(files);
    expect(scanned.length).toBeGreaterThan(100);
    // The scan reaches the files that import providers (the deep way).
    const deep = scanned.filter((f) => readFileSync(path.join(root, f), "utf8").includes(`"${aws}/lib/`));
    expect(deep.some((f) => f.startsWith(`modules${path.sep}`))).toBe(true);
    expect(deep.some((f) => f.startsWith(`stacks${path.sep}`))).toBe(true);
    const offenders = scanned.flatMap((f) => barrelImports(readFileSync(path.join(root, f), "utf8")).map((hit) => `${f}:${hit}`));
    expect(offenders).toEqual([]);
  });
});
