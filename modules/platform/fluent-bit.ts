/**
 * Fluent Bit as a DaemonSet: tails container logs, enriches them with
 * Kubernetes metadata (JSON log lines are parsed into fields), and ships
 * them to the OpenSearch domain over HTTPS signed with SigV4, as the Pod
 * Identity role (Fluent Bit >= 4.0 reads EKS Pod Identity credentials:
 * https://github.com/fluent/fluent-bit/pull/10115). Daily indices
 * `<indexPrefix>-YYYY.MM.DD`; an ISM policy deletes them after
 * `retentionDays`. Terraform cannot apply the policy (nor map the role to an
 * OpenSearch role): the `opensearch-bootstrap` runbook does, from the same
 * source as `ismPolicy` (./opensearch-indices.mjs).
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { LOG_INDEX_PREFIX, logRetentionPolicy } from "./opensearch-indices.mjs";
import { platformRelease, PodIdentityRole, type ChartRef, type PlatformReleaseProps } from "./release";

export const FLUENT_BIT_CHART: ChartRef = { repository: "https://fluent.github.io/helm-charts", chart: "fluent-bit", version: "0.49.1" };

/** Values Groundwork sets on the fluent-bit chart. */
export interface FluentBitValues {
  readonly kind: "DaemonSet";
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly tolerations: readonly Record<string, string>[];
  readonly priorityClassName: string;
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  readonly serviceMonitor: { readonly enabled: boolean };
  readonly config: { readonly inputs: string; readonly filters: string; readonly outputs: string };
}

export interface FluentBitProps extends PlatformReleaseProps {
  readonly clusterName: string;
  /** ARN of the OpenSearch domain; the role may only call this domain. */
  readonly opensearchDomainArn: string;
  /** Endpoint host name of the domain (no scheme). */
  readonly opensearchEndpoint: string;
  /** Days log indices are kept; the ISM policy deletes older ones. */
  readonly retentionDays: number;
  /**
   * Prefix of the daily indices.
   * @default "logs-k8s"
   */
  readonly indexPrefix?: string;
  /**
   * Create a ServiceMonitor (needs the Prometheus Operator CRDs).
   * @default false
   */
  readonly serviceMonitor?: boolean;
}

const SERVICE_ACCOUNT = "fluent-bit";

/** Fluent Bit shipping container logs to OpenSearch with SigV4. */
export class FluentBit extends Construct {
  readonly release: Release;
  readonly role: PodIdentityRole;
  readonly namespace: string;
  readonly values: FluentBitValues;
  /** Days log indices are kept. */
  readonly retentionDays: number;
  readonly indexPrefix: string;
  /** The ISM policy body the opensearch-bootstrap runbook PUTs at `_plugins/_ism/policies/<ismPolicyId>`. */
  readonly ismPolicy: object;
  /** `<indexPrefix>-retention`. */
  readonly ismPolicyId: string;

  constructor(scope: Construct, id: string, props: FluentBitProps) {
    super(scope, id);
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1 || props.retentionDays > 3650) {
      throw new Error(`FluentBit: retentionDays is ${props.retentionDays}; expected an integer from 1 to 3650`);
    }
    this.indexPrefix = props.indexPrefix ?? LOG_INDEX_PREFIX;
    if (!/^[a-z][a-z0-9-]{0,40}$/.test(this.indexPrefix)) {
      throw new Error(`FluentBit: indexPrefix is "${this.indexPrefix}"; expected lower-case letters, digits and "-"`);
    }
    this.retentionDays = props.retentionDays;
    this.namespace = props.namespace ?? "logging";
    const { region } = awsContext(this);
    this.role = new PodIdentityRole(this, "pod-identity", {
      clusterName: props.clusterName,
      roleName: `${props.clusterName}-fluent-bit`,
      namespace: this.namespace,
      serviceAccount: SERVICE_ACCOUNT,
      statements: [
        {
          Sid: "WriteLogsToDomain",
          Action: ["es:ESHttpPost", "es:ESHttpPut", "es:ESHttpGet"],
          Resource: [props.opensearchDomainArn, `${props.opensearchDomainArn}/*`],
        },
      ],
      dependsOn: props.dependsOn,
    });
    const retention = logRetentionPolicy(this.retentionDays, this.indexPrefix);
    this.ismPolicy = retention.body;
    this.ismPolicyId = retention.id;
    this.values = {
      kind: "DaemonSet",
      serviceAccount: { create: true, name: SERVICE_ACCOUNT },
      // Every node, tainted or not, has logs to ship.
      tolerations: [{ operator: "Exists" }],
      priorityClassName: "system-node-critical",
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
      serviceMonitor: { enabled: props.serviceMonitor ?? false },
      config: {
        inputs: [
          "[INPUT]",
          "    Name              tail",
          "    Path              /var/log/containers/*.log",
          "    Exclude_Path      /var/log/containers/fluent-bit-*",
          "    multiline.parser  cri, docker",
          "    Tag               kube.*",
          "    Mem_Buf_Limit     32MB",
          "    Skip_Long_Lines   On",
          "",
        ].join("\n"),
        filters: [
          "[FILTER]",
          "    Name                kubernetes",
          "    Match               kube.*",
          "    Merge_Log           On",
          "    Keep_Log            Off",
          "    K8S-Logging.Parser  On",
          "    K8S-Logging.Exclude On",
          "    Labels              On",
          "    Annotations         Off",
          "",
        ].join("\n"),
        outputs: [
          "[OUTPUT]",
          "    Name                opensearch",
          "    Match               kube.*",
          `    Host                ${props.opensearchEndpoint}`,
          "    Port                443",
          "    tls                 On",
          "    tls.verify          On",
          "    AWS_Auth            On",
          `    AWS_Region          ${region}`,
          "    AWS_Service_Name    es",
          "    Logstash_Format     On",
          `    Logstash_Prefix     ${this.indexPrefix}`,
          "    Suppress_Type_Name  On",
          "    Replace_Dots        On",
          "    Trace_Error         On",
          "    Retry_Limit         10",
          "    Buffer_Size         False",
          "",
        ].join("\n"),
      },
    };
    this.release = platformRelease(this, "release", {
      ...FLUENT_BIT_CHART,
      name: "fluent-bit",
      namespace: this.namespace,
      values: this.values,
      dependsOn: [...(props.dependsOn ?? []), this.role.association],
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
