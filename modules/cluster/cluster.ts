import { DataAwsEksAddonVersion } from "@cdktf/provider-aws/lib/data-aws-eks-addon-version";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Token, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";
import { EncryptedLogGroup } from "../security/log-group";
import { ServiceRole } from "../security/service-role";

/** Every EKS control-plane log type. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

export interface NodeGroupSpec {
  readonly name: string;
  readonly instanceTypes: readonly string[];
  readonly capacityType: "ON_DEMAND" | "SPOT";
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
  readonly diskGiB: number;
  readonly labels?: Record<string, string>;
}

export interface ClusterProps {
  /** Cluster name; also the prefix of its roles, keys and log group. */
  readonly name: string;
  /** Kubernetes version, such as `1.33`. */
  readonly version: string;
  /** Private subnets for the control plane ENIs and the nodes. */
  readonly subnetIds: readonly string[];
  readonly nodeGroups: readonly NodeGroupSpec[];
  /**
   * Serve the Kubernetes API on a public endpoint, limited to `publicAccessCidrs`.
   * The private endpoint is always on.
   * @default false
   */
  readonly publicEndpoint?: boolean;
  /**
   * CIDRs allowed to reach the public endpoint. Required when `publicEndpoint` is true; never 0.0.0.0/0.
   * @default - none
   */
  readonly publicAccessCidrs?: readonly string[];
  /**
   * IAM principals granted cluster-admin through EKS access entries.
   * @default - none: grant access explicitly
   */
  readonly adminPrincipalArns?: readonly string[];
  /**
   * Days to keep control-plane logs.
   * @default 365
   */
  readonly logRetentionDays?: number;
}

/**
 * An EKS cluster with envelope encryption of secrets under a CMK, all
 * control-plane logs, API-mode access entries, an OIDC provider for IRSA,
 * the Pod Identity agent, and managed node groups whose launch template
 * requires IMDSv2 with hop limit 1 and encrypted gp3 volumes.
 */
export class Cluster extends Construct {
  readonly cluster: EksCluster;
  readonly name: string;
  readonly endpoint: string;
  readonly certificateAuthority: string;
  /** Security group EKS attaches to the control plane and every managed node. */
  readonly nodeSecurityGroupId: string;
  readonly oidcProviderArn: string;
  readonly oidcIssuerUrl: string;
  readonly nodeRoleArn: string;
  readonly nodeGroups: EksNodeGroup[] = [];
  /** Resources a workload must wait for: node groups, add-ons and access entries. */
  readonly readyDependencies: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const publicEndpoint = props.publicEndpoint ?? false;
    const publicAccessCidrs = props.publicAccessCidrs ?? [];
    if (publicEndpoint && publicAccessCidrs.length === 0) {
      throw new Error(`Cluster ${props.name}: publicEndpoint is true but publicAccessCidrs is empty; expected at least one admin CIDR`);
    }
    const open = publicAccessCidrs.find((c) => c.endsWith("/0"));
    if (open) throw new Error(`Cluster ${props.name}: publicAccessCidrs contains "${open}"; expected CIDRs narrower than /0`);
    if (props.nodeGroups.length === 0) throw new Error(`Cluster ${props.name}: nodeGroups is empty; expected at least one node group`);
    const { region } = awsContext(this);

    const secretsKey = new EncryptionKey(this, "secrets-key", {
      description: `Kubernetes secrets of EKS cluster ${props.name}`,
      alias: `${props.name}/eks-secrets`,
    });
    const logKey = new EncryptionKey(this, "log-key", {
      description: `Control-plane logs of EKS cluster ${props.name}`,
      alias: `${props.name}/eks-logs`,
      servicePrincipals: [`logs.${region}.amazonaws.com`],
    });
    // Created before the cluster so EKS does not create an unencrypted one with no retention.
    const logGroup = new EncryptedLogGroup(this, "log-group", {
      name: `/aws/eks/${props.name}/cluster`,
      kmsKeyArn: logKey.arn,
      retentionDays: props.logRetentionDays,
    });

    const clusterRole = new ServiceRole(this, "cluster-role", {
      name: `${props.name}-cluster`,
      servicePrincipal: "eks.amazonaws.com",
      extraTrustActions: ["sts:TagSession"],
      sourceAccountCondition: false,
      managedPolicies: ["AmazonEKSClusterPolicy"],
    });

    this.cluster = new EksCluster(this, "cluster", {
      name: props.name,
      version: props.version,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: [...props.subnetIds],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicEndpoint,
        publicAccessCidrs: publicEndpoint ? [...publicAccessCidrs] : undefined,
      },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: secretsKey.arn } },
      enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      // Add-ons are managed below as EKS add-ons, not installed unmanaged by EKS.
      bootstrapSelfManagedAddons: false,
      dependsOn: [logGroup.logGroup],
    });
    this.name = this.cluster.name;
    this.endpoint = this.cluster.endpoint;
    this.certificateAuthority = this.cluster.certificateAuthority.get(0).data;
    this.nodeSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;
    this.oidcIssuerUrl = this.cluster.identity.get(0).oidc.get(0).issuer;

    const oidc = new IamOpenidConnectProvider(this, "oidc-provider", {
      url: this.oidcIssuerUrl,
      clientIdList: ["sts.amazonaws.com"],
    });
    this.oidcProviderArn = oidc.arn;

    const admins = new Construct(this, "admins");
    (props.adminPrincipalArns ?? []).forEach((principalArn, i) => {
      const admin = new Construct(admins, String(i + 1));
      const entry = new EksAccessEntry(admin, "entry", { clusterName: this.cluster.name, principalArn, type: "STANDARD" });
      const association = new EksAccessPolicyAssociation(admin, "cluster-admin", {
        clusterName: this.cluster.name,
        principalArn,
        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        accessScope: { type: "cluster" },
        dependsOn: [entry],
      });
      this.readyDependencies.push(association);
    });

    // Add-ons the nodes need before they can become Ready.
    const addons = new Construct(this, "addons");
    const podIdentityAgent = this.addon(addons, "eks-pod-identity-agent", {});
    const cniRole = this.podIdentityRole(addons, "vpc-cni-role", `${props.name}-vpc-cni`, "AmazonEKS_CNI_Policy");
    const vpcCni = this.addon(addons, "vpc-cni", {
      // Enforce Kubernetes NetworkPolicy in the CNI itself.
      configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
      podIdentity: { serviceAccount: "aws-node", roleArn: cniRole.arn },
      dependsOn: [podIdentityAgent],
    });
    const kubeProxy = this.addon(addons, "kube-proxy", {});

    const nodeRole = new ServiceRole(this, "node-role", {
      name: `${props.name}-node`,
      servicePrincipal: "ec2.amazonaws.com",
      sourceAccountCondition: false,
      managedPolicies: ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"],
    });
    this.nodeRoleArn = nodeRole.arn;
    const nodeAccess = new EksAccessEntry(this, "node-access", {
      clusterName: this.cluster.name,
      principalArn: nodeRole.arn,
      type: "EC2_LINUX",
    });

    const groups = new Construct(this, "node-groups");
    for (const spec of props.nodeGroups) {
      if (!(spec.minSize <= spec.desiredSize && spec.desiredSize <= spec.maxSize)) {
        throw new Error(
          `Cluster ${props.name}: node group ${spec.name} sizes are min ${spec.minSize}, desired ${spec.desiredSize}, max ${spec.maxSize}; expected min <= desired <= max`,
        );
      }
      const group = new Construct(groups, spec.name);
      const template = new LaunchTemplate(group, "launch-template", {
        namePrefix: `${props.name}-${spec.name}-`,
        description: `Nodes of ${props.name}/${spec.name}: IMDSv2 only, encrypted gp3 root volume`,
        updateDefaultVersion: true,
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          // Hop limit 1 keeps pods off the node's instance role; pods use Pod Identity or IRSA.
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: { volumeSize: spec.diskGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
          },
        ],
        tagSpecifications: [
          { resourceType: "instance", tags: { Name: `${props.name}-${spec.name}` } },
          { resourceType: "volume", tags: { Name: `${props.name}-${spec.name}` } },
        ],
      });
      const nodeGroup = new EksNodeGroup(group, "node-group", {
        clusterName: this.cluster.name,
        nodeGroupName: spec.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: [...props.subnetIds],
        instanceTypes: [...spec.instanceTypes],
        capacityType: spec.capacityType,
        amiType: "AL2023_x86_64_STANDARD",
        scalingConfig: { minSize: spec.minSize, maxSize: spec.maxSize, desiredSize: spec.desiredSize },
        updateConfig: { maxUnavailablePercentage: 33 },
        launchTemplate: { id: template.id, version: Token.asString(template.latestVersion) },
        labels: spec.labels,
        // The autoscaler owns the desired size once the group exists.
        lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
        dependsOn: [vpcCni, kubeProxy, podIdentityAgent, nodeAccess],
      });
      this.nodeGroups.push(nodeGroup);
    }

    // Add-ons that schedule pods, so they wait for nodes.
    const coredns = this.addon(addons, "coredns", { dependsOn: this.nodeGroups });
    const ebsRole = this.podIdentityRole(addons, "ebs-csi-role", `${props.name}-ebs-csi`, "service-role/AmazonEBSCSIDriverPolicy");
    const ebsCsi = this.addon(addons, "aws-ebs-csi-driver", {
      podIdentity: { serviceAccount: "ebs-csi-controller-sa", roleArn: ebsRole.arn },
      dependsOn: [...this.nodeGroups, podIdentityAgent],
    });
    this.readyDependencies.push(...this.nodeGroups, coredns, ebsCsi, vpcCni, kubeProxy, podIdentityAgent);
  }

  private addon(
    scope: Construct,
    name: string,
    opts: {
      configurationValues?: string;
      podIdentity?: { serviceAccount: string; roleArn: string };
      dependsOn?: ITerraformDependable[];
    },
  ): EksAddon {
    const addonScope = new Construct(scope, name);
    const version = new DataAwsEksAddonVersion(addonScope, "version", {
      addonName: name,
      kubernetesVersion: this.cluster.version,
      mostRecent: false,
    });
    return new EksAddon(addonScope, "addon", {
      clusterName: this.cluster.name,
      addonName: name,
      addonVersion: version.version,
      configurationValues: opts.configurationValues,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "PRESERVE",
      podIdentityAssociation: opts.podIdentity ? [opts.podIdentity] : undefined,
      dependsOn: opts.dependsOn,
    });
  }

  private podIdentityRole(scope: Construct, id: string, name: string, managedPolicy: string): ServiceRole {
    return new ServiceRole(scope, id, {
      name,
      servicePrincipal: "pods.eks.amazonaws.com",
      extraTrustActions: ["sts:TagSession"],
      managedPolicies: [managedPolicy],
    });
  }
}
