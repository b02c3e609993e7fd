/**
 * Vault verifies RDS (sslmode=verify-full) with the region's public RDS CA
 * bundle, read at plan time and shipped as the vault-database-ca ConfigMap
 * the Vault pods mount.
 */
import { Testing, TerraformStack } from "cdktf";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { RdsCaBundle } from "../../modules/database/ca-bundle";
import { DATABASE_CA_CONFIGMAP } from "../../modules/vault/constants";
import { config, synthEnvironment } from "../helpers/synth";

const PEM = ["-----BEGIN CERTIFICATE-----", "MIIB", "-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----", "MIIC", "-----END CERTIFICATE-----", ""].join("\n");

describe.each(["dev", "staging", "prod"] as const)("database CA bundle of %s", (env) => {
  const stack = synthEnvironment(env);
  const region = config(env).account.region;
  const [id, bundle] = Object.entries(stack.json.data.http as Record<string, any>).find(([, d]) => d["//"].metadata.path.endsWith("/rds-ca-bundle/bundle"))!;

  it("is read from AWS's trust store for the environment's region, and plan fails when it is not a PEM bundle", () => {
    expect(bundle.url).toBe(`https://truststore.pki.rds.amazonaws.com/${region}/${region}-bundle.pem`);
    const [check] = bundle.lifecycle.postcondition;
    expect(check.condition).toContain("self.status_code == 200");
    expect(check.condition).toContain('strcontains(self.response_body, "-----BEGIN CERTIFICATE-----")');
  });

  it("reaches Vault as a ConfigMap whose ca.pem is the whole bundle once Terraform resolves it", () => {
    const manifests = Object.values(stack.resources("helm_release")).find((r) => r.name === "vault-manifests")!;
    const expression = `\${jsonencode(data.http.${id}.response_body)}`;
    expect(manifests.values[0]).toContain(expression);
    // What Terraform does at apply: interpolate the JSON-encoded body into the values YAML.
    const resolved = parse(manifests.values[0].split(expression).join(JSON.stringify(PEM)));
    const configMap = resolved.manifests.find((m: any) => m.kind === "ConfigMap" && m.metadata.name === DATABASE_CA_CONFIGMAP);
    expect(configMap.metadata.namespace).toBe("vault");
    expect(configMap.data["ca.pem"]).toBe(PEM);
  });
});

describe("RdsCaBundle", () => {
  it("refuses a region that is not one, in one line", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    expect(() => new RdsCaBundle(stack, "ca", { region: "eu-west" })).toThrow('RdsCaBundle ca: region is "eu-west"; expected an AWS region such as eu-west-1');
  });
});
