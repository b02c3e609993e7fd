/**
 * AWS targets (dev, staging, prod): RDS, ElastiCache and S3 through SDK v3
 * clients, Vault through its HTTP API, kubectl for in-cluster work. Resource
 * names come from config/naming.ts, the same names the stacks create.
 * Waiting polls at a fixed interval with an injectable sleep and clock, so
 * tests assert every call without waiting.
 */
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, TestFailoverCommand } from "@aws-sdk/client-elasticache";
import {
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  RDSClient,
  RebootDBInstanceCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BaseTarget } from "./base.mjs";

/**
 * @typedef {import("../../../config/index").EnvironmentConfig} EnvironmentConfig
 * @typedef {import("../../../config/index").ResourceNames} ResourceNames
 * @typedef {import("../../../config/index").StateStoreConfig} StateStoreConfig
 * @typedef {import("./base.mjs").BaseOptions & {
 *   rds?: RDSClient, elasticache?: ElastiCacheClient, s3?: S3Client,
 *   fetch?: typeof fetch, processEnv?: NodeJS.ProcessEnv,
 * }} AwsOptions
 */

/** Polling intervals (ms): RDS and ElastiCache change state in tens of seconds. */
export const POLL = { rds: 10_000, elasticache: 5_000 };

export class AwsTarget extends BaseTarget {
  /**
   * @param {EnvironmentConfig} config
   * @param {ResourceNames} names
   * @param {StateStoreConfig} stateStore
   * @param {AwsOptions} [opts]
   */
  constructor(config, names, stateStore, opts = {}) {
    super(config.name, opts);
    this.config = config;
    this.names = names;
    this.stateStore = stateStore;
    this.recovery = config.recovery;
    this.processEnv = opts.processEnv ?? process.env;
    this.rds = opts.rds ?? new RDSClient({ region: config.account.region });
    this.elasticache = opts.elasticache ?? new ElastiCacheClient({ region: config.account.region });
    this.s3 = opts.s3 ?? new S3Client({ region: stateStore.account.region });
    this.fetch = opts.fetch ?? fetch;
    this.db = new RdsDb(this);
    this.cache = new ElastiCacheOps(this);
    this.state = new StateBucket(this);
    this.vault = new VaultApi(this);
    this.kube = new Kube(this);
  }

  /**
   * Poll `probe` every `intervalMs` until it returns a value, or fail after `timeoutMs`.
   * @template T
   * @param {() => Promise<T | undefined | null | false>} probe
   * @param {{intervalMs: number, timeoutMs: number, what: string}} opts
   * @returns {Promise<T>}
   */
  async poll(probe, { intervalMs, timeoutMs, what }) {
    const start = this.now();
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (this.now() - start >= timeoutMs) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      await this.sleep(intervalMs);
    }
  }
}

class RdsDb {
  /** @param {AwsTarget} t */
  constructor(t) {
    this.t = t;
    this.id = t.names.dbInstance;
  }

  /** @param {string} time */
  defaultRestoreName(time) {
    return `${this.id}-restore-${time.replace(/[-:]/g, "").replace(/\.\d+Z$|Z$/, "").toLowerCase()}`;
  }

  /** @param {string} [id] */
  async describe(id = this.id) {
    const out = await this.t.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    const inst = out.DBInstances?.[0];
    if (!inst) throw new Error(`RDS instance ${id} not found`);
    return inst;
  }

  /**
   * Multi-AZ standby present and the instance available. RDS replicates to
   * the Multi-AZ standby synchronously, so there is no lag to read.
   * @param {number} _maxLagBytes
   */
  async standbyStatus(_maxLagBytes) {
    const inst = await this.describe();
    if (inst.DBInstanceStatus !== "available") throw new Error(`${this.id} is ${inst.DBInstanceStatus}, not available`);
    if (!inst.MultiAZ || !inst.SecondaryAvailabilityZone) throw new Error(`${this.id} has no Multi-AZ standby to fail over to`);
    this.t.log(`${this.id}: primary in ${inst.AvailabilityZone}, standby in ${inst.SecondaryAvailabilityZone}`);
    return { primary: String(inst.AvailabilityZone), standby: inst.SecondaryAvailabilityZone, lagBytes: 0 };
  }

  /**
   * Reboot with ForceFailover and wait until the instance is available in the standby's AZ.
   * @param {{primary: string, standby: string}} roles
   * @param {number} [timeoutMs]
   */
  async failover({ primary, standby }, timeoutMs = 15 * 60_000) {
    if (this.t.would(`call RDS RebootDBInstance ${this.id} ForceFailover=true, wait up to ${timeoutMs / 1000} s for it to be available in ${standby}`)) {
      return { oldPrimary: primary, newPrimary: standby };
    }
    const faultAt = this.t.now();
    await this.t.rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: this.id, ForceFailover: true }));
    this.t.markFault();
    const inst = await this.t.poll(
      async () => {
        const i = await this.describe();
        return i.DBInstanceStatus === "available" && i.AvailabilityZone === standby ? i : null;
      },
      { intervalMs: POLL.rds, timeoutMs, what: `${this.id} to be available in ${standby}` },
    );
    const controlPlaneRtoSeconds = (this.t.now() - faultAt) / 1000;
    const events = await this.t.rds.send(
      new DescribeEventsCommand({ SourceIdentifier: this.id, SourceType: "db-instance", StartTime: new Date(faultAt), EventCategories: ["failover"] }),
    );
    const completed = (events.Events ?? []).find((e) => /failover completed/i.test(e.Message ?? ""));
    return { oldPrimary: primary, newPrimary: String(inst.AvailabilityZone), controlPlaneRtoSeconds, failoverEvent: completed?.Message ?? null };
  }

  /** The instance reports available (writes are checked by the service's own health checks). */
  async acceptsWrites() {
    const inst = await this.describe();
    return inst.DBInstanceStatus === "available";
  }

  /** RDS rebuilds the standby itself: wait until one is reported again. @param {{oldPrimary: string}} _roles */
  async rejoinAsStandby(_roles, timeoutMs = 30 * 60_000) {
    if (this.t.would(`wait up to ${timeoutMs / 1000} s for RDS to report a Multi-AZ standby for ${this.id}`)) return {};
    const inst = await this.t.poll(async () => {
      const i = await this.describe();
      return i.DBInstanceStatus === "available" && i.SecondaryAvailabilityZone ? i : null;
    }, { intervalMs: POLL.rds, timeoutMs, what: `${this.id} to report a standby` });
    return { rejoined: inst.SecondaryAvailabilityZone };
  }

  /** No data-plane probe from here: the instance is private. RTO is the control-plane figure. @param {string} _runId */
  writeProbe(_runId) {
    return null;
  }

  /**
   * RestoreDBInstanceToPointInTime into a new instance with the source's
   * class, subnet group and security groups, then wait until available.
   * @param {{time: string, name: string}} opts
   * @param {number} [timeoutMs]
   */
  async restoreToTime({ time, name }, timeoutMs = 90 * 60_000) {
    const source = await this.describe();
    const input = {
      SourceDBInstanceIdentifier: this.id,
      TargetDBInstanceIdentifier: name,
      RestoreTime: new Date(time),
      DBInstanceClass: source.DBInstanceClass,
      DBSubnetGroupName: source.DBSubnetGroup?.DBSubnetGroupName,
      VpcSecurityGroupIds: (source.VpcSecurityGroups ?? []).map((g) => String(g.VpcSecurityGroupId)),
      MultiAZ: false,
      PubliclyAccessible: false,
      DeletionProtection: false,
      CopyTagsToSnapshot: true,
      Tags: [{ Key: "groundwork:restore-of", Value: this.id }],
    };
    if (this.t.would(`call RDS RestoreDBInstanceToPointInTime ${this.id} -> ${name} at ${time}, wait up to ${timeoutMs / 1000} s`)) return { restore: name };
    const t0 = this.t.now();
    await this.t.rds.send(new RestoreDBInstanceToPointInTimeCommand(input));
    await this.t.poll(async () => (await this.describe(name)).DBInstanceStatus === "available", {
      intervalMs: POLL.rds * 3,
      timeoutMs,
      what: `${name} to be available`,
    });
    return { restore: name, restoreSeconds: (this.t.now() - t0) / 1000 };
  }

  /**
   * Row-level comparison needs database credentials from Vault and a network
   * path into the VPC; from an operator's machine it reports the restore's
   * state only.
   * @param {{restore: string, time: string}} opts
   */
  async compareWithSource({ restore }) {
    const inst = await this.describe(restore);
    return { tables: [], match: inst.DBInstanceStatus === "available", note: "row counts are compared in-cluster (no data-plane access from the runbook host)" };
  }

  /** @param {string} name */
  async dropRestore(name) {
    if (this.t.would(`call RDS DeleteDBInstance ${name} SkipFinalSnapshot=true`)) return;
    await this.t.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: name, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
  }

  /** @param {string} name */
  async cutOver(name) {
    throw new Error(`cut-over to ${name} on AWS is a DNS/secret change done by the ${this.t.env} stack: set database.restoreFrom and deploy`);
  }

  /** The newest restorable time stands for the latest backup. */
  async latestBackup() {
    const inst = await this.describe();
    if (!inst.LatestRestorableTime) throw new Error(`${this.id} reports no restorable time: are automated backups on?`);
    return { startedAt: inst.LatestRestorableTime.toISOString(), endedAt: inst.LatestRestorableTime.toISOString(), dir: "" };
  }

  /** @param {string} name */
  async integrityCheck(name) {
    const inst = await this.describe(name);
    return { checkedTables: 0, status: inst.DBInstanceStatus };
  }

  /** @param {string} _label @param {number} _rows */
  async insertRows(_label, _rows) {
    throw new Error("drill rows are written only in the sandbox");
  }
}

class ElastiCacheOps {
  /** @param {AwsTarget} t */
  constructor(t) {
    this.t = t;
    this.id = t.names.redisGroup;
  }

  async describe() {
    const out = await this.t.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: this.id }));
    const group = out.ReplicationGroups?.[0];
    if (!group) throw new Error(`replication group ${this.id} not found`);
    const nodeGroup = group.NodeGroups?.[0];
    const primary = nodeGroup?.NodeGroupMembers?.find((m) => m.CurrentRole === "primary")?.CacheClusterId;
    const replica = nodeGroup?.NodeGroupMembers?.find((m) => m.CurrentRole === "replica")?.CacheClusterId;
    return { group, nodeGroupId: String(nodeGroup?.NodeGroupId ?? "0001"), primary, replica };
  }

  /** @param {number} _maxLagBytes */
  async replicaStatus(_maxLagBytes) {
    const d = await this.describe();
    if (d.group.Status !== "available") throw new Error(`${this.id} is ${d.group.Status}, not available`);
    if (d.group.AutomaticFailover !== "enabled") throw new Error(`${this.id} has automatic failover ${d.group.AutomaticFailover}`);
    if (!d.primary || !d.replica) throw new Error(`${this.id} needs a primary and a replica`);
    return { primary: d.primary, replica: d.replica, lagBytes: 0, nodeGroupId: d.nodeGroupId };
  }

  /**
   * TestFailover on the node group, then wait until another node is primary and the group is available.
   * @param {{primary: string, nodeGroupId?: string}} roles
   * @param {number} [timeoutMs]
   */
  async failover({ primary, nodeGroupId = "0001" }, timeoutMs = 15 * 60_000) {
    if (this.t.would(`call ElastiCache TestFailover ${this.id} node group ${nodeGroupId}, wait up to ${timeoutMs / 1000} s`)) return { oldPrimary: primary, newPrimary: "(a replica)" };
    const faultAt = this.t.now();
    await this.t.elasticache.send(new TestFailoverCommand({ ReplicationGroupId: this.id, NodeGroupId: nodeGroupId }));
    this.t.markFault();
    const d = await this.t.poll(
      async () => {
        const x = await this.describe();
        return x.group.Status === "available" && x.primary && x.primary !== primary ? x : null;
      },
      { intervalMs: POLL.elasticache, timeoutMs, what: `${this.id} to have a new primary` },
    );
    return { oldPrimary: primary, newPrimary: String(d.primary), controlPlaneRtoSeconds: (this.t.now() - faultAt) / 1000 };
  }

  /** The group's primary endpoint now points at the new primary. @param {{newPrimary: string}} roles */
  async clientsSeeNewPrimary({ newPrimary }) {
    const d = await this.describe();
    const out = await this.t.elasticache.send(new DescribeCacheClustersCommand({ CacheClusterId: newPrimary, ShowCacheNodeInfo: true }));
    return d.primary === newPrimary && out.CacheClusters?.[0]?.CacheClusterStatus === "available";
  }

  /** @param {{oldPrimary: string, newPrimary: string}} roles */
  async oldPrimaryFollows({ oldPrimary }) {
    const d = await this.describe();
    const member = d.group.NodeGroups?.[0]?.NodeGroupMembers?.find((m) => m.CacheClusterId === oldPrimary);
    if (member?.CurrentRole !== "replica") throw new Error(`${oldPrimary} is ${member?.CurrentRole ?? "missing"}, not a replica`);
    return { followed: oldPrimary };
  }

  /** @param {string} _runId */
  writeProbe(_runId) {
    return null;
  }
}

class StateBucket {
  /** @param {AwsTarget} t */
  constructor(t) {
    this.t = t;
    this.bucket = t.stateStore.bucketName;
    this.key = t.names.stateKey;
  }

  /** Every version of this environment's state object, newest first. */
  async versions() {
    /** @type {Array<{versionId: string, lastModified: string, size: number, latest: boolean}>} */
    const out = [];
    /** @type {string | undefined} */
    let keyMarker;
    /** @type {string | undefined} */
    let versionMarker;
    for (;;) {
      const page = await this.t.s3.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: this.key, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
      for (const v of page.Versions ?? []) {
        if (v.Key !== this.key) continue;
        out.push({ versionId: String(v.VersionId), lastModified: v.LastModified?.toISOString() ?? "", size: v.Size ?? 0, latest: Boolean(v.IsLatest) });
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    return out.sort((a, b) => b.lastModified.localeCompare(a.lastModified));
  }

  /** Whether Terraform holds the state lock (the S3 native lock file). */
  async locked() {
    try {
      await this.t.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: `${this.key}.tflock` }));
      return true;
    } catch (err) {
      const e = /** @type {{name?: string, $metadata?: {httpStatusCode?: number}}} */ (err);
      if (e.name === "NotFound" || e.$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }

  /**
   * Make an old version current again by copying it over the key (history is kept).
   * @param {string} versionId
   */
  async restoreVersion(versionId) {
    if (this.t.would(`call S3 CopyObject s3://${this.bucket}/${this.key}?versionId=${versionId} onto s3://${this.bucket}/${this.key}`)) return { newVersionId: null };
    const out = await this.t.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: this.key,
        CopySource: `${this.bucket}/${this.key}?versionId=${encodeURIComponent(versionId)}`,
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: this.t.stateStore.kmsAlias,
      }),
    );
    return { newVersionId: out.VersionId ?? null };
  }

  /**
   * @param {string} bucket
   * @param {string} key
   * @param {Uint8Array | string} body
   */
  async put(bucket, key, body) {
    if (this.t.would(`call S3 PutObject s3://${bucket}/${key} (${body.length} bytes, SSE-KMS)`)) return null;
    const out = await this.t.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ServerSideEncryption: "aws:kms", IfNoneMatch: "*" }));
    return out.VersionId ?? null;
  }

  /**
   * @param {string} bucket
   * @param {string} key
   */
  async get(bucket, key) {
    const out = await this.t.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!out.Body) throw new Error(`s3://${bucket}/${key} is empty`);
    return out.Body.transformToByteArray();
  }
}

class VaultApi {
  /** @param {AwsTarget} t */
  constructor(t) {
    this.t = t;
  }

  /** VAULT_ADDR, required for Vault runbooks. */
  addr() {
    const addr = this.t.processEnv.VAULT_ADDR;
    if (!addr || !/^https?:\/\/[^\s]+$/.test(addr)) throw new Error(`VAULT_ADDR ${JSON.stringify(addr ?? "")} is not set to a URL such as https://vault.example.internal:8200`);
    return addr.replace(/\/$/, "");
  }

  /** VAULT_TOKEN, registered as a secret so it is masked everywhere. */
  token() {
    const token = this.t.processEnv.VAULT_TOKEN;
    if (!token) throw new Error("VAULT_TOKEN is not set: log in with `vault login` and export it");
    this.t.masker.addSecret(token);
    return token;
  }

  /**
   * One Vault HTTP API call; the journal records method and path, never bodies.
   * @param {string} method
   * @param {string} apiPath e.g. /v1/sys/init
   * @param {{token?: boolean, body?: unknown, raw?: Uint8Array}} [opts]
   */
  async call(method, apiPath, opts = {}) {
    /** @type {Record<string, string>} */
    const headers = {};
    if (opts.token) headers["X-Vault-Token"] = this.token();
    /** @type {NonNullable<Parameters<typeof fetch>[1]>["body"]} */
    let body;
    if (opts.raw) {
      headers["Content-Type"] = "application/octet-stream";
      body = /** @type {any} */ (opts.raw);
    } else if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    this.t.journal.write("vault", { method, path: apiPath });
    const res = await this.t.fetch(`${this.addr()}${apiPath}`, { method, headers, body });
    if (!res.ok) throw new Error(`Vault ${method} ${apiPath} answered ${res.status}`);
    return res;
  }
}

class Kube {
  /** @param {AwsTarget} t */
  constructor(t) {
    this.t = t;
    /** kubeconfig context: `aws eks update-kubeconfig --name <cluster> --alias <cluster>`. */
    this.context = t.names.cluster;
  }

  /**
   * @param {string[]} args
   * @param {{mutates?: boolean, input?: string}} [opts]
   */
  async kubectl(args, opts = {}) {
    const r = await this.t.exec(["kubectl", "--context", this.context, ...args], opts);
    return r?.stdout ?? "";
  }
}
