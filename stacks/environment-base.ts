import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, type TerraformStack } from "cdktf";
import type { EnvironmentConfig, StateStoreConfig } from "../config/schema";

/**
 * What every stack of an environment starts with: state in the shared bucket
 * under `stateKey` (encrypted with the state key, S3-native locking) and the
 * AWS provider locked to the environment's account with its default tags.
 */
export function environmentBase(stack: TerraformStack, config: EnvironmentConfig, state: StateStoreConfig, stateKey: string): AwsProvider {
  new S3Backend(stack, {
    bucket: state.bucketName,
    key: stateKey,
    region: state.account.region,
    encrypt: true,
    // The key lives in the state account: cross-account use needs the alias ARN, not the bare alias.
    kmsKeyId: `arn:aws:kms:${state.account.region}:${state.account.id}:${state.kmsAlias}`,
  });
  // S3-native state locking (Terraform >= 1.10); CDKTF 0.21's S3Backend has no property for it.
  stack.addOverride("terraform.backend.s3.use_lockfile", true);

  return new AwsProvider(stack, "aws", {
    region: config.account.region,
    allowedAccountIds: [config.account.id],
    defaultTags: [{ tags: { ...config.tags, stack: stack.node.id } }],
  });
}
