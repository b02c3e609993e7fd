/** An encrypted gp3 StorageClass for the EBS CSI driver (EKS add-on), used by Prometheus and Alertmanager volumes. */
import { Construct } from "constructs";
import { Manifests } from "./manifests";
import type { PlatformReleaseProps } from "./release";

export interface Gp3StorageClassProps extends PlatformReleaseProps {
  /**
   * StorageClass name.
   * @default "gp3"
   */
  readonly name?: string;
  /**
   * KMS key ARN for the volumes.
   * @default - the account's default EBS key (aws/ebs)
   */
  readonly kmsKeyArn?: string;
  /**
   * What happens to a volume when its claim is deleted. `Delete` lets `destroy` finish without orphaned volumes.
   * @default "Delete"
   */
  readonly reclaimPolicy?: "Delete" | "Retain";
}

/** A StorageClass `gp3`: encrypted, expandable, bound in the pod's zone. */
export class Gp3StorageClass extends Construct {
  readonly name: string;
  readonly manifests: Manifests;

  constructor(scope: Construct, id: string, props: Gp3StorageClassProps = {}) {
    super(scope, id);
    this.name = props.name ?? "gp3";
    this.manifests = new Manifests(this, "manifests", {
      releaseName: "storage-classes",
      namespace: props.namespace ?? "kube-system",
      dependsOn: props.dependsOn,
      manifests: [
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: { name: this.name },
          provisioner: "ebs.csi.aws.com",
          parameters: { type: "gp3", encrypted: "true", ...(props.kmsKeyArn ? { kmsKeyId: props.kmsKeyArn } : {}) },
          reclaimPolicy: props.reclaimPolicy ?? "Delete",
          allowVolumeExpansion: true,
          volumeBindingMode: "WaitForFirstConsumer",
        },
      ],
    });
  }
}
