import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { statefulIds } from "../helpers/stateful-ids";

describe("construct ids of stateful resources", () => {
  it("match the committed list (a rename would replace a real database, cluster or bucket)", () => {
    const committed = JSON.parse(readFileSync(new URL("./stateful-ids.json", import.meta.url), "utf8"));
    // If this fails after a deliberate rename, add a `moved` block for each id and then
    // regenerate with `npx tsx scripts/stateful-ids.ts --write`.
    expect(statefulIds()).toEqual(committed);
  });

  it("cover every stateful kind in every environment", () => {
    const ids = statefulIds();
    for (const env of ["dev", "staging", "prod"]) {
      for (const type of ["aws_vpc", "aws_eks_cluster", "aws_db_instance", "aws_elasticache_replication_group"]) {
        expect(ids[env].some((id) => id.startsWith(`${type}.`)), `${env} ${type}`).toBe(true);
      }
    }
    expect(ids.bootstrap.some((id) => id.startsWith("aws_s3_bucket."))).toBe(true);
  });
});
