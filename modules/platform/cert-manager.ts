/**
 * cert-manager with its CRDs installed (and kept on uninstall) by the chart,
 * and an optional ACME ClusterIssuer solving DNS-01 challenges in Route53
 * through a Pod Identity role limited to TXT `_acme-challenge` records of the
 * given zones.
 * https://cert-manager.io/docs/configuration/acme/dns01/route53/
 */
import type { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { Manifests } from "./manifests";
import { platformRelease, PodIdentityRole, priorityClassOf, type ChartRef, type PlatformPriorityProps, type PlatformReleaseProps } from "./release";
import { checkHostedZoneIds, hostedZoneArns } from "./route53";

export const CERT_MANAGER_CHART: ChartRef = { repository: "https://charts.jetstack.io", chart: "cert-manager", version: "v1.18.2" };

/** Values Groundwork sets on the cert-manager chart. */
export interface CertManagerValues {
  /** `global.priorityClassName` applies to the controller, webhook, cainjector and startupapicheck pods. */
  readonly global: { readonly priorityClassName: string };
  readonly crds: { readonly enabled: boolean; readonly keep: boolean };
  readonly replicaCount: number;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly prometheus: { readonly enabled: boolean; readonly servicemonitor: { readonly enabled: boolean } };
  readonly webhook: { readonly replicaCount: number; readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number } };
  readonly cainjector: { readonly replicaCount: number; readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number } };
}

/** An ACME ClusterIssuer that answers DNS-01 challenges in Route53. */
export interface AcmeIssuerSpec {
  /** ClusterIssuer name, such as `letsencrypt`. */
  readonly name: string;
  /** Contact for expiry notices from the ACME CA. */
  readonly email: string;
  /**
   * ACME directory URL.
   * @default "https://acme-v02.api.letsencrypt.org/directory"
   */
  readonly server?: string;
  /** DNS zones (names) this issuer solves for; hostedZoneIds[i] must serve dnsZones[i]. */
  readonly dnsZones: readonly string[];
}

export interface CertManagerProps extends PlatformReleaseProps, PlatformPriorityProps {
  readonly clusterName: string;
  /** Route53 hosted zones cert-manager may write challenge records to. */
  readonly hostedZoneIds: readonly string[];
  /**
   * Create this ClusterIssuer after the chart (and its CRDs) are installed.
   * @default - no issuer
   */
  readonly acmeIssuer?: AcmeIssuerSpec;
  /**
   * Create ServiceMonitors (needs the Prometheus Operator CRDs: deploy kube-prometheus-stack first).
   * @default false
   */
  readonly serviceMonitor?: boolean;
}

const SERVICE_ACCOUNT = "cert-manager";

/** cert-manager, its Route53 DNS-01 role and optionally an ACME ClusterIssuer. */
export class CertManager extends Construct {
  readonly release: Release;
  readonly role: PodIdentityRole;
  readonly issuer?: Manifests;
  readonly namespace: string;
  readonly values: CertManagerValues;

  constructor(scope: Construct, id: string, props: CertManagerProps) {
    super(scope, id);
    checkHostedZoneIds("CertManager", props.hostedZoneIds);
    const issuer = props.acmeIssuer;
    if (issuer) {
      if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(issuer.email)) {
        throw new Error(`CertManager: acmeIssuer.email is "${issuer.email}"; expected an e-mail address`);
      }
      if (issuer.dnsZones.length !== props.hostedZoneIds.length) {
        throw new Error(`CertManager: acmeIssuer.dnsZones has ${issuer.dnsZones.length} zone(s) but hostedZoneIds has ${props.hostedZoneIds.length}; expected one zone name per id`);
      }
    }
    this.namespace = props.namespace ?? "cert-manager";
    const { partition, region } = awsContext(this);
    const zones = hostedZoneArns(partition, props.hostedZoneIds);
    this.role = new PodIdentityRole(this, "pod-identity", {
      clusterName: props.clusterName,
      roleName: `${props.clusterName}-cert-manager`,
      namespace: this.namespace,
      serviceAccount: SERVICE_ACCOUNT,
      statements: [
        { Sid: "ReadChanges", Action: "route53:GetChange", Resource: `arn:${partition}:route53:::change/*` },
        {
          Sid: "WriteChallengeRecords",
          Action: "route53:ChangeResourceRecordSets",
          Resource: zones,
          Condition: {
            "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] },
            "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.*"] },
          },
        },
        { Sid: "ReadRecords", Action: "route53:ListResourceRecordSets", Resource: zones },
        // ListHostedZonesByName supports no resource-level permissions.
        { Sid: "FindZones", Action: "route53:ListHostedZonesByName", Resource: "*" },
      ],
      dependsOn: props.dependsOn,
    });
    const pdb = { enabled: true, minAvailable: 1 };
    this.values = {
      global: { priorityClassName: priorityClassOf("CertManager", props) },
      crds: { enabled: true, keep: true },
      replicaCount: 2,
      podDisruptionBudget: pdb,
      serviceAccount: { create: true, name: SERVICE_ACCOUNT },
      prometheus: { enabled: true, servicemonitor: { enabled: props.serviceMonitor ?? false } },
      webhook: { replicaCount: 2, podDisruptionBudget: pdb },
      cainjector: { replicaCount: 2, podDisruptionBudget: pdb },
    };
    this.release = platformRelease(this, "release", {
      ...CERT_MANAGER_CHART,
      name: "cert-manager",
      namespace: this.namespace,
      values: this.values,
      dependsOn: [...(props.dependsOn ?? []), this.role.association],
      timeoutSeconds: props.timeoutSeconds,
    });
    if (issuer) {
      this.issuer = new Manifests(this, "cluster-issuer", {
        releaseName: "cert-manager-issuers",
        namespace: this.namespace,
        dependsOn: [this.release],
        manifests: [
          {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: issuer.name },
            spec: {
              acme: {
                email: issuer.email,
                server: issuer.server ?? "https://acme-v02.api.letsencrypt.org/directory",
                // The ACME account key cert-manager generates; not a credential of ours.
                privateKeySecretRef: { name: `${issuer.name}-account-key` },
                solvers: issuer.dnsZones.map((zone, i) => ({
                  selector: { dnsZones: [zone] },
                  dns01: { route53: { region, hostedZoneID: props.hostedZoneIds[i] } },
                })),
              },
            },
          },
        ],
      });
    }
  }
}
