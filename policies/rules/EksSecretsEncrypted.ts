import type { ResourceRule } from "../types";
import { block, fail, isSet, pass, strings } from "../lib/values";

/** EKS envelope-encrypts Kubernetes secrets with a KMS key. */
export const EksSecretsEncrypted: ResourceRule = {
  id: "CKV_AWS_58",
  title: "EKS cluster encrypts Kubernetes secrets with KMS",
  scope: "resource",
  resourceTypes: ["aws_eks_cluster"],
  severity: "high",
  fix: 'Set encryptionConfig: { resources: ["secrets"], provider: { keyArn: <KMS key ARN> } } on the EksCluster.',
  check(cluster) {
    const config = block(cluster.values.encryption_config);
    if (!config) return fail("encryption_config is absent");
    if (!strings(config.resources).includes("secrets")) return fail('encryption_config.resources does not include "secrets"');
    if (!isSet(block(config.provider)?.key_arn)) return fail("encryption_config.provider.key_arn is absent");
    return pass();
  },
};
