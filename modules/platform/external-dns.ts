/**
 * external-dns publishing Ingress and Service hostnames to Route53, limited
 * to the given domains and zones. `upsert-only` by default: it creates and
 * updates records but never deletes them, so a bad manifest cannot take a
 * live name away.
 * https://kubernetes-sigs.github.io/external-dns/latest/docs/tutorials/aws/
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { platformRelease, PodIdentityRole, priorityClassOf, type ChartRef, type PlatformPriorityProps, type PlatformReleaseProps } from "./release";
import { checkHostedZoneIds, hostedZoneArns } from "./route53";

export const EXTERNAL_DNS_CHART: ChartRef = { repository: "https://kubernetes-sigs.github.io/external-dns/", chart: "external-dns", version: "1.19.0" };

export const EXTERNAL_DNS_POLICIES = ["upsert-only", "sync", "create-only"] as const;
export type ExternalDnsPolicy = (typeof EXTERNAL_DNS_POLICIES)[number];

/** Values Groundwork sets on the external-dns chart. */
export interface ExternalDnsValues {
  readonly provider: { readonly name: "aws" };
  readonly policy: ExternalDnsPolicy;
  readonly registry: "txt";
  readonly txtOwnerId: string;
  readonly domainFilters: readonly string[];
  readonly sources: readonly string[];
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly extraArgs: readonly string[];
  readonly serviceMonitor: { readonly enabled: boolean };
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  readonly priorityClassName: string;
}

export interface ExternalDnsProps extends PlatformReleaseProps, PlatformPriorityProps {
  readonly clusterName: string;
  /** Domains external-dns may manage records under, such as `staging.example.com`. */
  readonly domainFilters: readonly string[];
  /** Route53 zones serving those domains; the role can write only to these. */
  readonly hostedZoneIds: readonly string[];
  /**
   * `upsert-only` never deletes records; `sync` also deletes those it owns.
   * @default "upsert-only"
   */
  readonly policy?: ExternalDnsPolicy;
  /**
   * Kubernetes sources to read hostnames from.
   * @default ["service", "ingress"]
   */
  readonly sources?: readonly string[];
  /**
   * Owner id written to TXT registry records, unique per cluster sharing a zone.
   * @default - the cluster name
   */
  readonly txtOwnerId?: string;
  /**
   * Create a ServiceMonitor (needs the Prometheus Operator CRDs).
   * @default false
   */
  readonly serviceMonitor?: boolean;
}

const SERVICE_ACCOUNT = "external-dns";
const DOMAIN = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

/** external-dns for Route53 with a Pod Identity role scoped to the given zones. */
export class ExternalDns extends Construct {
  readonly release: Release;
  readonly role: PodIdentityRole;
  readonly namespace: string;
  readonly values: ExternalDnsValues;

  constructor(scope: Construct, id: string, props: ExternalDnsProps) {
    super(scope, id);
    if (props.domainFilters.length === 0) throw new Error("ExternalDns: domainFilters is empty; expected at least one domain such as example.com");
    const badDomain = props.domainFilters.find((d) => !DOMAIN.test(d));
    if (badDomain !== undefined) throw new Error(`ExternalDns: domainFilters contains "${badDomain}"; expected DNS domains such as staging.example.com`);
    checkHostedZoneIds("ExternalDns", props.hostedZoneIds);
    const policy = props.policy ?? "upsert-only";
    if (!(EXTERNAL_DNS_POLICIES as readonly string[]).includes(policy)) {
      throw new Error(`ExternalDns: policy is "${policy}"; expected one of ${EXTERNAL_DNS_POLICIES.join(", ")}`);
    }
    this.namespace = props.namespace ?? "external-dns";
    const { partition, region } = awsContext(this);
    const zones = hostedZoneArns(partition, props.hostedZoneIds);
    this.role = new PodIdentityRole(this, "pod-identity", {
      clusterName: props.clusterName,
      roleName: `${props.clusterName}-external-dns`,
      namespace: this.namespace,
      serviceAccount: SERVICE_ACCOUNT,
      statements: [
        { Sid: "WriteRecords", Action: "route53:ChangeResourceRecordSets", Resource: zones },
        { Sid: "ReadRecords", Action: ["route53:ListResourceRecordSets", "route53:ListTagsForResource"], Resource: zones },
        // ListHostedZones supports no resource-level permissions.
        { Sid: "FindZones", Action: "route53:ListHostedZones", Resource: "*" },
      ],
      dependsOn: props.dependsOn,
    });
    this.values = {
      provider: { name: "aws" },
      policy,
      registry: "txt",
      txtOwnerId: props.txtOwnerId ?? props.clusterName,
      domainFilters: [...props.domainFilters],
      sources: [...(props.sources ?? ["service", "ingress"])],
      serviceAccount: { create: true, name: SERVICE_ACCOUNT },
      env: [{ name: "AWS_DEFAULT_REGION", value: region }],
      extraArgs: props.hostedZoneIds.map((z) => `--zone-id-filter=${z}`),
      serviceMonitor: { enabled: props.serviceMonitor ?? false },
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      priorityClassName: priorityClassOf("ExternalDns", props),
    };
    this.release = platformRelease(this, "release", {
      ...EXTERNAL_DNS_CHART,
      name: "external-dns",
      namespace: this.namespace,
      values: this.values,
      dependsOn: [...(props.dependsOn ?? []), this.role.association],
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
