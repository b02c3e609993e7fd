/** Synthesize the Vault module (as the environment stack will wire it) and the `<env>-vault` stack. */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Testing, TerraformStack } from "cdktf";
import { parse } from "yaml";
import { stateStore, type EnvironmentName } from "../../config";
import { resourceNames } from "../../config/naming";
import { services } from "../../config/services";
import { vaultSnapshotBucketName } from "../../modules/vault/constants";
import { Vault, type VaultProps } from "../../modules/vault/vault";
import { VaultConfigStack } from "../../stacks/vault-config-stack";
import { config, Synth, type Json } from "../helpers/synth";

export type { Json };

function synth(stack: TerraformStack): Synth {
  Testing.synth(stack);
  return new Synth(stack.toTerraform() as Json);
}

/** The props the environment stack passes (see the wiring in the report). */
export function vaultProps(env: EnvironmentName): VaultProps {
  const cfg = config(env);
  const names = resourceNames(env);
  return {
    name: names.prefix,
    clusterName: names.cluster,
    snapshotBucketName: vaultSnapshotBucketName(names.prefix, cfg.account.id),
  };
}

/** A stack holding only the Vault module, with the environment's AWS provider. */
export function synthVault(env: EnvironmentName, override: Partial<VaultProps> = {}): { synth: Synth; vault: Vault } {
  const cfg = config(env);
  const stack = new TerraformStack(Testing.app(), env);
  new AwsProvider(stack, "aws", { region: cfg.account.region, allowedAccountIds: [cfg.account.id] });
  const vault = new Vault(stack, "vault", { ...vaultProps(env), ...override });
  return { synth: synth(stack), vault };
}

const vaultConfigCache = new Map<string, Synth>();

/** The `<env>-vault` stack as main.ts will build it. */
export function synthVaultConfig(env: EnvironmentName): Synth {
  const hit = vaultConfigCache.get(env);
  if (hit) return hit;
  const result = synth(new VaultConfigStack(Testing.app(), `${env}-vault`, { config: config(env), services, state: stateStore }));
  vaultConfigCache.set(env, result);
  return result;
}

/** Logical id of the only resource of `type` whose construct path contains `fragment`. */
export function logicalId(s: Synth, type: string, fragment: string): string {
  const ids = Object.entries(s.resources(type))
    .filter(([, r]) => String(r["//"]?.metadata?.path ?? "").includes(fragment))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} under ${fragment}, found ${ids.length}`);
  return ids[0];
}

/** The helm_release named `name`, with its first values document parsed. */
export function release(s: Synth, name: string): { release: Json; values: Json } {
  const found = Object.values(s.resources("helm_release")).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one helm_release ${name}, found ${found.length}`);
  return { release: found[0], values: parse(found[0].values[0]) };
}

/** Every `path "..." { capabilities = [...] }` rule of a Vault policy. */
export function policyRules(hcl: string): { path: string; capabilities: string[] }[] {
  const rules = [...hcl.matchAll(/path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g)].map((m) => ({
    path: m[1],
    capabilities: [...m[2].matchAll(/"([^"]+)"/g)].map((c) => c[1]),
  }));
  const declared = (hcl.match(/\bpath\s+"/g) ?? []).length;
  if (declared !== rules.length) throw new Error(`policy has ${declared} path blocks but ${rules.length} parsed`);
  return rules;
}

/** Paths of `hcl` outside what service `name` may reach (its KV prefix and its own database role). */
export function foreignPaths(name: string, hcl: string): string[] {
  const own = [`kv/data/services/${name}`, `kv/data/services/${name}/*`, `database/creds/${name}`];
  return policyRules(hcl)
    .filter((r) => !own.includes(r.path) || r.capabilities.some((c) => c !== "read"))
    .map((r) => `${r.path} [${r.capabilities.join(", ")}]`);
}
