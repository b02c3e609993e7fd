import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig, StateStoreConfig } from "../config/schema";
import { StateBucket } from "../modules/state/state-bucket";

export interface BootstrapStackProps {
  readonly state: StateStoreConfig;
  /** Environments that keep their state in the bucket, each under its own prefix. */
  readonly environments: readonly Pick<EnvironmentConfig, "name" | "account">[];
}

/**
 * The state store every environment stack's S3 backend uses. Deployed once,
 * with local state (it cannot keep its state in the bucket it creates).
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBucket: StateBucket;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    // Kept beside the repository (git-ignored), not in cdktf.out/, so a clean synth cannot delete it.
    new LocalBackend(this, { path: "../../../terraform/bootstrap.tfstate" });
    new AwsProvider(this, "aws", {
      region: props.state.account.region,
      allowedAccountIds: [props.state.account.id],
      defaultTags: [{ tags: { ...props.state.tags, stack: id } }],
    });
    this.stateBucket = new StateBucket(this, "state", {
      bucketName: props.state.bucketName,
      kmsAlias: props.state.kmsAlias.replace(/^alias\//, ""),
      noncurrentVersionDays: props.state.noncurrentVersionDays,
      tenants: props.environments.map((e) => ({ accountId: e.account.id, prefix: e.name })),
    });
    new TerraformOutput(this, "state_bucket", { value: this.stateBucket.bucketName });
    new TerraformOutput(this, "state_kms_key_arn", { value: this.stateBucket.key.arn });
  }
}
