import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { HttpProvider } from "@cdktf/provider-http/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Fn, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { resourceNames } from "../config/naming";
import type { EnvironmentConfig, StateStoreConfig } from "../config/schema";
import { maxReplicasIn, type Service } from "../config/services";
import { environmentBase } from "./environment-base";
import { Cache } from "../modules/cache/cache";
import { Cluster } from "../modules/cluster/cluster";
import { ScaleOutAccess } from "../modules/cluster/scale-out-access";
import { TeamAccess } from "../modules/cluster/team-access";
import { RdsCaBundle } from "../modules/database/ca-bundle";
import { Database } from "../modules/database/database";
import { Network } from "../modules/network/network";
import { OpenSearchLogsDomain } from "../modules/logging/opensearch";
import { BackupStatus } from "../modules/monitoring/backup-status";
import { BlackboxExporter } from "../modules/monitoring/blackbox-exporter";
import { CloudWatchExporter, replicationGroupNodeIds } from "../modules/monitoring/cloudwatch-exporter";
import * as platform from "../modules/platform";
import { Registry } from "../modules/registry/registry";
import { FaultInjection } from "../modules/resilience/fault-injection";
import { PodFaultAccess } from "../modules/resilience/pod-fault-access";
import { AccountBaseline } from "../modules/security/account-baseline";
import { PublicCertificate } from "../modules/security/certificate";
import { PipelineRoles } from "../modules/security/pipeline-roles";
import { WebAcl } from "../modules/security/web-acl";
import { ServiceNamespace } from "../modules/service/namespace";
import { PriorityClasses } from "../modules/service/priority-classes";
import { ServiceRelease } from "../modules/service/service-release";
import { autoscalingOverrides, deploymentFor, microserviceValues, requestsPerSecondTargetOf, vpaAppliesRequests, vpaUpdateModeOf } from "../modules/service/values";
import { SNAPSHOT_PREFIX, vaultInClusterAddress } from "../modules/vault/constants";
import { Vault } from "../modules/vault/vault";
import { alertmanagerConfig } from "../monitoring/alertmanager/config";
import { dashboards } from "../monitoring/grafana/dashboards";
import { ruleFiles } from "../monitoring/prometheus/rules";
import { stringify as toYaml } from "yaml";

export interface EnvironmentStackProps {
  readonly config: EnvironmentConfig;
  readonly state: StateStoreConfig;
  readonly services: readonly Service[];
}

/**
 * Everything one environment runs on: network, EKS, PostgreSQL, Redis,
 * registry, security baseline and WAF, the platform add-ons, Vault, and the
 * catalog's services. `npx cdktf deploy <env>` brings it all up in one run.
 */
export class EnvironmentStack extends TerraformStack {
  readonly network: Network;
  readonly cluster: Cluster;
  readonly database: Database;
  readonly cache: Cache;
  readonly vault: Vault;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id);
    const { config } = props;
    const names = resourceNames(config.name);

    environmentBase(this, config, props.state, names.stateKey);

    this.network = new Network(this, "network", {
      name: names.prefix,
      cidr: config.network.cidr,
      azCount: config.network.azCount,
      natGateways: config.network.natGateways,
      flowLogRetentionDays: config.network.flowLogRetentionDays,
      gatewayEndpoints: config.network.gatewayEndpoints,
      interfaceEndpoints: config.network.interfaceEndpoints,
      privateSubnetTags: { [`kubernetes.io/cluster/${names.cluster}`]: "shared" },
    });

    // The delivery pipeline's OIDC roles; the deploy role administers the cluster, as Helm runs with it.
    const pipeline = new PipelineRoles(this, "pipeline", {
      repository: config.delivery.githubRepository,
      deployEnvironment: config.delivery.githubEnvironment,
      drillEnvironment: `dr-drill-${config.name}`,
      scaleOutEnvironment: `scale-out-revert-${config.name}`,
      clusterName: names.cluster,
      prefix: names.prefix,
      state: { bucketName: props.state.bucketName, accountId: props.state.account.id, region: props.state.account.region, prefix: config.name },
      repositories: props.services.map((s) => s.repository),
    });

    this.cluster = new Cluster(this, "cluster", {
      name: names.cluster,
      version: config.cluster.version,
      subnetIds: this.network.privateSubnetIds,
      publicEndpoint: config.cluster.publicEndpoint,
      publicAccessCidrs: config.cluster.publicEndpoint ? config.adminCidrs : undefined,
      adminPrincipalArns: [...config.cluster.adminPrincipalArns, pipeline.roleArns.deploy],
      logRetentionDays: config.cluster.logRetentionDays,
      nodeGroups: config.cluster.nodeGroups,
    });

    this.database = new Database(this, "database", {
      identifier: names.dbInstance,
      vpcId: this.network.vpcId,
      subnetIds: this.network.databaseSubnetIds,
      proxySubnetIds: this.network.privateSubnetIds,
      clientSecurityGroupId: this.cluster.nodeSecurityGroupId,
      engineVersion: config.database.engineVersion,
      instanceClass: config.database.instanceClass,
      allocatedStorageGiB: config.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: config.database.maxAllocatedStorageGiB,
      multiAz: config.database.multiAz,
      backupRetentionDays: config.database.backupRetentionDays,
      deletionProtection: config.database.deletionProtection,
      readReplicas: config.database.readReplicas,
      monitoringIntervalSeconds: config.database.monitoringIntervalSeconds,
      performanceInsightsRetentionDays: config.database.performanceInsightsRetentionDays,
      slowQueryMs: config.database.slowQueryMs,
    });

    this.cache = new Cache(this, "cache", {
      replicationGroupId: names.redisGroup,
      vpcId: this.network.vpcId,
      subnetIds: this.network.databaseSubnetIds,
      clientSecurityGroupId: this.cluster.nodeSecurityGroupId,
      engineVersion: config.cache.engineVersion,
      nodeType: config.cache.nodeType,
      replicas: config.cache.replicas,
      snapshotRetentionDays: config.cache.snapshotRetentionDays,
    });

    const baseline = new AccountBaseline(this, "baseline", {
      name: names.prefix,
      auditBucketName: names.auditBucket(config.account.id),
    });
    const webAcl = new WebAcl(this, "web-acl", {
      name: `${names.prefix}-public`,
      globalRequestsPerMinute: config.edge.rateLimits.globalPerMinute,
      perClientRequestsPerMinute: config.edge.rateLimits.perClientPerMinute,
    });

    const faults = new FaultInjection(this, "fault-injection", {
      name: names.prefix,
      clusterName: names.cluster,
      nodeGroupNames: config.cluster.nodeGroups.map((g) => g.name),
      dbInstanceId: names.dbInstance,
      disruptedZone: this.network.zoneNames[0],
      targetTag: { key: "environment", value: config.tags.environment },
      stressedService: props.services[0].name,
    });

    new Registry(this, "registry", { name: names.prefix, repositories: props.services.map((s) => s.repository) });

    // Helm and Kubernetes talk to the cluster with `aws eks get-token`. The cluster
    // name is a literal from config, so the token command is known at plan time.
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", names.cluster, "--region", config.account.region],
    };
    const clusterCa = Fn.base64decode(this.cluster.certificateAuthority);
    new HelmProvider(this, "helm", { kubernetes: { host: this.cluster.endpoint, clusterCaCertificate: clusterCa, exec } });
    new HttpProvider(this, "http");
    new KubernetesProvider(this, "kubernetes", { host: this.cluster.endpoint, clusterCaCertificate: clusterCa, exec: [exec] });

    const ready = this.cluster.readyDependencies;
    const priorityClasses = new PriorityClasses(this, "priority-classes", { dependsOn: ready });
    // Releases whose pods run at groundwork-platform wait for that class (and are removed before it).
    const platformReady = [...ready, priorityClasses.platform];
    // Per-service autoscaling (catalog, then this environment's overrides) decides the VPA mode and prometheus-adapter.
    const autoscaling = autoscalingOverrides(config);
    const vpaApplies = props.services.some((s) => vpaAppliesRequests(vpaUpdateModeOf(s, autoscaling)));
    const usesRequestRate = props.services.some((s) => requestsPerSecondTargetOf(s, autoscaling) !== null);

    // Platform add-ons: ingress and TLS, DNS, autoscaling, monitoring, logs, traces, delivery, cost.
    const p = config.platform;
    const clusterName = names.cluster;
    const logs = new OpenSearchLogsDomain(this, "logs", {
      domainName: `${names.prefix}-logs`,
      vpcId: this.network.vpcId,
      subnetIds: this.network.privateSubnetIds,
      clientSecurityGroupId: this.cluster.nodeSecurityGroupId,
      masterRoleArn: p.opensearch.masterRoleArn,
      instanceType: p.opensearch.instanceType,
      instanceCount: p.opensearch.instanceCount,
      volumeSizeGiB: p.opensearch.volumeSizeGiB,
      dedicatedMaster: p.opensearch.dedicatedMaster ?? undefined,
      logRetentionDays: p.opensearch.logRetentionDays,
    });
    const storage = new platform.Gp3StorageClass(this, "storage-class", { dependsOn: ready });
    const monitoring = new platform.KubePrometheusStack(this, "kube-prometheus-stack", {
      dependsOn: [...platformReady, storage.manifests.release],
      retentionDays: p.prometheus.retentionDays,
      prometheusStorageGiB: p.prometheus.storageGiB,
      alertmanagerConfigYaml: toYaml(alertmanagerConfig()),
      ruleGroups: ruleFiles(props.services, [config]).flatMap((f) => f.groups),
      dashboards: Object.fromEntries(dashboards(props.services).map((d) => [d.uid, JSON.stringify(d)])),
      remoteWriteReceiver: true,
    });
    const loadBalancers = new platform.AwsLoadBalancerController(this, "aws-load-balancer-controller", {
      dependsOn: ready,
      clusterName,
      vpcId: this.network.vpcId,
    });
    const certManager = new platform.CertManager(this, "cert-manager", {
      // After kube-prometheus-stack: its ServiceMonitor needs the Prometheus Operator CRDs (CertificateExpiringSoon reads it).
      dependsOn: [...platformReady, monitoring.release],
      serviceMonitor: true,
      clusterName,
      hostedZoneIds: [p.dns.hostedZoneId],
      acmeIssuer: { name: "letsencrypt", email: p.dns.acmeEmail, dnsZones: [config.services.domain] },
    });
    new platform.ExternalDns(this, "external-dns", {
      dependsOn: platformReady,
      clusterName,
      domainFilters: [config.services.domain],
      hostedZoneIds: [p.dns.hostedZoneId],
    });
    new platform.MetricsServer(this, "metrics-server", { dependsOn: ready });
    new platform.Karpenter(this, "karpenter", {
      dependsOn: ready,
      clusterName,
      clusterEndpoint: this.cluster.endpoint,
      nodeRoleArn: this.cluster.nodeRoleArn,
      subnetIds: this.network.privateSubnetIds,
      securityGroupIds: [this.cluster.nodeSecurityGroupId],
      amiAlias: p.karpenter.amiAlias,
      nodePools: [
        {
          name: "general",
          requirements: [
            { key: "karpenter.sh/capacity-type", operator: "In", values: p.karpenter.capacityTypes },
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
            { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
          ],
          limits: { cpu: String(p.karpenter.limits.cpu), memory: `${p.karpenter.limits.memoryGiB}Gi` },
        },
      ],
    });
    // The updater and admission controller apply recommendations: only when a service here opts into "auto".
    const vpa = new platform.VerticalPodAutoscaler(this, "vertical-pod-autoscaler", { dependsOn: platformReady, updater: vpaApplies, admissionController: vpaApplies });
    const fluentBit = new platform.FluentBit(this, "fluent-bit", {
      dependsOn: ready,
      clusterName,
      opensearchDomainArn: logs.arn,
      opensearchEndpoint: logs.endpoint,
      retentionDays: p.logIndexRetentionDays,
    });
    const jaeger = new platform.Jaeger(this, "jaeger", {
      dependsOn: platformReady,
      clusterName,
      opensearchDomainArn: logs.arn,
      opensearchEndpoint: logs.endpoint,
      retentionDays: p.traceRetentionDays,
    });
    new platform.OpenTelemetryCollector(this, "opentelemetry-collector", {
      dependsOn: [...platformReady, jaeger.release, monitoring.release],
      jaegerOtlpEndpoint: jaeger.otlpGrpcEndpoint,
      prometheusRemoteWriteUrl: `${monitoring.prometheusUrl}/api/v1/write`,
    });
    new BlackboxExporter(this, "blackbox-exporter", {
      dependsOn: [...platformReady, monitoring.release],
      services: props.services,
      serviceNamespace: (service) => service,
      dependencies: {
        postgres: this.database.endpoint,
        redis: `${this.cache.primaryEndpoint}:6379`,
        vault: vaultInClusterAddress(),
        opensearch: `https://${logs.endpoint}`,
      },
    });
    const rollouts = new platform.ArgoRollouts(this, "argo-rollouts", { dependsOn: platformReady });
    new platform.OpenCost(this, "opencost", {
      dependsOn: [...platformReady, monitoring.release],
      clusterName,
      prometheusServiceName: monitoring.prometheusServiceName,
      prometheusNamespace: monitoring.namespace,
    });

    this.vault = new Vault(this, "vault", {
      name: names.prefix,
      clusterName,
      snapshotBucketName: names.vaultSnapshotBucket(config.account.id),
      replicas: config.vault.replicas,
      snapshotSchedule: config.vault.snapshotSchedule,
      snapshotRetentionDays: config.vault.snapshotRetentionDays,
      storageSizeGiB: config.vault.storageSizeGiB,
      // Vault's database secrets engine verifies RDS (sslmode=verify-full) with the region's public CA bundle.
      databaseCaBundle: new RdsCaBundle(this, "rds-ca-bundle", { region: config.account.region }).pem,
      // kube-prometheus-stack first: vault-manifests holds Vault's ServiceMonitor.
      dependsOn: [...platformReady, certManager.release, storage.manifests.release, monitoring.release],
    });

    // Metric sources the alert rules read that no other release produces (modules/monitoring/metric-sources.ts).
    new CloudWatchExporter(this, "cloudwatch-exporter", {
      dependsOn: [...platformReady, monitoring.release],
      clusterName,
      roleName: `${names.prefix}-cloudwatch-exporter`,
      region: config.account.region,
      rdsInstanceIds: [this.database.instanceId, ...this.database.replicas.map((r) => r.identifier)],
      cacheClusterIds: replicationGroupNodeIds(this.cache.replicationGroup.memberClusters, 1 + config.cache.replicas),
    });
    new BackupStatus(this, "backup-status", {
      dependsOn: [...platformReady, monitoring.release],
      clusterName,
      roleName: `${names.prefix}-backup-status`,
      region: config.account.region,
      database: { instanceId: this.database.instanceId, arn: this.database.primary.arn },
      vaultSnapshots: { bucketName: this.vault.snapshotBucketName, bucketArn: this.vault.snapshotBucket.bucketArn, prefix: SNAPSHOT_PREFIX },
    });

    // The catalog's services, one namespace and one release each, at the image tag the pipeline deploys.
    const imageTag = new TerraformVariable(this, "image_tag", {
      type: "string",
      description: "Immutable image tag of the services to deploy (the git commit SHA); never latest",
      validation: [
        {
          condition: '${can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && lower(var.image_tag) != "latest"}',
          errorMessage: "image_tag must be an immutable Docker tag such as a git SHA, never latest.",
        },
      ],
    });
    const certificate = new PublicCertificate(this, "certificate", { domain: config.services.domain, hostedZoneId: p.dns.hostedZoneId });
    // The custom metrics API for the services' request rate, only when a service scales on it.
    const adapter = usesRequestRate
      ? new platform.PrometheusAdapter(this, "prometheus-adapter", {
          dependsOn: [...platformReady, monitoring.release],
          prometheusUrl: `http://${monitoring.prometheusServiceName}.${monitoring.namespace}.svc`,
        })
      : undefined;
    const deployment = deploymentFor(config, imageTag.stringValue, {
      wafAclArn: webAcl.arn,
      certificateArn: certificate.arn,
      requestsPerSecondMetric: adapter?.requestsPerSecondMetric,
    });
    const namespaces = new Construct(this, "namespaces");
    const releases = new Construct(this, "services");
    const namespaceResources: Record<string, ServiceNamespace> = {};
    for (const service of props.services) {
      const namespace = new ServiceNamespace(namespaces, service.name, {
        name: service.name,
        podCpuMillicores: service.resources.cpuMillicores,
        podMemoryMiB: service.resources.memoryMiB,
        maxReplicas: maxReplicasIn(service, config.services.maxReplicasCap),
        dependsOn: ready,
      });
      namespaceResources[service.name] = namespace;
      new ServiceRelease(releases, service.name, {
        values: microserviceValues(service, deployment, props.services),
        dependsOn: [
          namespace.namespace,
          ...priorityClasses.classes,
          rollouts.release,
          monitoring.release,
          // Every service renders a VerticalPodAutoscaler object (recommend mode included): the CRD must exist first.
          vpa.release,
          loadBalancers.release,
          certManager.release,
          this.vault.release,
          ...(adapter ? [adapter.release] : []),
        ],
      });
    }

    // Service teams get RBAC in the namespaces of the services they own, nowhere else.
    const teams = new Construct(this, "teams");
    for (const [team, access] of Object.entries(config.cluster.teamAccess)) {
      const owned = props.services.filter((s) => s.team === team).map((s) => s.name);
      new TeamAccess(teams, team, {
        clusterName: this.cluster.name,
        team,
        principalArns: access.principalArns,
        role: access.role,
        namespaces: owned,
        dependsOn: owned.map((name) => namespaceResources[name].namespace),
      });
    }

    new ScaleOutAccess(this, "scale-out-access", { clusterName: this.cluster.name, principalArn: pipeline.roleArns.scaleOut, dependsOn: ready });

    // The FIS role reaches the pods its experiments target through an access entry and namespaced RBAC.
    new PodFaultAccess(this, "fault-injection-access", {
      clusterName: this.cluster.name,
      principalArn: faults.roleArn,
      namespaces: faults.podNamespaces,
      dependsOn: faults.podNamespaces.map((name) => namespaceResources[name].namespace),
    });

    const outputs: Record<string, { value: unknown; description: string }> = {
      region: { value: config.account.region, description: "AWS region of the environment" },
      vpc_id: { value: this.network.vpcId, description: "VPC id" },
      cluster_name: { value: this.cluster.name, description: "EKS cluster name (aws eks update-kubeconfig --name ...)" },
      cluster_endpoint: { value: this.cluster.endpoint, description: "Kubernetes API endpoint" },
      db_instance_id: { value: this.database.instanceId, description: "RDS primary instance identifier (runbooks: db-failover, db-restore)" },
      db_endpoint: { value: this.database.endpoint, description: "RDS primary endpoint (host:port)" },
      db_proxy_endpoint: { value: this.database.proxyEndpoint, description: "RDS Proxy endpoint services connect to" },
      db_master_secret_arn: { value: this.database.masterSecretArn, description: "Secrets Manager secret of the master user (the ARN, not the secret)" },
      redis_replication_group_id: { value: this.cache.replicationGroupId, description: "ElastiCache replication group id (runbook: redis-failover)" },
      redis_primary_endpoint: { value: this.cache.primaryEndpoint, description: "Redis primary endpoint" },
      state_bucket: { value: props.state.bucketName, description: "Terraform state bucket (runbook: state-restore)" },
      state_key: { value: names.stateKey, description: "This environment's state object key" },
      web_acl_arn: { value: webAcl.arn, description: "WAF web ACL for the public load balancer (Ingress annotation)" },
      audit_bucket: { value: baseline.auditBucketName, description: "CloudTrail and AWS Config bucket" },
      vault_address: { value: this.vault.address, description: "In-cluster address of the active Vault node" },
      vault_snapshot_bucket: { value: this.vault.snapshotBucketName, description: "Raft snapshot bucket (runbook: vault-snapshot)" },
      opensearch_endpoint: { value: logs.endpoint, description: "OpenSearch domain for logs and traces (runbook: opensearch-bootstrap)" },
      fluent_bit_role_arn: { value: fluentBit.role.arn, description: "IAM role Fluent Bit signs as; mapped to groundwork-logs-writer (runbook: opensearch-bootstrap)" },
      jaeger_role_arn: { value: jaeger.role.arn, description: "IAM role Jaeger's signing proxy signs as; mapped to groundwork-traces-writer (runbook: opensearch-bootstrap)" },
      fis_experiment_templates: { value: faults.templateIds, description: "FIS experiment template id by experiment name (runbook: chaos)" },
    };
    for (const [name, output] of Object.entries(outputs)) new TerraformOutput(this, name, output);
  }
}
