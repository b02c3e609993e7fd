import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { Construct } from "constructs";
import { EncryptionKey } from "../security/encryption-key";

export interface RegistryProps {
  /** Prefix for the registry's KMS alias, such as `groundwork-prod`. */
  readonly name: string;
  /** Repository names, one per service. */
  readonly repositories: readonly string[];
  /**
   * Tagged images kept per repository; older ones expire.
   * @default 50
   */
  readonly keepTaggedImages?: number;
  /**
   * Days an untagged image is kept.
   * @default 14
   */
  readonly untaggedImageDays?: number;
}

/** ECR repositories with immutable tags, scan on push, KMS encryption and image expiry. */
export class Registry extends Construct {
  /** Repository URL by repository name. */
  readonly repositoryUrls: Record<string, string> = {};

  constructor(scope: Construct, id: string, props: RegistryProps) {
    super(scope, id);
    if (new Set(props.repositories).size !== props.repositories.length) {
      throw new Error(`Registry ${props.name}: repositories ${JSON.stringify(props.repositories)} contain duplicates; expected unique names`);
    }
    const keep = props.keepTaggedImages ?? 50;
    const untaggedDays = props.untaggedImageDays ?? 14;
    const key = new EncryptionKey(this, "key", { description: `ECR images of ${props.name}`, alias: `${props.name}/ecr` });
    const policy = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: `expire untagged images after ${untaggedDays} days`,
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedDays },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: `keep the newest ${keep} tagged images`,
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
          action: { type: "expire" },
        },
      ],
    });
    for (const name of props.repositories) {
      // ECR names may contain "/", which construct ids may not.
      const scope = new Construct(this, name.replaceAll("/", "_"));
      const repo = new EcrRepository(scope, "repository", {
        name,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: key.arn }],
        forceDelete: false,
      });
      new EcrLifecyclePolicy(scope, "lifecycle", { repository: repo.name, policy });
      this.repositoryUrls[name] = repo.repositoryUrl;
    }
  }
}
