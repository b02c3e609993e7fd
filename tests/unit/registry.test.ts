import { describe, expect, it } from "vitest";
import { services } from "../../config/services";
import { synthEnvironment } from "../helpers/synth";

describe("registry", () => {
  const stack = synthEnvironment("staging");

  it("has one repository per catalog service", () => {
    const repos = Object.values(stack.resources("aws_ecr_repository"));
    expect(repos.map((r) => r.name).sort()).toEqual(services.map((s) => s.repository).sort());
  });

  it("makes tags immutable, scans on push and encrypts with a CMK", () => {
    for (const repo of Object.values(stack.resources("aws_ecr_repository"))) {
      expect(repo).toMatchObject({ image_tag_mutability: "IMMUTABLE", image_scanning_configuration: { scan_on_push: true }, force_delete: false });
      expect(repo.encryption_configuration).toEqual([{ encryption_type: "KMS", kms_key: expect.stringMatching(/aws_kms_key\.registry_key/) }]);
    }
  });

  it("expires untagged images and keeps a bounded number of tagged ones", () => {
    const policies = Object.values(stack.resources("aws_ecr_lifecycle_policy"));
    expect(policies).toHaveLength(services.length);
    const rules = JSON.parse(policies[0].policy).rules;
    expect(rules.map((r: any) => r.selection.tagStatus)).toEqual(["untagged", "any"]);
    expect(rules[1].selection.countNumber).toBe(50);
  });
});
