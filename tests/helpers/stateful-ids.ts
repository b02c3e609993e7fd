/**
 * Logical ids of the resources that hold data or identity. Changing one makes
 * Terraform destroy and recreate the real resource, so the list is committed
 * (tests/unit/stateful-ids.json) and a test fails when it changes.
 * Regenerate after an intended, migrated rename: `npx tsx scripts/stateful-ids.ts --write`.
 */
import { ENVIRONMENT_NAMES } from "../../config";
import { synthBootstrap, synthEnvironment, type Synth } from "./synth";

export const STATEFUL_TYPES = [
  "aws_s3_bucket",
  "aws_kms_key",
  "aws_vpc",
  "aws_eks_cluster",
  "aws_eks_node_group",
  "aws_db_instance",
  "aws_elasticache_replication_group",
  "aws_ecr_repository",
] as const;

function ids(stack: Synth): string[] {
  return STATEFUL_TYPES.flatMap((type) => Object.keys(stack.resources(type)).map((id) => `${type}.${id}`)).sort();
}

export function statefulIds(): Record<string, string[]> {
  const result: Record<string, string[]> = { bootstrap: ids(synthBootstrap()) };
  for (const env of ENVIRONMENT_NAMES) result[env] = ids(synthEnvironment(env));
  return result;
}
