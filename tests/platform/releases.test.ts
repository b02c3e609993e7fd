import { describe, expect, it } from "vitest";
import {
  ARGO_ROLLOUTS_CHART,
  AWS_LOAD_BALANCER_CONTROLLER_CHART,
  CERT_MANAGER_CHART,
  EXTERNAL_DNS_CHART,
  ExternalDns,
  FLUENT_BIT_CHART,
  JAEGER_CHART,
  KARPENTER_CHART,
  Karpenter,
  KUBE_PROMETHEUS_STACK_CHART,
  KubePrometheusStack,
  METRICS_SERVER_CHART,
  OPENCOST_CHART,
  OTEL_COLLECTOR_CHART,
  VerticalPodAutoscaler,
  VPA_CHART,
  type KarpenterProps,
} from "../../modules/platform";
import { ALERTMANAGER_YAML, CLUSTER, DASHBOARD_JSON, NODE_POOLS, platform, scratchStack, valuesOf } from "./fixture";

const CHARTS: Record<string, { version: string; chart: string }> = {
  "aws-load-balancer-controller": AWS_LOAD_BALANCER_CONTROLLER_CHART,
  "cert-manager": CERT_MANAGER_CHART,
  "external-dns": EXTERNAL_DNS_CHART,
  "metrics-server": METRICS_SERVER_CHART,
  karpenter: KARPENTER_CHART,
  vpa: VPA_CHART,
  "kube-prometheus-stack": KUBE_PROMETHEUS_STACK_CHART,
  "fluent-bit": FLUENT_BIT_CHART,
  "opentelemetry-collector": OTEL_COLLECTOR_CHART,
  jaeger: JAEGER_CHART,
  "argo-rollouts": ARGO_ROLLOUTS_CHART,
  opencost: OPENCOST_CHART,
};

describe("platform releases", () => {
  const { releases, synth } = platform();

  it("installs every add-on plus the manifests releases", () => {
    expect(Object.keys(releases).sort()).toEqual(
      [...Object.keys(CHARTS), "cert-manager-issuers", "grafana-dashboards", "karpenter-node-pools", "opensearch-sigv4-proxy", "storage-classes"].sort(),
    );
  });

  it.each(Object.entries(CHARTS))("%s is pinned, namespaced, atomic and waits for the cluster", (name, chart) => {
    const r = releases[name];
    expect(r.chart).toBe(chart.chart);
    expect(r.version).toBe(chart.version);
    expect(r.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(r.namespace).toMatch(/^[a-z0-9-]+$/);
    expect(r).toMatchObject({ create_namespace: true, atomic: true, wait: true, cleanup_on_fail: true });
    expect(r.timeout).toBeGreaterThanOrEqual(300);
    expect(r.timeout).toBeLessThanOrEqual(900);
    expect(r.depends_on).toContainEqual(expect.stringMatching(/^aws_cloudwatch_log_group\.cluster-ready$/));
  });

  it("renders custom resources through the in-repo manifests chart after their operator", () => {
    for (const [name, after] of [
      ["karpenter-node-pools", "karpenter"],
      ["cert-manager-issuers", "cert-manager"],
      ["grafana-dashboards", "kube-prometheus-stack"],
    ]) {
      expect(releases[name].chart).toBe("${path.root}/../../../charts/manifests");
      const dep = Object.entries(synth.resources("helm_release")).find(([, r]) => r.name === after)![0];
      expect(releases[name].depends_on).toContain(`helm_release.${dep}`);
    }
  });

  it("gives each IAM-using release a Pod Identity association for its service account", () => {
    const associations = Object.values(synth.resources("aws_eks_pod_identity_association"));
    expect(associations.map((a) => `${a.namespace}/${a.service_account}`).sort()).toEqual([
      "cert-manager/cert-manager",
      "external-dns/external-dns",
      "karpenter/karpenter",
      "kube-system/aws-load-balancer-controller",
      "logging/fluent-bit",
      "tracing/opensearch-sigv4-proxy",
    ]);
    for (const a of associations) expect(a.cluster_name).toBe(CLUSTER);
  });
});

describe("monitoring", () => {
  const values = valuesOf(platform().releases["kube-prometheus-stack"]);

  it("runs Prometheus as an HA pair on gp3 volumes with the configured retention", () => {
    const spec = values.prometheus.prometheusSpec;
    expect(spec.replicas).toBe(2);
    expect(spec.podAntiAffinity).toBe("hard");
    expect(spec.retention).toBe("15d");
    expect(spec.storageSpec.volumeClaimTemplate.spec).toEqual({ storageClassName: "gp3", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } } });
    expect(spec.retentionSize).toBe("90GB");
  });

  it("runs at least two Alertmanagers with the repository's config and receiver secrets mounted, not inlined", () => {
    expect(values.alertmanager.alertmanagerSpec.replicas).toBeGreaterThanOrEqual(2);
    expect(values.alertmanager.alertmanagerSpec.secrets).toEqual(["alertmanager-receivers"]);
    expect(values.alertmanager.config.receivers.length).toBeGreaterThan(1);
    expect(JSON.stringify(values.alertmanager.config)).toContain("/etc/alertmanager/secrets/alertmanager-receivers/");
  });

  it("lets the Grafana chart generate the admin password (no Secret to create first, no well-known default) and loads labelled dashboards", () => {
    // "" overrides kube-prometheus-stack's "prom-operator" default where the chart version still has it.
    expect(values.grafana.adminPassword).toBe("");
    expect(values.grafana.admin).toBeUndefined();
    expect(platform().constructs.monitoring.grafanaAdminSecret).toBe("kube-prometheus-stack-grafana");
    expect(values.grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: "grafana_dashboard", labelValue: "1" });
  });

  it("reads Grafana's admin from an existing Secret only when one is named", () => {
    const kps = new KubePrometheusStack(scratchStack(), "kps", { retentionDays: 15, grafanaAdminSecretName: "grafana-admin" });
    expect(kps.values.grafana).toMatchObject({ admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" } });
    expect(kps.values.grafana.adminPassword).toBeUndefined();
    expect(() => new KubePrometheusStack(scratchStack(), "kps", { retentionDays: 15, grafanaAdminSecretName: "Grafana Admin" })).toThrow(
      'KubePrometheusStack: grafanaAdminSecretName is "Grafana Admin"; expected a Secret name (lower-case letters, digits, "-" and ".")',
    );
  });

  it("selects Probes, ScrapeConfigs, ServiceMonitors, PodMonitors and rules from every release, not only its own", () => {
    expect(values.prometheus.prometheusSpec).toMatchObject({
      probeSelectorNilUsesHelmValues: false,
      scrapeConfigSelectorNilUsesHelmValues: false,
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
    });
  });

  it("runs Prometheus, Alertmanager, the operator, Grafana and kube-state-metrics at the platform priority class", () => {
    expect(values.prometheus.prometheusSpec.priorityClassName).toBe("groundwork-platform");
    expect(values.alertmanager.alertmanagerSpec.priorityClassName).toBe("groundwork-platform");
    expect(values.prometheusOperator.priorityClassName).toBe("groundwork-platform");
    expect(values.grafana.priorityClassName).toBe("groundwork-platform");
    expect(values["kube-state-metrics"].priorityClassName).toBe("groundwork-platform");
    // node-exporter keeps the chart's own class (a DaemonSet that must run on every node).
    expect(values["prometheus-node-exporter"]).toBeUndefined();
  });

  it("loads the repository's rule groups and dashboards", () => {
    expect(values.additionalPrometheusRulesMap.groundwork.groups[0].name).toBe("groundwork.test");
    const cm = valuesOf(platform().releases["grafana-dashboards"]).manifests[0];
    expect(cm.metadata.labels).toEqual({ grafana_dashboard: "1" });
    // Grafana's ${datasource} survives Terraform's template syntax.
    expect(cm.data["gw-test.json"]).toBe(DASHBOARD_JSON);
    expect(platform().releases["grafana-dashboards"].values[0]).toContain("$${datasource}");
  });

  it("exports the service pod label for cost allocation", () => {
    expect(values["kube-state-metrics"].metricLabelsAllowlist).toContain("pods=[service,app.kubernetes.io/name]");
  });

  it("fails when Prometheus would run a single replica", () => {
    expect(() => new KubePrometheusStack(scratchStack(), "kps", { retentionDays: 15, prometheusReplicas: 1 })).toThrow(
      "KubePrometheusStack: prometheusReplicas is 1; expected an integer from 2 to 5 (HA needs at least 2)",
    );
  });

  it("fails when the Alertmanager config inlines a receiver credential", () => {
    const yaml = ALERTMANAGER_YAML.replace(/api_url_file: \S+/, ["api_url: https://hooks.slack.com", "services", "T000", "B000", "XXXX"].join("/"));
    expect(() => new KubePrometheusStack(scratchStack(), "kps", { retentionDays: 15, alertmanagerConfigYaml: yaml })).toThrow(/api_url is a literal credential/);
  });
});

describe("autoscaling", () => {
  const { releases } = platform();
  const karpenterBase = (): KarpenterProps => ({
    clusterName: CLUSTER,
    clusterEndpoint: "https://x",
    nodeRoleArn: "arn:aws:iam::111111111111:role/n",
    subnetIds: ["subnet-a"],
    securityGroupIds: ["sg-a"],
    nodePools: NODE_POOLS,
  });

  it("configures Karpenter with the cluster and its interruption queue", () => {
    const v = valuesOf(releases.karpenter);
    expect(v.settings.clusterName).toBe(CLUSTER);
    expect(v.settings.interruptionQueue).toMatch(/^\$\{aws_sqs_queue\.karpenter_interruption-queue[\w-]*\.name\}$/);
    expect(releases.karpenter.repository).toBe("oci://public.ecr.aws/karpenter");
  });

  it("renders NodePools with their limits and requirements, and a hardened EC2NodeClass on the cluster node role", () => {
    const objects = valuesOf(releases["karpenter-node-pools"]).manifests;
    const pool = objects.find((o: { kind: string }) => o.kind === "NodePool");
    expect(pool.metadata.name).toBe("general");
    expect(pool.spec.limits).toEqual({ cpu: "64", memory: "256Gi" });
    expect(pool.spec.template.spec.requirements).toContainEqual({ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] });
    expect(pool.spec.template.spec.nodeClassRef).toEqual({ group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" });
    const nodeClass = objects.find((o: { kind: string }) => o.kind === "EC2NodeClass");
    expect(nodeClass.spec.role).toBe('${element(reverse(split("/", "arn:aws:iam::111111111111:role/groundwork-test-node")), 0)}');
    expect(nodeClass.spec.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(nodeClass.spec.blockDeviceMappings[0].ebs).toMatchObject({ encrypted: true, volumeType: "gp3" });
    expect(nodeClass.spec.subnetSelectorTerms).toEqual([{ id: "subnet-a" }, { id: "subnet-b" }, { id: "subnet-c" }]);
  });

  it("fails when a NodePool has no CPU limit", () => {
    const props = karpenterBase();
    expect(() => new Karpenter(scratchStack(), "k", { ...props, nodePools: [{ ...NODE_POOLS[0], limits: { cpu: "0", memory: "1Gi" } }] })).toThrow(
      'Karpenter: nodePools general limits.cpu is "0"; expected a positive Kubernetes quantity such as 64 or 256Gi',
    );
  });

  it("fails when a requirement has an unknown operator", () => {
    const bad = { ...NODE_POOLS[0], requirements: [{ key: "kubernetes.io/arch", operator: "Equals" as "In", values: ["amd64"] }] };
    expect(() => new Karpenter(scratchStack(), "k", { ...karpenterBase(), nodePools: [bad] })).toThrow(/operator "Equals"; expected one of In, NotIn/);
  });

  it("runs only the VPA recommender by default", () => {
    expect(valuesOf(releases.vpa)).toEqual({
      priorityClassName: "groundwork-platform",
      recommender: { enabled: true, replicaCount: 1 },
      updater: { enabled: false },
      admissionController: { enabled: false },
    });
  });

  it("fails when the VPA updater is turned on without the admission controller", () => {
    expect(() => new VerticalPodAutoscaler(scratchStack(), "vpa", { updater: true })).toThrow(
      "VerticalPodAutoscaler: updater is true but admissionController is false; expected both on, or the updater off",
    );
  });

  it("runs metrics-server highly available", () => {
    expect(valuesOf(releases["metrics-server"])).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } });
  });
});

describe("ingress, DNS and certificates", () => {
  const { releases } = platform();

  it("publishes DNS upsert-only, for the given domain and zone only", () => {
    const v = valuesOf(releases["external-dns"]);
    expect(v).toMatchObject({ provider: { name: "aws" }, policy: "upsert-only", registry: "txt", txtOwnerId: CLUSTER, domainFilters: ["test.example.com"] });
    expect(v.extraArgs).toEqual(["--zone-id-filter=Z0123456789ABCDEFGHIJ"]);
  });

  it("fails when external-dns gets a bad domain filter", () => {
    expect(() => new ExternalDns(scratchStack(), "d", { clusterName: CLUSTER, domainFilters: ["https://x.com"], hostedZoneIds: ["Z123456"] })).toThrow(
      'ExternalDns: domainFilters contains "https://x.com"; expected DNS domains such as staging.example.com',
    );
  });

  it("installs cert-manager's CRDs with the chart and keeps them, and issues via Route53 DNS-01", () => {
    expect(valuesOf(releases["cert-manager"]).crds).toEqual({ enabled: true, keep: true });
    const issuer = valuesOf(releases["cert-manager-issuers"]).manifests[0];
    expect(issuer.kind).toBe("ClusterIssuer");
    expect(issuer.spec.acme.solvers[0].dns01.route53.hostedZoneID).toBe("Z0123456789ABCDEFGHIJ");
  });

  it("runs the load balancer controller for this cluster and VPC without taking over plain LoadBalancer Services", () => {
    expect(valuesOf(releases["aws-load-balancer-controller"])).toMatchObject({ clusterName: CLUSTER, vpcId: "vpc-0123", replicaCount: 2, enableServiceMutatorWebhook: false });
  });
});

describe("logging, tracing, delivery and cost", () => {
  const { releases, constructs } = platform();

  it("ships logs to the OpenSearch domain with SigV4 over TLS", () => {
    const v = valuesOf(releases["fluent-bit"]);
    expect(v.kind).toBe("DaemonSet");
    expect(v.config.outputs).toMatch(/Name\s+opensearch/);
    expect(v.config.outputs).toMatch(/Host\s+\$\{aws_opensearch_domain\.logs-domain[\w-]*\.endpoint\}/);
    expect(v.config.outputs).toMatch(/AWS_Auth\s+On/);
    expect(v.config.outputs).toMatch(/tls\s+On/);
    expect(v.config.outputs).toMatch(/Port\s+443/);
    expect(constructs.fluentBit.retentionDays).toBe(30);
    expect(JSON.stringify(constructs.fluentBit.ismPolicy)).toContain('"min_index_age":"30d"');
  });

  it("stores Jaeger spans in OpenSearch through the signing proxy and cleans old indices", () => {
    const v = valuesOf(releases.jaeger);
    expect(v.storage).toMatchObject({ type: "elasticsearch", elasticsearch: { host: "opensearch-sigv4-proxy.tracing.svc", port: 8080, anonymous: true, usePassword: false } });
    expect(v.provisionDataStore).toEqual({ cassandra: false, elasticsearch: false });
    expect(v.esIndexCleaner).toMatchObject({ enabled: true, numberOfDays: 7 });
    const deploy = valuesOf(releases["opensearch-sigv4-proxy"]).manifests.find((m: { kind: string }) => m.kind === "Deployment");
    const args: string[] = deploy.spec.template.spec.containers[0].args;
    expect(args[args.indexOf("--host") + 1]).toMatch(/^\$\{aws_opensearch_domain\.logs-domain[\w-]*\.endpoint\}$/);
    expect(args[args.indexOf("--name") + 1]).toBe("es");
  });

  it("runs the OpenTelemetry Collector as a deployment sending traces to Jaeger and metrics to Prometheus", () => {
    const v = valuesOf(releases["opentelemetry-collector"]);
    expect(v.mode).toBe("deployment");
    expect(v.config.receivers.otlp.protocols).toHaveProperty("grpc");
    expect(v.config.exporters["otlp/jaeger"].endpoint).toBe("jaeger-collector.tracing.svc:4317");
    expect(v.config.exporters.prometheusremotewrite.endpoint).toBe("http://kube-prometheus-stack-prometheus.monitoring.svc:9090/api/v1/write");
    expect(v.config.service.pipelines.traces.exporters).toEqual(["otlp/jaeger"]);
    expect(valuesOf(releases["kube-prometheus-stack"]).prometheus.prometheusSpec.enableRemoteWriteReceiver).toBe(true);
  });

  it("keeps the Argo Rollouts dashboard off by default", () => {
    expect(valuesOf(releases["argo-rollouts"]).dashboard).toEqual({ enabled: false });
  });

  it("points OpenCost at kube-prometheus-stack's Prometheus", () => {
    expect(valuesOf(releases.opencost).opencost.prometheus.internal).toEqual({
      enabled: true,
      serviceName: "kube-prometheus-stack-prometheus",
      namespaceName: "monitoring",
      port: 9090,
    });
    expect(constructs.openCost.aggregations).toEqual(["namespace", "label:service"]);
  });
});
