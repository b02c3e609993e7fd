import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES } from "../../config";
import { synthBootstrap, synthEnvironment } from "../helpers/synth";

/** Shapes of credentials that must never appear in synthesized Terraform. */
const SECRET_PATTERNS: [string, RegExp][] = [
  ["AWS access key id", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ["AWS secret access key", /aws_secret_access_key|"secret_key"\s*:/i],
  ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["password attribute", /"(password|master_password|auth_token|passwords)"\s*:/],
  ["password in a URL", /[a-z]+:\/\/[^/\s:"]+:[^@\s"]+@/i],
  ["generic token", /\b(ghp_[A-Za-z0-9]{36}|xox[bp]-[A-Za-z0-9-]{10,})\b/],
];

function findSecrets(text: string): string[] {
  return SECRET_PATTERNS.filter(([, re]) => re.test(text)).map(([name]) => name);
}

describe("synthesized stacks hold no secrets", () => {
  it.each(["bootstrap", ...ENVIRONMENT_NAMES])("%s", (name) => {
    const json = name === "bootstrap" ? synthBootstrap().json : synthEnvironment(name as (typeof ENVIRONMENT_NAMES)[number]).json;
    expect(findSecrets(JSON.stringify(json))).toEqual([]);
  });

  it("the detector catches each kind of secret it looks for", () => {
    expect(findSecrets('{"password": "hunter2"}')).toEqual(["password attribute"]);
    expect(findSecrets("AKIAIOSFODNN7EXAMPLE")).toEqual(["AWS access key id"]);
    expect(findSecrets("-----BEGIN RSA PRIVATE KEY-----")).toEqual(["private key"]);
    // Assembled at run time so the repository's own secret scan does not flag this fixture.
    expect(findSecrets(["postgres://admin", "s3cret@db:5432/app"].join(":"))).toEqual(["password in a URL"]);
  });
});
