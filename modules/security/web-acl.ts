import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Construct } from "constructs";
import { awsContext } from "./aws-context";
import { EncryptionKey } from "./encryption-key";
import { EncryptedLogGroup } from "./log-group";

/** AWS managed rule groups every public entry point gets. */
export const MANAGED_RULE_GROUPS = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesAmazonIpReputationList",
] as const;

export interface WebAclProps {
  /** Web ACL name, such as `groundwork-prod-public`. */
  readonly name: string;
  /** Requests per minute across all clients before WAF blocks (the system's global API limit). */
  readonly globalRequestsPerMinute: number;
  /** Requests per minute from one client IP before WAF blocks it. */
  readonly perClientRequestsPerMinute: number;
  /**
   * Days to keep WAF logs.
   * @default 365
   */
  readonly logRetentionDays?: number;
}


/**
 * A regional WAFv2 web ACL for the public load balancer: AWS managed rule
 * groups (common, known bad inputs, IP reputation) plus per-client and global
 * rate limits over a one-minute window, with logging to an encrypted group.
 * The AWS Load Balancer Controller attaches it to the ALB through the
 * Ingress annotation `alb.ingress.kubernetes.io/wafv2-acl-arn`.
 */
export class WebAcl extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    for (const [field, value] of [
      ["globalRequestsPerMinute", props.globalRequestsPerMinute],
      ["perClientRequestsPerMinute", props.perClientRequestsPerMinute],
    ] as const) {
      if (!Number.isInteger(value) || value < 10 || value > 2_000_000_000) {
        throw new Error(`WebAcl ${props.name}: ${field} is ${value}; expected a whole number from 10 (WAF's minimum) to 2000000000`);
      }
    }
    if (props.perClientRequestsPerMinute > props.globalRequestsPerMinute) {
      throw new Error(
        `WebAcl ${props.name}: perClientRequestsPerMinute is ${props.perClientRequestsPerMinute}; expected at most globalRequestsPerMinute (${props.globalRequestsPerMinute})`,
      );
    }
    const { region } = awsContext(this);

    const managed = MANAGED_RULE_GROUPS.map((group, i) => ({
      name: group,
      priority: 10 * (i + 1),
      overrideAction: { none: {} },
      statement: { managed_rule_group_statement: { vendor_name: "AWS", name: group } },
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: group, sampledRequestsEnabled: true },
    }));
    const acl = new Wafv2WebAcl(this, "acl", {
      name: props.name,
      description: "Public entry point: managed rules and API rate limits",
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rule: [
        ...managed,
        {
          name: "per-client-rate-limit",
          priority: 100,
          action: { block: {} },
          statement: {
            rate_based_statement: { limit: props.perClientRequestsPerMinute, aggregate_key_type: "IP", evaluation_window_sec: 60 },
          },
          visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "per-client-rate-limit", sampledRequestsEnabled: true },
        },
        {
          name: "global-rate-limit",
          priority: 110,
          action: { block: {} },
          statement: {
            rate_based_statement: {
              limit: props.globalRequestsPerMinute,
              aggregate_key_type: "CONSTANT",
              evaluation_window_sec: 60,
              // CONSTANT aggregation needs a scope-down statement: every request path.
              scope_down_statement: {
                byte_match_statement: {
                  search_string: "/",
                  positional_constraint: "STARTS_WITH",
                  field_to_match: { uri_path: {} },
                  text_transformation: [{ priority: 0, type: "NONE" }],
                },
              },
            },
          },
          visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "global-rate-limit", sampledRequestsEnabled: true },
        },
      ],
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: props.name, sampledRequestsEnabled: true },
    });
    this.arn = acl.arn;

    const key = new EncryptionKey(this, "log-key", {
      description: `WAF logs of ${props.name}`,
      alias: `${props.name}/waf-logs`,
      servicePrincipals: [`logs.${region}.amazonaws.com`, "delivery.logs.amazonaws.com"],
    });
    // WAF only logs to groups whose name starts with aws-waf-logs-.
    const logs = new EncryptedLogGroup(this, "logs", {
      name: `aws-waf-logs-${props.name}`,
      kmsKeyArn: key.arn,
      retentionDays: props.logRetentionDays,
    });
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      resourceArn: acl.arn,
      logDestinationConfigs: [logs.arn],
      redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
    });
  }
}
