/**
 * Kubernetes workload, node and certificate alerts, from kube-state-metrics
 * and cert-manager. Names differ from kube-prometheus-stack's default rules
 * (KubePodCrashLooping, ...) so both can load; the platform release should
 * disable the overlapping default groups (see monitoring/README.md).
 */
import type { AlertGroup } from "./types";

/** Adds the pod's `node` label, so NodeNotReady can inhibit alerts of pods on that node. */
const withNode = "on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info)";

export const kubernetesAlerts: AlertGroup = {
  name: "kubernetes",
  alerts: [
    {
      name: "PodCrashLooping",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "15m",
      expr: `max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"})\n* ${withNode}\n== 1`,
      summary: "{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is crash looping",
      description:
        "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} on node {{ $labels.node }} has been in CrashLoopBackOff for 15 minutes.",
      runbooks: ["service-rollback"],
      page: {
        meaning: "kube-state-metrics reports the container waiting in `CrashLoopBackOff` for 15 minutes: it starts, exits, and Kubernetes backs off.",
        impact: "The workload runs with fewer replicas than desired. If all replicas crash, the service is down (its probe alert fires too).",
        diagnosis:
          "1. `kubectl -n <namespace> logs <pod> -c <container> --previous`: why did it exit?\n" +
          "2. `kubectl -n <namespace> describe pod <pod>`: `OOMKilled` in Last State means the memory limit is too low.\n" +
          "3. Missing secret or config: Vault agent or CSI errors in the events.",
        mitigation:
          "1. If a new version crashes, roll back: `npx zx runbooks/service-rollback.mjs --env <env> --service <service>`.\n" +
          "2. If OOMKilled, raise `resources.memoryMiB` in `config/services.ts` and redeploy.",
      },
    },
    {
      name: "PodsPending",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "15m",
      expr: 'sum by (namespace, pod) (kube_pod_status_phase{phase="Pending"}) > 0',
      summary: "{{ $labels.namespace }}/{{ $labels.pod }} has been pending for 15 minutes",
      description: "Pod {{ $labels.namespace }}/{{ $labels.pod }} cannot be scheduled or started: no node fits it, or its volumes or image cannot be provided.",
      runbooks: ["scale-out"],
      page: {
        meaning: "A pod stayed in phase `Pending` for 15 minutes.",
        impact: "Desired replicas are missing: less capacity during load, or a stuck rollout.",
        diagnosis:
          "1. `kubectl -n <namespace> describe pod <pod>`, Events: `Insufficient cpu/memory` (capacity), `didn't match node affinity/selector`, `pod has unbound PersistentVolumeClaims`, image pull errors.\n" +
          "2. Cluster autoscaler: `kubectl -n kube-system logs deploy/cluster-autoscaler | grep -i scale`; is the node group at `maxSize`?",
        mitigation:
          "1. Capacity: add nodes with `npx zx runbooks/scale-out.mjs --env <env>` and raise the node group's `maxSize` in `config/<env>.ts`.\n" +
          "2. Image pull: check the tag exists in ECR and the node role can pull.",
      },
    },
    {
      name: "HpaAtMaxReplicas",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "15m",
      expr:
        "kube_horizontalpodautoscaler_status_current_replicas\n>= on (namespace, horizontalpodautoscaler)\nkube_horizontalpodautoscaler_spec_max_replicas",
      summary: "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has been at its maximum for 15 minutes",
      description:
        "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} runs {{ $value }} replicas, its maximum, for 15 minutes: it cannot add capacity if load rises further.",
      runbooks: ["scale-out"],
      page: {
        meaning: "An HPA's current replicas equal its `maxReplicas` (from `scaling.maxReplicas` in `config/services.ts`) for more than 15 minutes.",
        impact: "The service has no headroom: more load turns into latency and errors (watch ServiceLatencyBurnRateFast).",
        diagnosis:
          "1. RED dashboard: is the load real (request rate up) or is each request more expensive (CPU per request up after a deploy)?\n" +
          "2. `kubectl -n <namespace> describe hpa <name>`: which metric drives it, at what value?",
        mitigation:
          "1. Raise the maximum temporarily: `npx zx runbooks/scale-out.mjs --env <env> --service <service>`.\n" +
          "2. Make it permanent in `scaling.maxReplicas` in `config/services.ts`, and check the node groups can hold the extra pods.",
      },
    },
    {
      name: "NodeNotReady",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "5m",
      expr: 'kube_node_status_condition{condition="Ready",status="true"} == 0',
      summary: "Node {{ $labels.node }} is not ready",
      description:
        "Node {{ $labels.node }} has not been Ready for 5 minutes. Its pods are being evicted; pod alerts for this node are inhibited while this fires.",
      runbooks: [],
      page: {
        meaning: "The node's `Ready` condition has not been `True` for 5 minutes.",
        impact:
          "Pods on the node are unreachable and get rescheduled after the eviction timeout. Capacity drops by one node until the node group replaces it.",
        diagnosis:
          "1. `kubectl describe node <node>`: conditions, last heartbeat, kubelet messages.\n" +
          "2. EC2 status checks of the instance; a spot interruption or an AZ event?\n" +
          "3. Many nodes at once points at the CNI or the control plane, not the nodes.",
        mitigation:
          "1. Cordon and drain the node if it responds: `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`.\n" +
          "2. Terminate the instance; the managed node group replaces it.",
      },
    },
    {
      name: "NodeUnderPressure",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "5m",
      expr: 'kube_node_status_condition{condition=~"MemoryPressure|DiskPressure|PIDPressure",status="true"} == 1',
      summary: "Node {{ $labels.node }} reports {{ $labels.condition }}",
      description: "Node {{ $labels.node }} has reported {{ $labels.condition }} for 5 minutes; the kubelet evicts pods to relieve it.",
      runbooks: [],
      page: {
        meaning: "The kubelet reports MemoryPressure, DiskPressure or PIDPressure on a node for 5 minutes.",
        impact: "The kubelet evicts pods (lowest priority first) and schedules no new ones there.",
        diagnosis:
          "1. `kubectl describe node <node>`: which condition, and the eviction messages.\n" +
          "2. Memory: pods without limits or above requests (`kubectl top pods -A --sort-by=memory`). Disk: image cache or container logs filling the root volume (`diskGiB` in the node group).",
        mitigation:
          "1. Drain the node so its pods move: `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`.\n" +
          "2. Fix the cause: limits on the offending workload, or a larger `diskGiB` for the node group.",
      },
    },
    {
      name: "CertificateExpiringSoon",
      scope: "global",
      team: "platform",
      severity: "warning",
      for: "1h",
      expr: "certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 86400",
      summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}",
      description:
        "cert-manager certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days. cert-manager renews 30 days ahead, so renewal is failing.",
      runbooks: [],
      page: {
        meaning: "A cert-manager Certificate expires in less than 14 days. cert-manager renews at two thirds of the lifetime (30 days before for 90-day certificates), so renewal has failed for two weeks.",
        impact: "None yet. At expiry clients reject the endpoint's TLS: a public certificate takes the API down.",
        diagnosis:
          "1. `kubectl -n <namespace> describe certificate <name>` and its CertificateRequest and Order: the failing step.\n" +
          "2. ACME DNS-01: can cert-manager's IRSA role change the Route 53 zone? HTTP-01: does the ingress route `/.well-known/acme-challenge/`?",
        mitigation: "1. Fix the issuer problem, then `cmctl renew -n <namespace> <name>` to retry at once.",
      },
    },
    {
      name: "CertificateExpiryImminent",
      scope: "global",
      team: "platform",
      severity: "critical",
      for: "10m",
      expr: "certmanager_certificate_expiration_timestamp_seconds - time() < 3 * 86400",
      summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}",
      description: "cert-manager certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 3 days and has not been renewed.",
      runbooks: [],
      page: {
        meaning: "A cert-manager Certificate expires in less than 3 days; CertificateExpiringSoon has been ignored or its fix did not work.",
        impact: "Within days the endpoint's TLS becomes invalid and clients refuse to connect.",
        diagnosis: "As for CertificateExpiringSoon: follow the Certificate, CertificateRequest, Order and Challenge resources to the failing step.",
        mitigation:
          "1. Fix the issuer and run `cmctl renew -n <namespace> <name>`.\n" +
          "2. If the issuer cannot be fixed in time, issue a certificate from another issuer (e.g. ACM for the load balancer) and switch the ingress to it.",
      },
    },
  ],
};
