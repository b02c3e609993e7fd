/**
 * Facts the GitHub workflows need about the environments and the service
 * catalog, read from config/ so that no workflow repeats an account id, a
 * cluster name or a service list. Prints `key=value` lines for `$GITHUB_OUTPUT`.
 *
 *   npx tsx .github/scripts/env-facts.ts catalog          # services=[...], environments=[...]
 *   npx tsx .github/scripts/env-facts.ts env staging      # account=..., deploy-role-arn=..., url=...
 *   npx tsx .github/scripts/env-facts.ts service api-gateway
 *
 * IAM role names are a contract with the OIDC trust policies in each account
 * (see .github/PIPELINE.md): renaming one breaks the pipeline.
 */
import { PIPELINE_ROLES } from "../../config/naming";
import { environments, resourceNames, type EnvironmentConfig } from "../../config";
import { services, type Service } from "../../config/services";

export { PIPELINE_ROLES };

/** SSM parameters in each environment account that record what is deployed. */
export const DEPLOY_RECORD = {
  deployed: "/groundwork/deploy/deployed-commit",
  lastGood: "/groundwork/deploy/last-good-commit",
} as const;

export type Facts = Record<string, string>;

function environment(name: string): EnvironmentConfig {
  const env = environments.find((e) => e.name === name);
  if (!env) throw new Error(`environment is ${JSON.stringify(name)}; expected one of ${environments.map((e) => e.name).join(", ")}`);
  return env;
}

function service(name: string): Service {
  const svc = services.find((s) => s.name === name);
  if (!svc) throw new Error(`service is ${JSON.stringify(name)}; expected one of ${services.map((s) => s.name).join(", ")}`);
  return svc;
}

/** Service and environment names, as JSON arrays for `fromJSON()` matrices. */
export function catalogFacts(): Facts {
  return {
    services: JSON.stringify(services.map((s) => s.name)),
    "service-names": services.map((s) => s.name).join(" "),
    environments: JSON.stringify(environments.map((e) => e.name)),
  };
}

/** Account, region, cluster, public URL, registry and pipeline role ARNs of one environment. */
export function environmentFacts(name: string): Facts {
  const env = environment(name);
  const role = (r: string) => `arn:aws:iam::${env.account.id}:role/${r}`;
  return {
    name: env.name,
    account: env.account.id,
    region: env.account.region,
    cluster: resourceNames(env.name).cluster,
    domain: env.services.domain,
    url: `https://api.${env.services.domain}`,
    registry: `${env.account.id}.dkr.ecr.${env.account.region}.amazonaws.com`,
    "plan-role-arn": role(PIPELINE_ROLES.plan),
    "deploy-role-arn": role(PIPELINE_ROLES.deploy),
    "images-role-arn": role(PIPELINE_ROLES.images),
    "drill-role-arn": role(PIPELINE_ROLES.drill),
    "scale-out-role-arn": role(PIPELINE_ROLES.scaleOut),
    "deployed-parameter": DEPLOY_RECORD.deployed,
    "last-good-parameter": DEPLOY_RECORD.lastGood,
  };
}

/** ECR repository and port of one catalog service. */
export function serviceFacts(name: string): Facts {
  const svc = service(name);
  return { name: svc.name, repository: svc.repository, port: String(svc.port) };
}

/** `key=value` lines; refuses values with a newline (they would inject outputs). */
export function formatOutputs(facts: Facts): string {
  return Object.entries(facts)
    .map(([k, v]) => {
      if (/[\r\n]/.test(v)) throw new Error(`${k} holds a newline; GitHub outputs take one line per key`);
      return `${k}=${v}`;
    })
    .join("\n");
}

export function main(argv: readonly string[]): string {
  const [command, arg] = argv;
  if (command === "catalog") return formatOutputs(catalogFacts());
  if (command === "env" && arg) return formatOutputs(environmentFacts(arg));
  if (command === "service" && arg) return formatOutputs(serviceFacts(arg));
  throw new Error("usage: env-facts.ts catalog | env <name> | service <name>");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(main(process.argv.slice(2)));
  } catch (e) {
    console.error(`env-facts: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
