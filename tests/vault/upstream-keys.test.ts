/** Every vault-helm value Groundwork sets exists in the pinned chart's values.yaml. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { vaultHelmValues } from "../../modules/vault/chart";
import { VAULT_CHART_VERSION, VAULT_IMAGE, VAULT_K8S_IMAGE } from "../../modules/vault/constants";

const upstream = parse(readFileSync(new URL(`../../modules/vault/upstream/vault-${VAULT_CHART_VERSION}.yaml`, import.meta.url), "utf8"));
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Dotted paths of `values` that the chart does not declare. Below an upstream
 * key whose default is free-form ({}, [], null or a string template) any shape is accepted.
 */
function missingPaths(values: Record<string, unknown>, chart: Record<string, unknown>, at = ""): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const path = at ? `${at}.${key}` : key;
    if (!(key in chart)) return [path];
    const declared = chart[key];
    if (isMap(value) && isMap(declared) && Object.keys(declared).length > 0) return missingPaths(value, declared, path);
    return [];
  });
}

const values = vaultHelmValues({ namespace: "vault", replicas: 3, region: "eu-west-1", kmsKeyId: "key", storageSizeGiB: 10, storageClass: "gp3", injectorReplicas: 2 });

describe(`vault-helm ${VAULT_CHART_VERSION} values`, () => {
  it("declares every key path the Vault module sets", () => {
    expect(missingPaths(values, upstream)).toEqual([]);
  });

  // The stored copy is the OpenShift-certified build of the same release: the same versions, as UBI images.
  it("ships the image tags the module pins", () => {
    const ubi = (image: { repository: string; tag: string }) => ({ repository: `registry.connect.redhat.com/${image.repository}`, tag: `${image.tag}-ubi` });
    expect(upstream.server.image).toMatchObject(ubi(VAULT_IMAGE));
    expect(upstream.injector.agentImage).toMatchObject(ubi(VAULT_IMAGE));
    expect(upstream.injector.image).toMatchObject(ubi(VAULT_K8S_IMAGE));
  });

  it("fails when a key is misspelt or nested wrongly", () => {
    expect(missingPaths({ server: { ha: { raftt: { enabled: true } }, dataStorage: { sise: "1Gi" } } }, upstream)).toEqual([
      "server.ha.raftt",
      "server.dataStorage.sise",
    ]);
    expect(missingPaths({ injector: { topologySpread: [] } }, upstream)).toEqual(["injector.topologySpread"]);
  });
});
