/**
 * Per-stack lookups of the account, region and partition the stack deploys
 * into, created once per stack and shared by every construct in it.
 */
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";

function singleton<T>(scope: Construct, id: string, create: (stack: TerraformStack) => T): T {
  const stack = TerraformStack.of(scope);
  return (stack.node.tryFindChild(id) as T | undefined) ?? create(stack);
}

export interface AwsContext {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly dnsSuffix: string;
}

/** Account id, region name and partition of the stack that contains `scope`. */
export function awsContext(scope: Construct): AwsContext {
  const identity = singleton(scope, "CallerIdentity", (s) => new DataAwsCallerIdentity(s, "CallerIdentity"));
  const region = singleton(scope, "Region", (s) => new DataAwsRegion(s, "Region"));
  const partition = singleton(scope, "Partition", (s) => new DataAwsPartition(s, "Partition"));
  return {
    accountId: identity.accountId,
    region: region.name,
    partition: partition.partition,
    dnsSuffix: partition.dnsSuffix,
  };
}
