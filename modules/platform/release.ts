/**
 * What every platform Helm release shares: a pinned chart version, its own
 * namespace created by Helm, atomic installs that roll back on failure, a
 * bounded wait, and values rendered as one JSON document (JSON is YAML, and
 * JSON never folds or re-quotes the Terraform references inside strings).
 */
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { ServiceRole, type PolicyStatement } from "../security/service-role";
import { PRIORITY_CLASSES } from "../service/priority-classes";

/** Props every platform release construct accepts. */
export interface PlatformReleaseProps {
  /**
   * Resources the release waits for: the cluster's node groups, add-ons and
   * access entries (`Cluster.readyDependencies`), so a first `deploy` installs
   * in order and a `destroy` removes the release before the nodes.
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Namespace of the release; Helm creates it.
   * @default - the add-on's conventional namespace
   */
  readonly namespace?: string;
  /**
   * Seconds Helm waits for the release's resources to become ready before it rolls back.
   * @default 600
   */
  readonly timeoutSeconds?: number;
}

/**
 * Props of a release whose pods run at a Groundwork PriorityClass. The class
 * must exist before the pods are created: put the `PriorityClasses`
 * construct's `platform` class in `dependsOn`.
 */
export interface PlatformPriorityProps {
  /**
   * PriorityClass of the release's pods.
   * @default "groundwork-platform" - above the services, so under pressure the scheduler evicts services first
   */
  readonly priorityClassName?: string;
}

/** The platform PriorityClass, the default of {@link PlatformPriorityProps.priorityClassName}. */
export const PLATFORM_PRIORITY_CLASS = PRIORITY_CLASSES.platform;

/**
 * The class cluster-critical controllers (Karpenter, metrics-server, the load
 * balancer controller) run at: their charts default to it, and a node
 * autoscaler or the metrics API must outrank everything it keeps running.
 * https://kubernetes.io/docs/tasks/administer-cluster/guaranteed-scheduling-critical-addon-pods/
 */
export const SYSTEM_CLUSTER_CRITICAL = "system-cluster-critical";

const PRIORITY_CLASS_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/** The priority class a release's pods get; refuses a name Kubernetes would reject. */
export function priorityClassOf(construct: string, props: PlatformPriorityProps): string {
  const name = props.priorityClassName ?? PLATFORM_PRIORITY_CLASS;
  if (!PRIORITY_CLASS_NAME.test(name)) {
    throw new Error(`${construct}: priorityClassName is "${name}"; expected a PriorityClass name (lower-case letters, digits, "-" and ".")`);
  }
  return name;
}

/** A chart reference: repository, chart name and the exact version. */
export interface ChartRef {
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
}

export interface ReleaseSpec extends ChartRef {
  /** Release name. */
  readonly name: string;
  readonly namespace: string;
  /** Values as an object; literal strings are escaped for Terraform, tokens kept. */
  readonly values: object;
  readonly dependsOn?: ITerraformDependable[];
  readonly timeoutSeconds?: number;
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+$/;

/**
 * Escape Terraform template sequences (`${`, `%{`) in literal text so that
 * Grafana's `${datasource}` or a shell `${HOME}` reach the chart unchanged,
 * while CDKTF tokens (`${TfToken[...]}`) still resolve to references.
 * https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences
 */
export function escapeTemplate(text: string): string {
  // "$$" in a replacement string is one literal "$".
  return text.replace(/\$\{(?!TfToken\[)/g, "$$$${").replace(/%\{/g, "%%{");
}

/** Undo {@link escapeTemplate}: what the chart receives once Terraform has rendered the string. */
export function unescapeTemplate(text: string): string {
  return text.replace(/\$\$\{/g, "$${").replace(/%%\{/g, "%{");
}

/** Render values as one JSON document with every literal string escaped for Terraform. */
export function renderValues(values: object): string {
  return JSON.stringify(values, (_key, value: unknown) => (typeof value === "string" ? escapeTemplate(value) : value));
}

/** A helm_release with Groundwork's release policy applied. */
export function platformRelease(scope: Construct, id: string, spec: ReleaseSpec): Release {
  if (!EXACT_VERSION.test(spec.version)) {
    throw new Error(`${spec.name}: chart version is "${spec.version}"; expected an exact version such as 1.2.3 (no ranges)`);
  }
  const timeout = spec.timeoutSeconds ?? 600;
  if (!Number.isInteger(timeout) || timeout < 60 || timeout > 3600) {
    throw new Error(`${spec.name}: timeoutSeconds is ${timeout}; expected an integer from 60 to 3600`);
  }
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(spec.namespace)) {
    throw new Error(`${spec.name}: namespace is "${spec.namespace}"; expected a Kubernetes namespace name (lower-case letters, digits, "-")`);
  }
  return new Release(scope, id, {
    name: spec.name,
    repository: spec.repository || undefined,
    chart: spec.chart,
    version: spec.version,
    namespace: spec.namespace,
    createNamespace: true,
    atomic: true,
    wait: true,
    cleanupOnFail: true,
    timeout,
    maxHistory: 10,
    values: [renderValues(spec.values)],
    dependsOn: spec.dependsOn,
  });
}

export interface PodIdentityRoleProps {
  /** EKS cluster the association is made in. */
  readonly clusterName: string;
  /** IAM role name, unique in the account. */
  readonly roleName: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Permissions of the role; every statement names its resources. */
  readonly statements: readonly PolicyStatement[];
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * An IAM role only EKS Pod Identity can assume, associated with one
 * Kubernetes service account. Pods get its credentials from the Pod Identity
 * agent; nothing is annotated on the service account.
 */
export class PodIdentityRole extends Construct {
  readonly role: ServiceRole;
  readonly association: EksPodIdentityAssociation;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(scope, id);
    this.role = new ServiceRole(this, "role", {
      name: props.roleName,
      servicePrincipal: "pods.eks.amazonaws.com",
      extraTrustActions: ["sts:TagSession"],
      statements: props.statements,
    });
    this.association = new EksPodIdentityAssociation(this, "association", {
      clusterName: props.clusterName,
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      roleArn: this.role.arn,
      dependsOn: props.dependsOn,
    });
    this.arn = this.role.arn;
  }
}
