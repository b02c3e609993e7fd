/**
 * Physical names of the AWS resources each environment creates. Stacks name
 * resources with these, and runbooks find them with these, so the two cannot
 * disagree. Renaming one replaces a real resource: treat them as a contract.
 */
import type { EnvironmentName } from "./schema";

export interface ResourceNames {
  /** Prefix of every named resource in the environment. */
  readonly prefix: string;
  readonly cluster: string;
  readonly dbInstance: string;
  /** Identifier of read replica `n` (1-based). */
  readonly dbReplica: (n: number) => string;
  readonly dbProxy: string;
  readonly redisGroup: string;
  /** Key of the environment's state object in the state bucket. */
  readonly stateKey: string;
  /** Bucket of Vault's Raft snapshots in the environment's account. */
  readonly vaultSnapshotBucket: (accountId: string) => string;
  /** Bucket of CloudTrail and AWS Config logs in the environment's account. */
  readonly auditBucket: (accountId: string) => string;
}

/** Deterministic name of an environment's Vault snapshot bucket (S3 names are global). */
export function vaultSnapshotBucketName(prefix: string, accountId: string): string {
  return `${prefix}-vault-snapshots-${accountId}`;
}

export function resourceNames(env: EnvironmentName): ResourceNames {
  const prefix = `groundwork-${env}`;
  return {
    prefix,
    cluster: prefix,
    dbInstance: prefix,
    dbReplica: (n) => `${prefix}-replica-${n}`,
    dbProxy: prefix,
    redisGroup: prefix,
    stateKey: `${env}/terraform.tfstate`,
    vaultSnapshotBucket: (accountId) => vaultSnapshotBucketName(prefix, accountId),
    auditBucket: (accountId) => `${prefix}-audit-${accountId}`,
  };
}

/**
 * Roles the delivery pipeline assumes through GitHub OIDC, one set per
 * environment account (created by the environment stack, used by
 * .github/workflows). Renaming one breaks the pipeline.
 */
export const PIPELINE_ROLES = {
  /** Read-only: `cdktf diff` on pull requests. */
  plan: "groundwork-github-plan",
  /** `cdktf deploy`, SSM deploy records, EKS read for the smoke check. */
  deploy: "groundwork-github-deploy",
  /** ECR push to the environment's registry. */
  images: "groundwork-github-images",
  /** The DR drill runbook against the environment. */
  drill: "groundwork-github-drill",
  /** The scheduled revert of temporary scale-outs (runbooks/scale-out.mjs --revert due). */
  scaleOut: "groundwork-github-scale-out",
} as const;
