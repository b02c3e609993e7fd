/**
 * .github/scripts/env-facts.ts: the workflows' only source of account ids,
 * role ARNs, cluster names and URLs, all derived from config/.
 */
import { describe, expect, it } from "vitest";
import { environments } from "../../config";
import { services } from "../../config/services";
import { catalogFacts, environmentFacts, formatOutputs, main, serviceFacts } from "../../.github/scripts/env-facts";

describe("env-facts", () => {
  it("derives every environment's account, cluster, URL and OIDC roles from config/", () => {
    for (const env of environments) {
      const f = environmentFacts(env.name);
      expect(f.account).toBe(env.account.id);
      expect(f.region).toBe(env.account.region);
      expect(f.cluster).toBe(`groundwork-${env.name}`);
      expect(f.url).toBe(`https://api.${env.services.domain}`);
      expect(f.registry).toBe(`${env.account.id}.dkr.ecr.${env.account.region}.amazonaws.com`);
      for (const role of ["plan", "deploy", "images", "drill"]) {
        expect(f[`${role}-role-arn`]).toBe(`arn:aws:iam::${env.account.id}:role/groundwork-github-${role}`);
      }
    }
  });

  it("prints GitHub output lines", () => {
    expect(main(["env", "staging"])).toContain("deploy-role-arn=arn:aws:iam::222222222222:role/groundwork-github-deploy\n");
    expect(main(["service", "api-gateway"])).toBe("name=api-gateway\nrepository=groundwork/api-gateway\nport=8080");
    expect(JSON.parse(catalogFacts().environments)).toEqual(environments.map((e) => e.name));
    expect(serviceFacts(services[0].name).repository).toBe(services[0].repository);
  });

  it("fails when asked for an environment or service config/ does not define", () => {
    expect(() => environmentFacts("qa")).toThrow('environment is "qa"; expected one of dev, staging, prod');
    expect(() => serviceFacts("nope")).toThrow(/^service is "nope"; expected one of api-gateway/);
    expect(() => main(["deploy"])).toThrow("usage: env-facts.ts catalog | env <name> | service <name>");
  });

  it("fails when a value would inject a second output line", () => {
    expect(() => formatOutputs({ a: "x\nb=y" })).toThrow("a holds a newline");
  });
});
