/**
 * Offline schema validation of rendered manifests. Built-in kinds go through
 * kubernetes-models (the Kubernetes OpenAPI schemas). The chart's CRD kinds are
 * not in kubernetes-models, so they are checked against zod schemas written
 * from the upstream CRDs for the fields the chart sets; objects are `.strict()`
 * so a misspelt field fails here (the API server would prune it silently).
 *
 * Sources (read when writing these):
 * - argoproj/argo-rollouts manifests/crds/rollout-crd.yaml and
 *   analysis-template-crd.yaml (v1alpha1); `podTemplateHashValue` is the Go
 *   enum Stable|Latest (pkg/apis/rollouts/v1alpha1), a plain string in the CRD.
 * - prometheus-operator example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml
 * - kubernetes/autoscaler vertical-pod-autoscaler/deploy/vpa-v1-crd-gen.yaml
 *   (updateMode enum Off|Initial|Recreate|InPlaceOrRecreate|InPlace; "Auto" is deprecated and gone).
 * - cert-manager deploy/crds/crd-certificates.yaml (cert-manager.io/v1): the
 *   fields the chart sets; `usages` is the KeyUsage enum, privateKey.algorithm
 *   RSA|ECDSA|Ed25519, rotationPolicy Never|Always, issuerRef {name, kind, group}.
 */
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { PodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { z } from "zod";
import type { Manifest } from "./helm";

const int32 = z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1);
const intOrString = z.union([int32, z.string()]);
const dnsSubdomain = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/).max(253);
const stringMap = z.record(z.string(), z.string());
/** Go durations as Argo Rollouts parses them (e.g. 30s, 1m, 1h). */
const argoDuration = z.string().regex(/^\d+(ms|s|m|h)$/, "a duration such as 1m");
/** prometheus-operator's Duration pattern. */
const promDuration = z.string().regex(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/);

const objectMeta = z
  .object({ name: dnsSubdomain, namespace: z.string().optional(), labels: stringMap.optional(), annotations: stringMap.optional() })
  .strict();
const labelSelector = z
  .object({
    matchLabels: stringMap.optional(),
    matchExpressions: z.array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }).strict()).optional(),
  })
  .strict();
const podTemplate = z.record(z.string(), z.unknown()).superRefine((template, ctx) => {
  try {
    new PodTemplateSpec(template as never).validate();
  } catch (e) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `PodTemplateSpec: ${(e as Error).message}` });
  }
});

const rolloutAnalysis = z
  .object({
    templates: z.array(z.object({ templateName: z.string().min(1), clusterScope: z.boolean().optional() }).strict()).min(1),
    args: z
      .array(
        z
          .object({
            name: z.string(),
            value: z.string().optional(),
            valueFrom: z
              .object({ podTemplateHashValue: z.enum(["Stable", "Latest"]).optional(), fieldRef: z.object({ fieldPath: z.string() }).strict().optional() })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

const rollout = z
  .object({
    apiVersion: z.literal("argoproj.io/v1alpha1"),
    kind: z.literal("Rollout"),
    metadata: objectMeta,
    spec: z
      .object({
        replicas: int32.optional(),
        revisionHistoryLimit: int32.optional(),
        progressDeadlineSeconds: int32.optional(),
        progressDeadlineAbort: z.boolean().optional(),
        minReadySeconds: int32.optional(),
        selector: labelSelector,
        // The chart only uses blue-green; canary is not modelled here.
        strategy: z
          .object({
            blueGreen: z
              .object({
                activeService: z.string().min(1),
                previewService: z.string().optional(),
                autoPromotionEnabled: z.boolean().optional(),
                autoPromotionSeconds: int32.optional(),
                scaleDownDelaySeconds: int32.optional(),
                abortScaleDownDelaySeconds: int32.optional(),
                previewReplicaCount: int32.optional(),
                prePromotionAnalysis: rolloutAnalysis.optional(),
                postPromotionAnalysis: rolloutAnalysis.optional(),
              })
              .strict(),
          })
          .strict(),
        template: podTemplate,
      })
      .strict(),
  })
  .strict();

const analysisTemplate = z
  .object({
    apiVersion: z.literal("argoproj.io/v1alpha1"),
    kind: z.literal("AnalysisTemplate"),
    metadata: objectMeta,
    spec: z
      .object({
        args: z.array(z.object({ name: z.string(), value: z.string().optional() }).strict()).optional(),
        metrics: z
          .array(
            z
              .object({
                name: z.string().min(1),
                interval: argoDuration.optional(),
                initialDelay: argoDuration.optional(),
                count: intOrString.optional(),
                failureLimit: intOrString.optional(),
                inconclusiveLimit: intOrString.optional(),
                consecutiveErrorLimit: intOrString.optional(),
                successCondition: z.string().optional(),
                failureCondition: z.string().optional(),
                provider: z.object({ prometheus: z.object({ address: z.string().url(), query: z.string().min(1) }).strict() }).strict(),
              })
              .strict(),
          )
          .min(1),
      })
      .strict(),
  })
  .strict();

const relabelAction = z.enum([
  "replace", "Replace", "keep", "Keep", "drop", "Drop", "hashmod", "HashMod", "labelmap", "LabelMap",
  "labeldrop", "LabelDrop", "labelkeep", "LabelKeep", "lowercase", "Lowercase", "uppercase", "Uppercase",
  "keepequal", "KeepEqual", "dropequal", "DropEqual",
]);
const serviceMonitor = z
  .object({
    apiVersion: z.literal("monitoring.coreos.com/v1"),
    kind: z.literal("ServiceMonitor"),
    metadata: objectMeta,
    spec: z
      .object({
        selector: labelSelector,
        namespaceSelector: z.object({ any: z.boolean().optional(), matchNames: z.array(z.string()).optional() }).strict().optional(),
        podTargetLabels: z.array(z.string()).optional(),
        targetLabels: z.array(z.string()).optional(),
        jobLabel: z.string().optional(),
        endpoints: z.array(
          z
            .object({
              port: z.string().optional(),
              path: z.string().optional(),
              interval: promDuration.optional(),
              scrapeTimeout: promDuration.optional(),
              scheme: z.enum(["http", "https", "HTTP", "HTTPS"]).optional(),
              relabelings: z
                .array(
                  z
                    .object({
                      action: relabelAction.optional(),
                      sourceLabels: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)).optional(),
                      separator: z.string().optional(),
                      targetLabel: z.string().optional(),
                      regex: z.string().optional(),
                      modulus: z.number().int().optional(),
                      replacement: z.string().optional(),
                    })
                    .strict(),
                )
                .optional(),
            })
            .strict(),
        ),
      })
      .strict(),
  })
  .strict();

const quantity = z.union([z.number(), z.string().regex(/^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/)]);
const verticalPodAutoscaler = z
  .object({
    apiVersion: z.literal("autoscaling.k8s.io/v1"),
    kind: z.literal("VerticalPodAutoscaler"),
    metadata: objectMeta,
    spec: z
      .object({
        targetRef: z.object({ apiVersion: z.string().optional(), kind: z.string().min(1), name: z.string().min(1) }).strict(),
        updatePolicy: z
          .object({ updateMode: z.enum(["Off", "Initial", "Recreate", "InPlaceOrRecreate", "InPlace"]).optional(), minReplicas: int32.optional() })
          .strict()
          .optional(),
        resourcePolicy: z
          .object({
            containerPolicies: z
              .array(
                z
                  .object({
                    containerName: z.string().optional(),
                    mode: z.enum(["Auto", "Off"]).optional(),
                    controlledResources: z.array(z.string()).optional(),
                    controlledValues: z.enum(["RequestsAndLimits", "RequestsOnly"]).optional(),
                    minAllowed: z.record(z.string(), quantity).optional(),
                    maxAllowed: z.record(z.string(), quantity).optional(),
                  })
                  .strict(),
              )
              .optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
  })
  .strict();

const keyUsage = z.enum([
  "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment",
  "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing",
  "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
  "microsoft sgc", "netscape sgc",
]);
/** Go durations as cert-manager parses them (e.g. 2160h, 90m). */
const goDuration = z.string().regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, "a Go duration such as 2160h");
const certificate = z
  .object({
    apiVersion: z.literal("cert-manager.io/v1"),
    kind: z.literal("Certificate"),
    metadata: objectMeta,
    spec: z
      .object({
        secretName: dnsSubdomain,
        // X.509 caps the subject common name at 64 characters; cert-manager refuses longer.
        commonName: z.string().min(1).max(64).optional(),
        dnsNames: z.array(z.string().min(1)).optional(),
        ipAddresses: z.array(z.string().ip()).optional(),
        isCA: z.boolean().optional(),
        duration: goDuration.optional(),
        renewBefore: goDuration.optional(),
        usages: z.array(keyUsage).min(1).optional(),
        privateKey: z
          .object({
            algorithm: z.enum(["RSA", "ECDSA", "Ed25519"]).optional(),
            size: z.number().int().optional(),
            encoding: z.enum(["PKCS1", "PKCS8"]).optional(),
            rotationPolicy: z.enum(["Never", "Always"]).optional(),
          })
          .strict()
          .optional(),
        issuerRef: z.object({ name: z.string().min(1), kind: z.enum(["Issuer", "ClusterIssuer"]).optional(), group: z.string().optional() }).strict(),
      })
      .strict(),
  })
  .strict();

type Validator = (m: Manifest) => void;

function builtIn(Model: new (data: never) => { validate(): void }): Validator {
  return (m) => new Model(m as never).validate();
}

function crd(schema: z.ZodTypeAny): Validator {
  return (m) => {
    const result = schema.safeParse(m);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`${issue.path.join(".") || "(root)"}: ${issue.message}`);
    }
  };
}

const VALIDATORS: Record<string, Validator> = {
  "v1/Service": builtIn(Service),
  "v1/ServiceAccount": builtIn(ServiceAccount),
  "autoscaling/v2/HorizontalPodAutoscaler": builtIn(HorizontalPodAutoscaler),
  "policy/v1/PodDisruptionBudget": builtIn(PodDisruptionBudget),
  "networking.k8s.io/v1/NetworkPolicy": builtIn(NetworkPolicy),
  "networking.k8s.io/v1/Ingress": builtIn(Ingress),
  "argoproj.io/v1alpha1/Rollout": crd(rollout),
  "argoproj.io/v1alpha1/AnalysisTemplate": crd(analysisTemplate),
  "monitoring.coreos.com/v1/ServiceMonitor": crd(serviceMonitor),
  "autoscaling.k8s.io/v1/VerticalPodAutoscaler": crd(verticalPodAutoscaler),
  "cert-manager.io/v1/Certificate": crd(certificate),
};

/** The kinds this module can validate, as `apiVersion/kind`. */
export const VALIDATED_KINDS = Object.keys(VALIDATORS);

/**
 * Validates one manifest against its kind's schema.
 * @throws Error naming the kind, the object and the first violation; also for a kind with no schema here
 */
export function validateManifest(m: Manifest): void {
  const key = `${m.apiVersion}/${m.kind}`;
  const validator = VALIDATORS[key];
  if (!validator) throw new Error(`${key} ${m.metadata?.name}: no schema to validate it against (known: ${VALIDATED_KINDS.join(", ")})`);
  try {
    validator(m);
  } catch (e) {
    throw new Error(`${key} ${m.metadata?.name}: ${(e as Error).message}`);
  }
}
