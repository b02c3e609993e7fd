import { describe, expect, it } from "vitest";
import { services } from "../../config/services";
import { PRIORITY_CLASSES } from "../../modules/service/priority-classes";
import { config, synthEnvironment } from "../helpers/synth";

describe.each(["dev", "prod"] as const)("in-cluster resources of %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);

  it("configures Helm and Kubernetes from the cluster's outputs with aws eks get-token", () => {
    const exec = {
      api_version: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", `groundwork-${env}`, "--region", cfg.account.region],
    };
    const [helm] = stack.json.provider.helm;
    expect(helm.kubernetes.exec).toEqual(exec);
    expect(helm.kubernetes.host).toMatch(/^\$\{aws_eks_cluster\.cluster_\w+\.endpoint\}$/);
    expect(helm.kubernetes.cluster_ca_certificate).toMatch(/^\$\{base64decode\(aws_eks_cluster\.cluster_\w+\.certificate_authority\[0\]\.data\)\}$/);
    expect(stack.json.provider.kubernetes[0].exec).toEqual([exec]);
  });

  it("creates one restricted namespace per service that waits for nodes and add-ons", () => {
    const namespaces = stack.byPath("kubernetes_namespace_v1", "/namespaces/");
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual(services.map((s) => s.name).sort());
    for (const ns of namespaces) {
      expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      expect(ns.depends_on).toContainEqual(expect.stringMatching(/^aws_eks_node_group\./));
      expect(ns.depends_on).toContainEqual(expect.stringMatching(/^aws_eks_addon\./));
    }
  });

  it("sizes each quota to hold the service at its capped maximum during a blue-green rollout", () => {
    for (const service of services) {
      const [quota] = stack.byPath("kubernetes_resource_quota_v1", `/namespaces/${service.name}/`);
      const max = Math.min(service.scaling.maxReplicas, cfg.services.maxReplicasCap);
      expect(Number(quota.spec.hard.pods)).toBe(2 * max + 2);
      expect(quota.spec.hard["requests.cpu"]).toBe(`${Math.ceil(2 * max * service.resources.cpuMillicores * 1.25)}m`);
      expect(quota.spec.hard["services.loadbalancers"]).toBe("0");
    }
  });

  it("bounds every container with a LimitRange", () => {
    expect(Object.keys(stack.resources("kubernetes_limit_range_v1"))).toHaveLength(services.length);
  });

  it("ranks platform add-ons above services", () => {
    const classes = Object.values(stack.resources("kubernetes_priority_class_v1"));
    const value = (name: string) => classes.find((c) => c.metadata.name === name)!.value;
    expect(value(PRIORITY_CLASSES.platform)).toBeGreaterThan(value(PRIORITY_CLASSES.services));
  });
});
