/**
 * Small synthesized-stack fixtures for the policy tests, in the shape
 * `cdktf synth` writes (`resource.<type>.<name>`, snake_case arguments,
 * references as "${type.name.attr}").
 */
import { outcomeOf } from "../../policies/lib/outcome";
import { StackContext } from "../../policies/stack";
import type { Outcome, Rule } from "../../policies/types";

/** Blocks by address: `"aws_vpc.main": { cidr_block: "10.0.0.0/16" }`, `"data.aws_iam_policy_document.d": {...}`. */
export type Blocks = Record<string, Record<string, unknown>>;

/** The `cdk.tf.json` of a stack holding `blocks`; each block gets a construct path `test/<name>`. */
export function stackJson(blocks: Blocks): Record<string, unknown> {
  const json: { resource: Record<string, Record<string, unknown>>; data: Record<string, Record<string, unknown>> } = { resource: {}, data: {} };
  for (const [address, values] of Object.entries(blocks)) {
    const parts = address.split(".");
    const [section, type, name] = parts[0] === "data" ? (["data", parts[1], parts[2]] as const) : (["resource", parts[0], parts[1]] as const);
    json[section][type] ??= {};
    const meta = (values["//"] as Record<string, unknown> | undefined) ?? {};
    json[section][type][name] = { ...values, "//": { ...meta, metadata: { path: `test/${name}`, uniqueId: name } } };
  }
  return json;
}

/** Run one rule against `blocks`: on the resource at `subject`, or on the whole stack for stack-level rules. */
export function judge(rule: Rule, blocks: Blocks, subject?: string): Outcome {
  const context = new StackContext("test", stackJson(blocks));
  if (rule.scope === "stack") return outcomeOf(rule.check(context));
  const resource = context.get(subject ?? "");
  if (!resource) throw new Error(`fixture has no resource ${subject}`);
  return outcomeOf(rule.check(resource, context));
}

const key = "${aws_kms_key.key.arn}";

/** A primary PostgreSQL instance that satisfies every RDS rule. */
export const goodDb = {
  engine: "postgres",
  storage_encrypted: true,
  kms_key_id: key,
  publicly_accessible: false,
  multi_az: true,
  backup_retention_period: 7,
  iam_database_authentication_enabled: true,
  deletion_protection: true,
  performance_insights_enabled: true,
  performance_insights_kms_key_id: key,
  monitoring_interval: 60,
  monitoring_role_arn: "${aws_iam_role.monitoring.arn}",
  enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
  manage_master_user_password: true,
};

/** A Redis replication group that satisfies every ElastiCache rule. */
export const goodRedis = {
  engine: "redis",
  at_rest_encryption_enabled: "true",
  transit_encryption_enabled: true,
  kms_key_id: key,
  user_group_ids: ["${aws_elasticache_user_group.users.id}"],
  automatic_failover_enabled: true,
  multi_az_enabled: true,
  num_cache_clusters: 2,
};

/** A launch template that requires IMDSv2 with hop limit 1. */
export const goodLaunchTemplate = {
  metadata_options: { http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 },
};

/** An EKS cluster that satisfies every EKS rule (private endpoint only). */
export const goodCluster = {
  name: "groundwork-test",
  enabled_cluster_log_types: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
  encryption_config: { resources: ["secrets"], provider: { key_arn: key } },
  vpc_config: { endpoint_private_access: true, endpoint_public_access: false, subnet_ids: ["${aws_subnet.a.id}"] },
};

/** A bucket with versioning, KMS default encryption and a full public access block. */
export const goodBucket: Blocks = {
  "aws_s3_bucket.state": { bucket: "groundwork-state" },
  "aws_s3_bucket_versioning.state": { bucket: "${aws_s3_bucket.state.id}", versioning_configuration: { status: "Enabled" } },
  "aws_s3_bucket_server_side_encryption_configuration.state": {
    bucket: "${aws_s3_bucket.state.id}",
    rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: key }, bucket_key_enabled: true }],
  },
  "aws_s3_bucket_public_access_block.state": {
    bucket: "${aws_s3_bucket.state.id}",
    block_public_acls: true,
    block_public_policy: true,
    ignore_public_acls: true,
    restrict_public_buckets: true,
  },
};

/** The account baseline every environment stack must have. */
export const goodBaseline: Blocks = {
  "aws_cloudtrail.trail": { name: "groundwork", s3_bucket_name: "${aws_s3_bucket.state.id}", is_multi_region_trail: true, enable_log_file_validation: true, kms_key_id: key },
  "aws_guardduty_detector.detector": { enable: true },
  "aws_securityhub_account.hub": {},
  "aws_config_configuration_recorder.recorder": { name: "groundwork", role_arn: "${aws_iam_role.config.arn}" },
  "aws_config_configuration_recorder_status.recorder": { name: "${aws_config_configuration_recorder.recorder.name}", is_enabled: true },
};

/** An environment stack in which every rule is compliant. */
export function compliantEnvironment(): Blocks {
  return {
    "aws_kms_key.key": { description: "test", enable_key_rotation: true },
    "aws_vpc.main": { cidr_block: "10.0.0.0/16" },
    "aws_flow_log.main": { vpc_id: "${aws_vpc.main.id}", traffic_type: "ALL", log_destination: "${aws_cloudwatch_log_group.flow.arn}" },
    "aws_default_security_group.main": { vpc_id: "${aws_vpc.main.id}" },
    "aws_cloudwatch_log_group.flow": { name: "/vpc/flow", retention_in_days: 365, kms_key_id: key },
    "aws_security_group.nodes": {
      vpc_id: "${aws_vpc.main.id}",
      ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"] }],
    },
    "aws_vpc_security_group_ingress_rule.admin_ssh": {
      security_group_id: "${aws_security_group.nodes.id}",
      ip_protocol: "tcp",
      from_port: 22,
      to_port: 22,
      cidr_ipv4: "203.0.113.0/24",
    },
    "aws_eks_cluster.cluster": goodCluster,
    "aws_launch_template.nodes": goodLaunchTemplate,
    "aws_eks_node_group.general": {
      cluster_name: "${aws_eks_cluster.cluster.name}",
      launch_template: { id: "${aws_launch_template.nodes.id}", version: "${aws_launch_template.nodes.latest_version}" },
    },
    "aws_db_instance.primary": goodDb,
    "aws_db_instance.replica": {
      replicate_source_db: "${aws_db_instance.primary.identifier}",
      iam_database_authentication_enabled: true,
      deletion_protection: true,
      performance_insights_enabled: true,
      performance_insights_kms_key_id: key,
      monitoring_interval: 60,
      monitoring_role_arn: "${aws_iam_role.monitoring.arn}",
      enabled_cloudwatch_logs_exports: ["postgresql"],
    },
    "aws_db_proxy.proxy": { engine_family: "POSTGRESQL", require_tls: true },
    "aws_elasticache_replication_group.redis": goodRedis,
    ...goodBucket,
    "aws_lb.public": { internal: false, load_balancer_type: "application" },
    "aws_wafv2_web_acl_association.public": { resource_arn: "${aws_lb.public.arn}", web_acl_arn: "${aws_wafv2_web_acl.acl.arn}" },
    "aws_ecr_repository.api": {
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "KMS", kms_key: key }],
    },
    "aws_iam_policy.deploy": {
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["eks:DescribeCluster"], Resource: "${aws_eks_cluster.cluster.arn}" }] }),
    },
    ...goodBaseline,
  };
}
