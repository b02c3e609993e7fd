/** The platform Helm releases: one construct per add-on, with typed values and props. */
export * from "./argo-rollouts";
export * from "./aws-load-balancer-controller";
export * from "./cert-manager";
export * from "./external-dns";
export * from "./fluent-bit";
export * from "./jaeger";
export * from "./karpenter";
export * from "./kube-prometheus-stack";
export * from "./manifests";
export * from "./metrics-server";
export * from "./opencost";
export * from "./opentelemetry-collector";
export * from "./prometheus-adapter";
export * from "./release";
export * from "./storage-class";
export * from "./vertical-pod-autoscaler";
