import type { z } from "zod";
import type { stateStoreSchema } from "./schema";

/**
 * Where every environment keeps its Terraform state: one bucket in the
 * shared-services account, created once by the `bootstrap` stack. Each
 * environment account may read and write only its own key prefix.
 */
export const state = {
  account: { id: "444444444444", region: "eu-west-1" },
  bucketName: "groundwork-terraform-state-444444444444",
  kmsAlias: "alias/groundwork-terraform-state",
  noncurrentVersionDays: 90,
  tags: { project: "groundwork", owner: "platform-team", "cost-center": "platform" },
} satisfies z.input<typeof stateStoreSchema>;
