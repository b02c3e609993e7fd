/**
 * A first `deploy` and a `destroy` work in one run only if every object
 * Terraform creates inside the cluster waits for the nodes that run it and
 * for the access that lets the deploying role talk to the API server (the
 * cluster is created without creator admin rights). Terraform orders by
 * `depends_on` and by references, so both count.
 */
import { describe, expect, it } from "vitest";
import { synthEnvironment, type Json, type Synth } from "../helpers/synth";

/** `type.id` of every resource, for resolving references. */
function addressesOf(stack: Synth): Set<string> {
  return new Set(stack.addresses());
}

/** Direct dependencies of each resource: its `depends_on` and every `${type.id...}` it references. */
function edges(stack: Synth): Map<string, Set<string>> {
  const known = addressesOf(stack);
  const out = new Map<string, Set<string>>();
  for (const [type, byId] of Object.entries(stack.json.resource as Json)) {
    for (const [id, body] of Object.entries(byId as Json)) {
      const deps = new Set<string>();
      const text = JSON.stringify({ ...body, "//": undefined });
      for (const [, ref] of text.matchAll(/\$\{([\w-]+\.[\w-]+)/g)) if (known.has(ref)) deps.add(ref);
      for (const dep of (body as Json).depends_on ?? []) deps.add(String(dep).replace(/^\$\{|\}$/g, ""));
      out.set(`${type}.${id}`, deps);
    }
  }
  return out;
}

/** Everything `from` waits for, directly or through others. */
function closure(graph: Map<string, Set<string>>, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph.get(from) ?? [])];
  while (stack.length) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(graph.get(next) ?? []));
  }
  return seen;
}

/** What every in-cluster object needs: the node groups and the admins' access policy associations. */
function prerequisites(stack: Synth): string[] {
  const byPath = (type: string, fragment: string) =>
    Object.entries(stack.resources(type))
      .filter(([, r]) => String(r["//"]?.metadata?.path ?? "").includes(fragment))
      .map(([id]) => `${type}.${id}`);
  return [...byPath("aws_eks_node_group", "/cluster/node-groups/"), ...byPath("aws_eks_access_policy_association", "/cluster/admins/")];
}

describe.each(["dev", "staging", "prod"] as const)("in-cluster objects of %s", (env) => {
  const stack = synthEnvironment(env);
  const graph = edges(stack);
  const required = prerequisites(stack);
  const inCluster = [...graph.keys()].filter((a) => a.startsWith("helm_release.") || a.startsWith("kubernetes_"));

  it("has node groups, admin access and in-cluster objects to check", () => {
    expect(required.filter((a) => a.startsWith("aws_eks_node_group.")).length).toBeGreaterThan(0);
    expect(required.filter((a) => a.startsWith("aws_eks_access_policy_association.")).length).toBeGreaterThan(0);
    expect(inCluster.length).toBeGreaterThan(20);
  });

  it("each waits for every node group and every admin access policy association", () => {
    const missing = inCluster.flatMap((address) => {
      const waitsFor = closure(graph, address);
      return required.filter((r) => !waitsFor.has(r)).map((r) => `${address} -> ${r}`);
    });
    expect(missing).toEqual([]);
  });
});

describe("the dependency check", () => {
  it("reports an in-cluster object that waits only for its namespace's neighbours, not the cluster", () => {
    const stack = synthEnvironment("dev");
    const graph = edges(stack);
    graph.set("kubernetes_namespace_v1.orphan", new Set(["aws_s3_bucket.unrelated"]));
    const waitsFor = closure(graph, "kubernetes_namespace_v1.orphan");
    expect(prerequisites(stack).filter((r) => !waitsFor.has(r))).toEqual(prerequisites(stack));
  });
});
