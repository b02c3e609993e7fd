import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES } from "../../config";
import { resourceNames } from "../../config/naming";
import { evaluate } from "../../policies/gate";
import { SERVER_POD_LABELS, ZONE_TOPOLOGY_KEY } from "../../modules/vault/chart";
import { AWS_CLI_IMAGE, VAULT_CHART_VERSION, VAULT_IMAGE } from "../../modules/vault/constants";
import { PLATFORM_DEFAULTS } from "../../modules/service/values";
import { config, policyOf } from "../helpers/synth";
import { logicalId, release, synthVault, type Json } from "./helpers";

type Doc = Json;

describe.each(ENVIRONMENT_NAMES)("Vault in %s", (env) => {
  const { synth: s, vault } = synthVault(env);
  const { release: chart, values } = release(s, "vault");
  const { values: manifestValues } = release(s, "vault-manifests");
  const manifests: Doc[] = manifestValues.manifests;
  const hcl: string = values.server.ha.raft.config;
  const prefix = resourceNames(env).prefix;
  const cfg = config(env);

  it("installs the pinned vault-helm chart without waiting for readiness (vault-init initialises it)", () => {
    expect(chart).toMatchObject({ repository: "https://helm.releases.hashicorp.com", chart: "vault", version: VAULT_CHART_VERSION, namespace: "vault", wait: false });
    expect(values.server.image).toEqual({ repository: VAULT_IMAGE.repository, tag: VAULT_IMAGE.tag });
  });

  it("runs HA with integrated Raft storage on 3 voters that join each other over TLS", () => {
    expect(values.server.ha).toMatchObject({ enabled: true, replicas: 3, raft: { enabled: true, setNodeId: true } });
    expect(values.server.standalone.enabled).toBe(false);
    expect(values.server.dataStorage).toMatchObject({ enabled: true, size: "10Gi" });
    expect(hcl).toMatch(/storage "raft" \{\s*path = "\/vault\/data"/);
    const joins = [...hcl.matchAll(/leader_api_addr\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(joins).toEqual([0, 1, 2].map((i) => `https://vault-${i}.vault-internal:8200`));
  });

  it("spreads the servers over zones (hard) and hosts (hard)", () => {
    expect(values.server.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: ZONE_TOPOLOGY_KEY, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: SERVER_POD_LABELS } },
    ]);
    expect(values.server.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: SERVER_POD_LABELS } },
    ]);
  });

  it("limits voluntary disruptions to one server, so the quorum survives a drain", () => {
    expect(values.server.ha.disruptionBudget).toEqual({ enabled: true, maxUnavailable: 1 });
  });

  it("auto-unseals with its own rotating KMS key in the stack's region", () => {
    const keyId = logicalId(s, "aws_kms_key", "/vault/unseal-key/");
    const seal = hcl.match(/seal "awskms" \{\n([\s\S]*?)\n\}/);
    expect(seal).not.toBeNull();
    expect(seal![1]).toContain(`kms_key_id = "\${aws_kms_key.${keyId}.key_id}"`);
    expect(seal![1]).toContain('region     = "${data.aws_region.Region.name}"');
    expect(s.resources("aws_kms_key")[keyId].enable_key_rotation).toBe(true);
    expect(hcl).not.toMatch(/seal "shamir"|access_key|secret_key/);
  });

  it("serves TLS only, with the certificate cert-manager issues into vault-tls", () => {
    expect(values.global.tlsDisable).toBe(false);
    expect(hcl).toMatch(/tls_disable\s*=\s*false/);
    expect(hcl).toContain('tls_cert_file   = "/vault/userconfig/vault-tls/tls.crt"');
    expect(values.server.volumes).toContainEqual({ name: "vault-tls", secret: { secretName: "vault-tls", defaultMode: 0o440 } });
    const cert = manifests.find((m) => m.kind === "Certificate" && m.metadata.name === "vault-server")!;
    expect(cert.spec.secretName).toBe("vault-tls");
    expect(cert.spec.dnsNames).toEqual(expect.arrayContaining(["vault-active.vault.svc", "*.vault-internal", "localhost"]));
    expect(cert.spec.ipAddresses).toEqual(["127.0.0.1"]);
    expect(cert.spec.issuerRef).toEqual({ kind: "ClusterIssuer", name: "vault-ca", group: "cert-manager.io" });
  });

  it("keeps its private CA where a ClusterIssuer can sign with it, so service namespaces can get the CA", () => {
    // A ClusterIssuer reads its Secret from cert-manager's cluster resource namespace (cert-manager by default).
    const issuer = manifests.find((m) => m.kind === "ClusterIssuer")!;
    expect(issuer).toEqual({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "vault-ca" }, spec: { ca: { secretName: "vault-ca" } } });
    const ca = manifests.find((m) => m.kind === "Certificate" && m.spec.isCA)!;
    expect(ca.metadata).toEqual({ name: "vault-ca", namespace: "cert-manager" });
    expect(ca.spec.secretName).toBe("vault-ca");
    expect(ca.spec.issuerRef).toEqual({ kind: "Issuer", name: "vault-selfsigned", group: "cert-manager.io" });
    expect(manifests.filter((m) => m.kind === "Issuer")).toEqual([
      { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "vault-selfsigned", namespace: "cert-manager" }, spec: { selfSigned: {} } },
    ]);
    expect(vault.caIssuer).toBe("vault-ca");
    // The name the service chart asks for by default (modules/service/values.ts).
    expect(PLATFORM_DEFAULTS.vault.caIssuer).toBe(vault.caIssuer);
  });

  it("enables the Agent injector with two replicas, a PDB and a zone spread", () => {
    expect(values.injector).toMatchObject({ enabled: true, replicas: 2, podDisruptionBudget: { maxUnavailable: 1 } });
    expect(values.injector.topologySpreadConstraints[0].topologyKey).toBe(ZONE_TOPOLOGY_KEY);
  });

  it("renders objects charts/manifests accepts (apiVersion, kind, metadata), each named once", () => {
    expect(release(s, "vault-manifests").release.chart).toBe("${path.root}/../../../charts/manifests");
    for (const m of manifests) expect(m).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String), metadata: { name: expect.any(String) } });
    // Vault's own objects in its namespace; the private CA in cert-manager's; the ClusterIssuer in none.
    const where = (m: Doc) => m.metadata.namespace ?? "(cluster)";
    expect(new Set(manifests.filter((m) => m.kind !== "ClusterIssuer" && !(m.kind === "Issuer" || m.spec?.isCA)).map(where))).toEqual(new Set(["vault"]));
    expect(manifests.filter((m) => m.kind === "ClusterIssuer").map(where)).toEqual(["(cluster)"]);
    const keys = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("has no UI, no ingress and no dev mode, and holds no root token or unseal key", () => {
    expect(values.ui.enabled).toBe(false);
    expect(values.server.ingress.enabled).toBe(false);
    expect(hcl).toMatch(/^ui\s*=\s*false$/m);
    expect(values.server.dev).toBeUndefined();
    const text = JSON.stringify(s.json);
    expect(text).not.toMatch(/root_token|rootToken|unseal_keys|recovery_keys|devRootToken/i);
    // The only VAULT_TOKEN is the one the snapshot job obtains from Kubernetes auth at run time.
    expect(text.match(/VAULT_TOKEN=/g)).toHaveLength(1);
    expect(text).toContain(String.raw`VAULT_TOKEN=\"$(vault write -field=token auth/kubernetes/login role=snapshot`);
  });

  it("runs in a namespace that enforces the restricted Pod Security Standard, with compliant pods", () => {
    const [ns] = Object.values(s.resources("kubernetes_namespace_v1"));
    expect(ns.metadata.name).toBe("vault");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    for (const ctx of [values.server.statefulSet.securityContext, values.injector.securityContext]) {
      expect(ctx.pod).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(ctx.container).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    }
  });

  it("lets only the server pods use the unseal key, for kms:Encrypt/Decrypt/DescribeKey", () => {
    const keyId = logicalId(s, "aws_kms_key", "/vault/unseal-key/");
    const roleId = logicalId(s, "aws_iam_role", "/vault/server-role/");
    const [policy] = s.byPath("aws_iam_role_policy", "/vault/server-role/");
    const doc = policyOf(policy.policy);
    expect(doc.Statement).toEqual([
      { Sid: "AutoUnseal", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: `\${aws_kms_key.${keyId}.arn}` },
    ]);
    const trust = policyOf(s.resources("aws_iam_role")[roleId].assume_role_policy);
    expect(trust.Statement[0].Principal).toEqual({ Service: "pods.eks.amazonaws.com" });
    const [assoc] = s.byPath("aws_eks_pod_identity_association", "/vault/pod-identity/server");
    expect(assoc).toMatchObject({ cluster_name: prefix, namespace: "vault", service_account: "vault", role_arn: `\${aws_iam_role.${roleId}.arn}` });
  });

  it("keeps snapshots in a versioned, KMS-encrypted, private, TLS-only bucket that expires them", () => {
    const bucketId = logicalId(s, "aws_s3_bucket", "/vault/snapshot-bucket/");
    const keyId = logicalId(s, "aws_kms_key", "/vault/snapshot-bucket/key/");
    expect(s.resources("aws_s3_bucket")[bucketId].bucket).toBe(`${prefix}-vault-snapshots-${cfg.account.id}`);
    const ref = `\${aws_s3_bucket.${bucketId}.id}`;
    const of = (type: string) => Object.values(s.resources(type)).filter((r) => r.bucket === ref);
    expect(of("aws_s3_bucket_versioning")[0].versioning_configuration.status).toBe("Enabled");
    expect(of("aws_s3_bucket_server_side_encryption_configuration")[0].rule[0].apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: "aws:kms",
      kms_master_key_id: `\${aws_kms_key.${keyId}.arn}`,
    });
    expect(of("aws_s3_bucket_public_access_block")[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const statements = policyOf(of("aws_s3_bucket_policy")[0].policy).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    const [lifecycle] = of("aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.rule[0]).toMatchObject({ status: "Enabled", expiration: [{ days: 30 }], noncurrent_version_expiration: [{ noncurrent_days: 7 }] });
  });

  it("lets the snapshot job only put objects under raft/ and generate data keys with the bucket's key", () => {
    const bucketId = logicalId(s, "aws_s3_bucket", "/vault/snapshot-bucket/");
    const keyId = logicalId(s, "aws_kms_key", "/vault/snapshot-bucket/key/");
    const [policy] = s.byPath("aws_iam_role_policy", "/vault/snapshot-role/");
    const statements = policyOf(policy.policy).Statement as Json[];
    expect(statements.map((st) => [st.Effect, st.Action, st.Resource])).toEqual([
      ["Allow", "s3:PutObject", `arn:\${data.aws_partition.Partition.partition}:s3:::${prefix}-vault-snapshots-${cfg.account.id}/raft/*`],
      ["Allow", "kms:GenerateDataKey", `\${aws_kms_key.${keyId}.arn}`],
    ]);
    expect(bucketId).toBeTruthy();
    const [assoc] = s.byPath("aws_eks_pod_identity_association", "/vault/pod-identity/snapshot");
    expect(assoc).toMatchObject({ namespace: "vault", service_account: "vault-snapshot" });
  });

  it("snapshots Raft hourly with a Kubernetes-auth token and uploads with one PutObject", () => {
    const job = manifests.find((m) => m.kind === "CronJob")!;
    expect(job.metadata.name).toBe("vault-snapshot");
    expect(job.spec).toMatchObject({ schedule: "0 * * * *", concurrencyPolicy: "Forbid" });
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe("vault-snapshot");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes[0].projected.sources[0].serviceAccountToken).toMatchObject({ audience: "vault", expirationSeconds: 600 });
    const save = pod.initContainers[0];
    expect(save.image).toBe(`${VAULT_IMAGE.repository}:${VAULT_IMAGE.tag}`);
    expect(save.command[2]).toContain("vault write -field=token auth/kubernetes/login role=snapshot jwt=@/var/run/secrets/vault/token");
    expect(save.command[2]).toContain("vault operator raft snapshot save /snapshot/vault.snap");
    expect(save.env).toContainEqual({ name: "VAULT_ADDR", value: "https://vault-active.vault.svc:8200" });
    const upload = pod.containers[0];
    expect(upload.image).toBe(AWS_CLI_IMAGE);
    expect(upload.command[2]).toMatch(/aws s3api put-object --bucket \$\{aws_s3_bucket\.[\w-]+\.bucket\} --key "raft\//);
    expect(pod.volumes).toContainEqual({ name: "vault-ca", secret: { secretName: "vault-tls", items: [{ key: "ca.crt", path: "ca.crt" }] } });
  });

  it("passes every resource rule of the policy gate", () => {
    // Stack-level rules (account baseline) judge the whole environment stack, not this module.
    const report = evaluate(env, s.json, { kind: "environment" });
    expect(report.findings.filter((f) => f.status === "violation" && !f.address.startsWith("stack:"))).toEqual([]);
    expect(report.counts.checks).toBeGreaterThan(0);
    expect(report.errors).toEqual([]);
  });
});

describe("Vault props", () => {
  it("takes a custom schedule, retention, size and database CA", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const { synth: s } = synthVault("prod", { snapshotSchedule: "*/15 * * * *", snapshotRetentionDays: 90, storageSizeGiB: 50, databaseCaBundle: pem });
    const { values } = release(s, "vault");
    const manifests: Json[] = release(s, "vault-manifests").values.manifests;
    expect(manifests.find((m) => m.kind === "CronJob")!.spec.schedule).toBe("*/15 * * * *");
    expect(manifests.find((m) => m.kind === "ConfigMap")).toMatchObject({ metadata: { name: "vault-database-ca" }, data: { "ca.pem": pem } });
    expect(values.server.dataStorage.size).toBe("50Gi");
    const [lifecycle] = Object.values(s.resources("aws_s3_bucket_lifecycle_configuration"));
    expect(lifecycle.rule[0].expiration).toEqual([{ days: 90 }]);
  });

  it("uses an existing issuer when one is given, and offers it to services only when it is cluster-wide", () => {
    const { synth: s, vault } = synthVault("dev", { tlsIssuer: { kind: "ClusterIssuer", name: "internal-ca" } });
    const manifests: Json[] = release(s, "vault-manifests").values.manifests;
    expect(manifests.filter((m) => m.kind === "Issuer" || m.kind === "ClusterIssuer")).toEqual([]);
    expect(manifests.find((m) => m.kind === "Certificate")!.spec.issuerRef).toEqual({ kind: "ClusterIssuer", name: "internal-ca", group: "cert-manager.io" });
    expect(vault.caIssuer).toBe("internal-ca");
    expect(synthVault("dev", { tlsIssuer: { kind: "Issuer", name: "vault-local" } }).vault.caIssuer).toBeUndefined();
  });

  it("keeps the private CA in another cert-manager namespace when told", () => {
    const { synth: s } = synthVault("dev", { certManagerNamespace: "pki" });
    const manifests: Json[] = release(s, "vault-manifests").values.manifests;
    expect(manifests.filter((m) => m.kind === "Issuer" || m.spec?.isCA).map((m) => m.metadata.namespace)).toEqual(["pki", "pki"]);
  });

  it("fails when the cert-manager namespace is not a DNS label", () => {
    expect(() => synthVault("dev", { certManagerNamespace: "Cert_Manager" })).toThrow(
      'Vault vault: certManagerNamespace is "Cert_Manager"; expected a DNS label such as cert-manager',
    );
  });

  it("fails when replicas is even", () => {
    expect(() => synthVault("dev", { replicas: 4 })).toThrow("Vault vault: replicas is 4; expected an odd integer >= 3 (a Raft quorum that survives losing a zone)");
  });

  it("fails when replicas is below 3", () => {
    expect(() => synthVault("dev", { replicas: 1 })).toThrow("Vault vault: replicas is 1; expected an odd integer >= 3");
  });

  it("fails when the snapshot schedule is not a cron expression", () => {
    expect(() => synthVault("dev", { snapshotSchedule: "hourly" })).toThrow(
      'Vault vault: snapshotSchedule is "hourly"; expected a five-field cron expression such as "0 * * * *"',
    );
  });

  it("fails when the storage size is not a positive whole number", () => {
    expect(() => synthVault("dev", { storageSizeGiB: 0 })).toThrow("Vault vault: storageSizeGiB is 0; expected a whole number of GiB from 1 to 16384");
  });

  it("fails when the snapshot retention is zero days", () => {
    expect(() => synthVault("dev", { snapshotRetentionDays: 0 })).toThrow(
      "SnapshotBucket groundwork-dev-vault-snapshots-111111111111: retentionDays is 0; expected a whole number of days from 1 to 3650",
    );
  });

  it("fails when the injector would be a single replica", () => {
    expect(() => synthVault("dev", { injectorReplicas: 1 })).toThrow("Vault vault: injectorReplicas is 1; expected an integer >= 2");
  });

  it("fails when the database CA bundle is not PEM", () => {
    expect(() => synthVault("dev", { databaseCaBundle: "not a cert" })).toThrow(
      'Vault vault: databaseCaBundle does not contain "-----BEGIN CERTIFICATE-----"; expected a PEM certificate bundle',
    );
  });
});
