import { describe, expect, it } from "vitest";
import { CONTROL_PLANE_LOG_TYPES } from "../../modules/cluster/cluster";
import { config, policyOf, synthEnvironment } from "../helpers/synth";

/** vCPU and memory (GiB) of the instance types the environments use. */
const INSTANCE_SIZES: Record<string, { vcpu: number; memoryGiB: number }> = {
  "m6i.large": { vcpu: 2, memoryGiB: 8 },
  "m6a.large": { vcpu: 2, memoryGiB: 8 },
  "m6i.xlarge": { vcpu: 4, memoryGiB: 16 },
  "m6i.2xlarge": { vcpu: 8, memoryGiB: 32 },
};

describe.each(["dev", "staging", "prod"] as const)("cluster of %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);
  const cluster = stack.only("aws_eks_cluster");

  it("runs the configured Kubernetes version", () => {
    expect(cluster.name).toBe(`groundwork-${env}`);
    expect(cluster.version).toBe(cfg.cluster.version);
  });

  it("encrypts secrets with its own rotating KMS key", () => {
    expect(cluster.encryption_config.resources).toEqual(["secrets"]);
    const keyRef = cluster.encryption_config.provider.key_arn as string;
    expect(keyRef).toMatch(/^\$\{aws_kms_key\.cluster_secrets-key[\w-]*\.arn\}$/);
    const [key] = stack.byPath("aws_kms_key", "/cluster/secrets-key/");
    expect(key.enable_key_rotation).toBe(true);
  });

  it("ships all five control-plane log types to an encrypted log group created first", () => {
    expect(cluster.enabled_cluster_log_types).toEqual([...CONTROL_PLANE_LOG_TYPES]);
    expect(CONTROL_PLANE_LOG_TYPES).toHaveLength(5);
    const [group] = stack.byPath("aws_cloudwatch_log_group", "/cluster/log-group/");
    expect(group.name).toBe(`/aws/eks/groundwork-${env}/cluster`);
    expect(group.kms_key_id).toBeTruthy();
    expect(cluster.depends_on).toContainEqual(expect.stringMatching(/^aws_cloudwatch_log_group\.cluster_log-group/));
  });

  it("keeps the private endpoint on and the public one closed or limited to admin CIDRs", () => {
    const vpc = cluster.vpc_config;
    expect(vpc.endpoint_private_access).toBe(true);
    expect(vpc.endpoint_public_access).toBe(cfg.cluster.publicEndpoint);
    if (cfg.cluster.publicEndpoint) expect(vpc.public_access_cidrs).toEqual(cfg.adminCidrs);
    else expect(vpc.public_access_cidrs).toBeUndefined();
  });

  it("uses API access entries without implicit creator admin, and grants configured admins", () => {
    expect(cluster.access_config).toEqual({ authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: false });
    const associations = Object.values(stack.resources("aws_eks_access_policy_association"));
    expect(associations.map((a) => a.principal_arn)).toEqual([...cfg.cluster.adminPrincipalArns, expect.stringMatching(/^\$\{aws_iam_role\.pipeline_deploy_role_\w+\.arn\}$/)]);
    expect(associations.every((a) => a.policy_arn.endsWith("/AmazonEKSClusterAdminPolicy"))).toBe(true);
  });

  it("has an OIDC provider for IRSA", () => {
    expect(stack.byPath("aws_iam_openid_connect_provider", "/cluster/")[0].client_id_list).toEqual(["sts.amazonaws.com"]);
  });

  it("requires IMDSv2 with hop limit 1 and encrypted gp3 volumes on every node", () => {
    const templates = Object.values(stack.resources("aws_launch_template"));
    expect(templates).toHaveLength(cfg.cluster.nodeGroups.length);
    for (const t of templates) {
      expect(t.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1, http_endpoint: "enabled" });
      expect(t.block_device_mappings[0].ebs).toMatchObject({ volume_type: "gp3", encrypted: "true" });
    }
  });

  it("creates the configured node groups from the launch template in private subnets", () => {
    const groups = Object.values(stack.resources("aws_eks_node_group"));
    expect(groups.map((g) => g.node_group_name)).toEqual(cfg.cluster.nodeGroups.map((g) => g.name));
    for (const [i, g] of groups.entries()) {
      const spec = cfg.cluster.nodeGroups[i];
      expect(g.scaling_config).toEqual({ min_size: spec.minSize, max_size: spec.maxSize, desired_size: spec.desiredSize });
      expect(g.instance_types).toEqual(spec.instanceTypes);
      expect(g.launch_template.id).toMatch(/aws_launch_template/);
      expect(g.subnet_ids).toHaveLength(cfg.network.azCount);
      expect(g.lifecycle.ignore_changes).toEqual(["scaling_config[0].desired_size"]);
    }
  });

  it("installs the core add-ons, with network policy enforcement in the VPC CNI", () => {
    const addons = Object.values(stack.resources("aws_eks_addon"));
    expect(addons.map((a) => a.addon_name).sort()).toEqual(["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]);
    const cni = addons.find((a) => a.addon_name === "vpc-cni")!;
    expect(JSON.parse(cni.configuration_values)).toEqual({ enableNetworkPolicy: "true" });
    expect(cni.pod_identity_association).toEqual([{ role_arn: expect.stringMatching(/vpc-cni-role/), service_account: "aws-node" }]);
    const ebs = addons.find((a) => a.addon_name === "aws-ebs-csi-driver")!;
    expect(ebs.pod_identity_association[0].service_account).toBe("ebs-csi-controller-sa");
  });

  it("gives add-on roles to Pod Identity only", () => {
    for (const role of stack.byPath("aws_iam_role", "/cluster/addons/")) {
      const trust = policyOf(role.assume_role_policy);
      expect(trust.Statement[0].Principal).toEqual({ Service: "pods.eks.amazonaws.com" });
      expect(trust.Statement[0].Action).toEqual(["sts:AssumeRole", "sts:TagSession"]);
    }
  });
});

describe("prod capacity", () => {
  it("has at least three 8 vCPU / 32 GiB nodes across three AZs", () => {
    const cfg = config("prod");
    const floor = cfg.cluster.nodeGroups
      .filter((g) => g.instanceTypes.every((t) => INSTANCE_SIZES[t].vcpu >= 8 && INSTANCE_SIZES[t].memoryGiB >= 32))
      .reduce((n, g) => n + g.minSize, 0);
    expect(floor).toBeGreaterThanOrEqual(3);
    expect(cfg.network.azCount).toBeGreaterThanOrEqual(3);
    expect(cfg.cluster.publicEndpoint).toBe(false);
  });
});

describe("cluster validation", () => {
  it("fails when the public endpoint would be open to the internet", () => {
    expect(() => synthEnvironment("dev", (c) => ({ ...c, adminCidrs: ["0.0.0.0/0"] }))).toThrow(
      'Cluster groundwork-dev: publicAccessCidrs contains "0.0.0.0/0"; expected CIDRs narrower than /0',
    );
  });
});
