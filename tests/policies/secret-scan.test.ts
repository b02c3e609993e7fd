/**
 * Secret scan: the repository's files and the synthesized Terraform JSON hold
 * no secrets, and the scanner really finds one when there is one.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scanForSecrets } from "./secretlint";
import { synthesizeApp } from "./synth";

const root = new URL("../..", import.meta.url).pathname;
const temporary: string[] = [];
afterAll(() => temporary.forEach((d) => rmSync(d, { recursive: true, force: true })));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe("secret scan", () => {
  it("finds no secrets in the files git tracks or would add", () => {
    // Tracked files plus untracked files that are not ignored: a secret is caught before it is committed.
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
      .split("\0")
      .filter((f) => f !== "" && existsSync(join(root, f)));
    expect(files.length).toBeGreaterThan(20);
    expect(scanForSecrets(files)).toEqual([]);
  });

  it("finds no secrets in the synthesized stacks", async () => {
    const outdir = await synthesizeApp();
    temporary.push(outdir);
    const files = filesUnder(outdir);
    expect(files.filter((f) => f.endsWith("cdk.tf.json")).length).toBeGreaterThan(0);
    expect(scanForSecrets(files, outdir)).toEqual([]);
  });

  it("fails when a file holds an AWS secret access key, a private key or a database password", () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-secret-canary-"));
    temporary.push(dir);
    // Built at run time so this test file itself stays clean for the scan above.
    const secretKey = ["wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYZ3XK9Q2LRT"].join("/");
    writeFileSync(join(dir, "deploy.env"), `AWS_SECRET_ACCESS_KEY=${secretKey}\n`);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    writeFileSync(join(dir, "id_rsa"), privateKey);
    // Only the one fixture string in .secretlintrc.json is allowed; any other connection password is caught.
    writeFileSync(join(dir, "app.conf"), `DATABASE_URL=${["postgres://app", "Tr0ub4dor-3@db.internal:5432/app"].join(":")}\n`);
    writeFileSync(join(dir, "clean.txt"), "nothing to see here\n");

    const findings = scanForSecrets(["deploy.env", "id_rsa", "app.conf", "clean.txt"], dir);
    expect(findings.map((f) => [relative(dir, f.file), f.line, f.ruleId])).toEqual([
      ["deploy.env", 1, "@secretlint/secretlint-rule-aws"],
      ["id_rsa", 1, "@secretlint/secretlint-rule-privatekey"],
      ["app.conf", 1, "@secretlint/secretlint-rule-database-connection-string"],
    ]);
    expect(findings[0].message).not.toContain(secretKey);
  });
});
