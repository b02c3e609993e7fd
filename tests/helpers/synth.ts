/** Synthesize Groundwork's stacks in-process and query the Terraform JSON. */
import { Testing, type TerraformStack } from "cdktf";
import { environments, stateStore, type EnvironmentConfig, type EnvironmentName } from "../../config";
import { services } from "../../config/services";
import { BootstrapStack } from "../../stacks/bootstrap-stack";
import { EnvironmentStack } from "../../stacks/environment-stack";

export type Json = Record<string, any>;

/** A synthesized stack with helpers to find resources by type. */
export class Synth {
  constructor(readonly json: Json) {}

  /** All resources of one Terraform type, by logical id. */
  resources(type: string): Record<string, Json> {
    return this.json.resource?.[type] ?? {};
  }

  /** The only resource of a type; fails when there are none or several. */
  only(type: string): Json {
    const all = Object.values(this.resources(type));
    if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
    return all[0];
  }

  /** Resources of a type whose construct path contains `fragment`. */
  byPath(type: string, fragment: string): Json[] {
    return Object.values(this.resources(type)).filter((r) => String(r["//"]?.metadata?.path ?? "").includes(fragment));
  }

  /** `${type}.${logicalId}` addresses of every resource. */
  addresses(): string[] {
    return Object.entries(this.json.resource ?? {}).flatMap(([type, byId]) => Object.keys(byId as Json).map((id) => `${type}.${id}`));
  }
}

/** The `tier` tag of each subnet that `refs` (`${aws_subnet.<id>.id}` tokens) points at. */
export function subnetTiers(stack: Synth, refs: readonly string[]): string[] {
  const subnets = stack.resources("aws_subnet");
  return refs.map((ref) => {
    const id = /^\$\{aws_subnet\.([\w-]+)\.id\}$/.exec(ref)?.[1];
    return id && subnets[id] ? String(subnets[id].tags?.tier) : `not a subnet of this stack: ${ref}`;
  });
}

function synth(stack: TerraformStack): Synth {
  // Keep construct metadata ("//"): tests look resources up by construct path.
  Testing.synth(stack);
  return new Synth(stack.toTerraform() as Json);
}

export function config(name: EnvironmentName): EnvironmentConfig {
  const found = environments.find((e) => e.name === name);
  if (!found) throw new Error(`no environment ${name}`);
  return found;
}

const cache = new Map<string, Synth>();

/** The environment stack for `name` as main.ts builds it (memoised per test file). */
export function synthEnvironment(name: EnvironmentName, override?: (c: EnvironmentConfig) => EnvironmentConfig): Synth {
  const key = override ? "" : name;
  const hit = key && cache.get(key);
  if (hit) return hit;
  const cfg = override ? override(structuredClone(config(name))) : config(name);
  const result = synth(new EnvironmentStack(Testing.app(), name, { config: cfg, state: stateStore, services }));
  if (key) cache.set(key, result);
  return result;
}

export function synthBootstrap(): Synth {
  return synth(new BootstrapStack(Testing.app(), "bootstrap", { state: stateStore, environments }));
}

/** Parse a JSON policy document that was synthesized as a literal string. */
export function policyOf(value: unknown): Json {
  if (typeof value !== "string") throw new Error(`expected a JSON policy string, got ${typeof value}`);
  return JSON.parse(value);
}
