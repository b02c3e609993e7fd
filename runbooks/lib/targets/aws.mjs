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
  DescribeDBSnapshotsCommand,
  DescribeEventsCommand,
  RDSClient,
  RebootDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BaseTarget } from "./base.mjs";
import { FaultInjectionApi } from "./fis.mjs";
import { KubeWriteProbe, elasticacheAuthToken } from "./kube-probe.mjs";

/**
 * @typedef {import("../../../config/index").EnvironmentConfig} EnvironmentConfig
 * @typedef {import("../../../config/index").ResourceNames} ResourceNames
 * @typedef {import("../../../config/index").StateStoreConfig} StateStoreConfig
 * @typedef {import("./base.mjs").BaseOptions & {
 *   rds?: RDSClient, elasticache?: ElastiCacheClient, s3?: S3Client, snapshotS3?: S3Client,
 *   fetch?: typeof fetch, processEnv?: NodeJS.ProcessEnv,
 *   chaosSdk?: import("./fis.mjs").ChaosSdk,
 * }} AwsOptions
 */

/**
 * Polling intervals (ms): RDS and ElastiCache change state in tens of seconds,
 * Vault and Kubernetes Jobs in seconds, FIS experiments in tens of seconds.
 */
export const POLL = { rds: 10_000, elasticache: 5_000, vault: 2_000, job: 5_000, fis: 15_000 };

/**
 * Where operators reach Vault: `kubectl -n vault port-forward ...` to this
 * address (VAULT_OPERATOR_ADDRESS in modules/vault/constants.ts; a test keeps them equal).
 */
export const VAULT_DEFAULT_ADDR = "https://127.0.0.1:8200";
/** Names shared with the Vault module (modules/vault/constants.ts; a test keeps them equal). */
export const VAULT_NAMES = { namespace: "vault", snapshotCronJob: "vault-snapshot", snapshotPrefix: "raft" };

/** Why db-restore's row comparison is not measured on AWS (RdsDb.compareWithSource). */
export const RESTORE_NOT_COMPARED =
  "not measured on AWS: the source keeps no commit timestamps (track_commit_timestamp is off) and Vault's database users do not exist in the restore; compare by hand (runbooks/db-restore.md)";
/** The procedure db-restore names when it refuses --cut-over on AWS (runbooks/db-restore.md, "Cut-over on AWS"). */
export const CUT_OVER_ON_AWS = 'copy the rows back into the primary, or swap the instances by renaming them (runbooks/db-restore.md, "Cut-over on AWS")';

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
    // The state bucket lives in the state account's region; the snapshot bucket in the environment's.
    this.snapshotS3 = opts.snapshotS3 ?? opts.s3 ?? new S3Client({ region: config.account.region });
    this.fetch = opts.fetch ?? fetch;
    this.db = new RdsDb(this);
    this.cache = new ElastiCacheOps(this);
    this.state = new StateBucket(this);
    this.vault = new VaultApi(this);
    this.snapshots = new VaultSnapshots(this);
    this.kube = new Kube(this);
    this.chaos = new FaultInjectionApi(this, opts.chaosSdk);
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

  /**
   * The in-cluster write probe (kube-probe.mjs): a Job writing to the
   * instance endpoint (which RDS points at the new primary on failover) with
   * credentials from Vault's `drill-probe` database role.
   * @param {string} runId
   */
  writeProbe(runId) {
    return new KubeWriteProbe(this.t, runId, {
      kind: "postgres",
      what: `RDS ${this.id}`,
      endpoint: async (t) => {
        const inst = await this.describe();
        if (!inst.Endpoint?.Address) throw new Error(`${this.id} reports no endpoint`);
        // The CA bundle Vault verifies this database with (modules/vault: DATABASE_CA_CONFIGMAP).
        const cm = await t.kube.json(["-n", VAULT_NAMES.namespace, "get", "configmap", "vault-database-ca"]);
        const caPem = String(cm?.data?.["ca.pem"] ?? "");
        if (!caPem.includes("BEGIN CERTIFICATE")) throw new Error(`configmap ${VAULT_NAMES.namespace}/vault-database-ca has no ca.pem to verify ${this.id} with`);
        return { host: inst.Endpoint.Address, port: inst.Endpoint.Port ?? 5432, caPem };
      },
    });
  }

  /**
   * RestoreDBInstanceToPointInTime into a new instance with the source's
   * class, subnet group, security groups, parameter group and IAM database
   * authentication (without them RDS uses the default parameter group, which
   * does not force TLS), then wait until available.
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
      DBParameterGroupName: source.DBParameterGroups?.[0]?.DBParameterGroupName,
      EnableIAMDatabaseAuthentication: source.IAMDatabaseAuthenticationEnabled === true,
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
   * Not measured on AWS, and reported so (`match: null`), never as a match.
   * Comparing with "the source's rows committed before the time" needs
   * commit timestamps in the source (`track_commit_timestamp`, off in the
   * database module's parameter group), and an in-cluster Job would need
   * credentials on the restore: Vault's dynamic users are created after the
   * restore point, so they do not exist in it. See db-restore.md.
   * @param {{restore: string, time: string}} opts
   * @returns {Promise<{tables: Array<{table: string, restoredRows: number, sourceRows: number, match: boolean}>, match: null, note: string}>}
   */
  async compareWithSource({ restore }) {
    const notMeasured = { tables: [], match: null, note: RESTORE_NOT_COMPARED };
    if (this.t.dryRun) return notMeasured;
    const inst = await this.describe(restore);
    if (inst.DBInstanceStatus !== "available") throw new Error(`${restore} is ${inst.DBInstanceStatus}, not available`);
    return notMeasured;
  }

  /** @param {string} name */
  async dropRestore(name) {
    if (this.t.would(`call RDS DeleteDBInstance ${name} SkipFinalSnapshot=true`)) return;
    await this.t.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: name, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
  }

  /**
   * db-restore refuses --cut-over on AWS before anything runs (its `validate`);
   * this guards any other caller.
   * @param {string} name
   */
  async cutOver(name) {
    throw new Error(`cut-over to ${name} is not done by a runbook on AWS: ${CUT_OVER_ON_AWS}`);
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

  /**
   * The newest available automated snapshot of the instance, for db-backup-verify.
   * @returns {Promise<{source: string, createdAt: string, ageSeconds: number}>}
   */
  async latestRecoveryPoint() {
    /** @type {import("@aws-sdk/client-rds").DBSnapshot[]} */
    const all = [];
    /** @type {string | undefined} */
    let marker;
    do {
      const page = await this.t.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: this.id, SnapshotType: "automated", Marker: marker }));
      all.push(...(page.DBSnapshots ?? []));
      marker = page.Marker;
    } while (marker);
    const newest = all
      .filter((s) => s.Status === "available" && s.SnapshotCreateTime)
      .sort((a, b) => Number(b.SnapshotCreateTime) - Number(a.SnapshotCreateTime))[0];
    if (!newest) throw new Error(`${this.id} has no available automated snapshot: are automated backups on?`);
    const createdAt = /** @type {Date} */ (newest.SnapshotCreateTime);
    return { source: String(newest.DBSnapshotIdentifier), createdAt: createdAt.toISOString(), ageSeconds: Math.round((this.t.now() - createdAt.getTime()) / 1000) };
  }

  /**
   * RestoreDBInstanceFromDBSnapshot into a scratch instance like the source
   * (class, subnet group, security groups; single-AZ, private), then wait until available.
   * @param {{source: string, name: string}} opts
   * @param {number} [timeoutMs]
   */
  async restoreScratch({ source: snapshot, name }, timeoutMs = 90 * 60_000) {
    if (name === this.id) throw new Error(`scratch name ${name} is the primary's identifier`);
    const source = await this.describe();
    const input = {
      DBInstanceIdentifier: name,
      DBSnapshotIdentifier: snapshot,
      DBInstanceClass: source.DBInstanceClass,
      DBSubnetGroupName: source.DBSubnetGroup?.DBSubnetGroupName,
      VpcSecurityGroupIds: (source.VpcSecurityGroups ?? []).map((g) => String(g.VpcSecurityGroupId)),
      DBParameterGroupName: source.DBParameterGroups?.[0]?.DBParameterGroupName,
      MultiAZ: false,
      PubliclyAccessible: false,
      DeletionProtection: false,
      Tags: [
        { Key: "groundwork:restore-of", Value: this.id },
        { Key: "groundwork:scratch", Value: "db-backup-verify" },
      ],
    };
    if (this.t.would(`call RDS RestoreDBInstanceFromDBSnapshot ${snapshot} -> ${name}, wait up to ${timeoutMs / 1000} s`)) return { scratch: name };
    const t0 = this.t.now();
    await this.t.rds.send(new RestoreDBInstanceFromDBSnapshotCommand(input));
    await this.t.poll(async () => (await this.describe(name)).DBInstanceStatus === "available", { intervalMs: POLL.rds * 3, timeoutMs, what: `${name} to be available` });
    return { scratch: name, restoreSeconds: (this.t.now() - t0) / 1000 };
  }

  /**
   * What can be checked from the operator's machine: the scratch instance is
   * available, runs the source's engine version and is encrypted. Row-level
   * checks need a network path into the VPC (see db-backup-verify.md).
   * @param {string} name
   * @param {Record<string, unknown>} [_data]
   */
  async checkScratch(name, _data) {
    if (this.t.would(`check ${name}: available, same engine and version as ${this.id}, storage encrypted`)) return { checks: [] };
    const [source, scratch] = [await this.describe(), await this.describe(name)];
    const checks = [
      { check: "available", ok: scratch.DBInstanceStatus === "available", detail: String(scratch.DBInstanceStatus) },
      { check: "engine version", ok: scratch.Engine === source.Engine && scratch.EngineVersion === source.EngineVersion, detail: `${scratch.Engine} ${scratch.EngineVersion}` },
      { check: "storage encrypted", ok: scratch.StorageEncrypted === true, detail: String(scratch.KmsKeyId ?? "") },
    ];
    return { checks };
  }

  /**
   * Delete a scratch instance without a final snapshot and wait until it is gone.
   * @param {string} name
   * @param {number} [timeoutMs]
   */
  async dropScratch(name, timeoutMs = 30 * 60_000) {
    if (name === this.id) throw new Error(`refusing to delete ${name}: it is the primary`);
    if (this.t.would(`call RDS DeleteDBInstance ${name} SkipFinalSnapshot=true, wait up to ${timeoutMs / 1000} s until it is gone`)) return { dropped: name };
    try {
      await this.t.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: name, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
    } catch (err) {
      if (!notFound(err)) throw err;
      return { dropped: name };
    }
    await this.t.poll(
      async () => {
        try {
          await this.describe(name);
          return false;
        } catch (err) {
          if (notFound(err)) return true;
          throw err;
        }
      },
      { intervalMs: POLL.rds * 3, timeoutMs, what: `${name} to be deleted` },
    );
    return { dropped: name };
  }
}

/** @param {unknown} err */
function notFound(err) {
  const e = /** @type {{name?: string, message?: string}} */ (err);
  return e?.name === "DBInstanceNotFoundFault" || e?.name === "DBInstanceNotFound" || /not found/i.test(String(e?.message ?? ""));
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

  /**
   * The in-cluster write probe (kube-probe.mjs): a Job writing to the
   * group's primary endpoint (which ElastiCache points at the new primary on
   * failover) as the IAM-authenticated RBAC user `<group>-app`.
   * @param {string} runId
   */
  writeProbe(runId) {
    const userId = `${this.id}-app`; // modules/cache: IAM auth needs user id = user name
    return new KubeWriteProbe(this.t, runId, {
      kind: "redis",
      what: `ElastiCache ${this.id}`,
      redisUser: userId,
      endpoint: async () => {
        const d = await this.describe();
        const ep = d.group.NodeGroups?.[0]?.PrimaryEndpoint ?? d.group.ConfigurationEndpoint;
        if (!ep?.Address) throw new Error(`${this.id} reports no primary endpoint`);
        return { host: ep.Address, port: ep.Port ?? 6379 };
      },
      authToken: async (t) => {
        const credentials = await t.elasticache.config.credentials();
        return elasticacheAuthToken({ replicationGroupId: this.id, userId, region: t.config.account.region, now: t.now(), credentials });
      },
    });
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

  /** VAULT_ADDR, else the port-forwarded operator address. */
  addr() {
    const addr = this.t.processEnv.VAULT_ADDR || VAULT_DEFAULT_ADDR;
    if (!/^https?:\/\/[^\s]+$/.test(addr)) throw new Error(`VAULT_ADDR ${JSON.stringify(addr)} is not a URL such as ${VAULT_DEFAULT_ADDR}`);
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
   * @param {{token?: boolean | string, body?: unknown, raw?: Uint8Array, okStatuses?: number[]}} [opts]
   *   `token: true` sends VAULT_TOKEN, a string sends that token
   */
  async call(method, apiPath, opts = {}) {
    /** @type {Record<string, string>} */
    const headers = {};
    if (typeof opts.token === "string") {
      this.t.masker.addSecret(opts.token);
      headers["X-Vault-Token"] = opts.token;
    } else if (opts.token) headers["X-Vault-Token"] = this.token();
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
    let res;
    try {
      res = await this.t.fetch(`${this.addr()}${apiPath}`, { method, headers, body });
    } catch (err) {
      const cause = /** @type {{cause?: {code?: string, message?: string}}} */ (err).cause;
      throw new Error(`Vault ${method} ${apiPath} at ${this.addr()} failed: ${cause?.code ?? cause?.message ?? String(err)} (is the port-forward running? see the runbook's .md)`);
    }
    if (!res.ok && !(opts.okStatuses ?? []).includes(res.status)) throw new Error(`Vault ${method} ${apiPath} answered ${res.status}`);
    return res;
  }

  /**
   * @param {string} method
   * @param {string} apiPath
   * @param {Parameters<VaultApi["call"]>[2]} [opts]
   * @returns {Promise<Record<string, any>>}
   */
  async json(method, apiPath, opts) {
    const res = await this.call(method, apiPath, opts);
    const text = await res.text();
    return text ? JSON.parse(text) : {};
  }

  /** GET /v1/sys/init (unauthenticated). @returns {Promise<boolean>} */
  async initialized() {
    return Boolean((await this.json("GET", "/v1/sys/init")).initialized);
  }

  /** GET /v1/sys/seal-status (unauthenticated). */
  async sealStatus() {
    const s = await this.json("GET", "/v1/sys/seal-status");
    return { type: String(s.type ?? ""), initialized: Boolean(s.initialized), sealed: s.sealed !== false, recoverySeal: Boolean(s.recovery_seal), version: String(s.version ?? "") };
  }

  /** GET /v1/sys/leader (unauthenticated): the HA leader, once elected. */
  async leader() {
    const l = await this.json("GET", "/v1/sys/leader");
    return { haEnabled: Boolean(l.ha_enabled), leaderAddress: String(l.leader_address ?? ""), isSelf: Boolean(l.is_self) };
  }

  /**
   * PUT /v1/sys/init with auto-unseal: recovery shares, no unseal shares.
   * The answer holds the only copy of the recovery keys and the root token:
   * they are registered as secrets before anything else is done with them.
   * @param {{recoveryShares: number, recoveryThreshold: number}} opts
   * @returns {Promise<{recoveryKeysB64: string[], recoveryKeysHex: string[], rootToken: string}>}
   */
  async init({ recoveryShares, recoveryThreshold }) {
    const res = await this.call("PUT", "/v1/sys/init", { body: { recovery_shares: recoveryShares, recovery_threshold: recoveryThreshold } });
    const out = /** @type {{recovery_keys?: string[], recovery_keys_base64?: string[], root_token?: string}} */ (await res.json());
    const hex = out.recovery_keys ?? [];
    const b64 = out.recovery_keys_base64 ?? [];
    for (const k of [...hex, ...b64, out.root_token ?? ""]) this.t.masker.addSecret(k);
    if (!out.root_token || b64.length !== recoveryShares) throw new Error(`Vault answered /v1/sys/init without a root token and ${recoveryShares} recovery keys`);
    return { recoveryKeysB64: b64, recoveryKeysHex: hex, rootToken: out.root_token };
  }

  /**
   * Poll until Vault reports initialised, unsealed (KMS auto-unseal) and a leader.
   * @param {number} timeoutMs
   */
  async waitUnsealedWithLeader(timeoutMs) {
    return this.t.poll(
      async () => {
        const seal = await this.sealStatus();
        if (!seal.initialized || seal.sealed) return null;
        const leader = await this.leader();
        return leader.haEnabled && leader.leaderAddress ? { sealType: seal.type, leaderAddress: leader.leaderAddress, version: seal.version } : null;
      },
      { intervalMs: POLL.vault, timeoutMs, what: "Vault to be unsealed with a leader" },
    );
  }

  /**
   * GET /v1/sys/storage/raft/configuration: the Raft peers and their voter state.
   * @param {string} token
   */
  async raftPeers(token) {
    const r = await this.json("GET", "/v1/sys/storage/raft/configuration", { token });
    /** @type {Array<{node_id: string, address: string, leader: boolean, voter: boolean}>} */
    const servers = r.data?.config?.servers ?? [];
    return servers.map((p) => ({ node: String(p.node_id), leader: Boolean(p.leader), voter: Boolean(p.voter) }));
  }

  /**
   * POST /v1/sys/storage/raft/snapshot-force: replace all of Vault's data with the snapshot.
   * @param {Uint8Array} snapshot
   */
  async restoreSnapshot(snapshot) {
    await this.call("POST", "/v1/sys/storage/raft/snapshot-force", { token: true, raw: snapshot });
  }
}

/** Vault's Raft snapshots in the environment's snapshot bucket, under `raft/`. */
class VaultSnapshots {
  /** @param {AwsTarget} t */
  constructor(t) {
    this.t = t;
    this.bucket = t.names.vaultSnapshotBucket(t.config.account.id);
    this.prefix = `${VAULT_NAMES.snapshotPrefix}/`;
  }

  /** Every snapshot, newest first. */
  async list() {
    /** @type {Array<{key: string, lastModified: string, size: number}>} */
    const out = [];
    /** @type {string | undefined} */
    let token;
    do {
      const page = await this.t.snapshotS3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) out.push({ key: String(o.Key), lastModified: o.LastModified?.toISOString() ?? "", size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => b.lastModified.localeCompare(a.lastModified) || b.key.localeCompare(a.key));
  }

  /** @param {string} key */
  async get(key) {
    const out = await this.t.snapshotS3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`s3://${this.bucket}/${key} is empty`);
    return out.Body.transformToByteArray();
  }
}

class Kube {
  /** @param {AwsTarget} t */
  constructor(t) {
    this.t = t;
    /** kubeconfig context: `aws eks update-kubeconfig --name <cluster> --alias <cluster>`. */
    this.context = t.names.cluster;
    /** `KUBECTL` picks the binary (e.g. .gen/bin/kubectl from scripts/setup-helm.sh). */
    this.bin = t.processEnv.KUBECTL || "kubectl";
  }

  /**
   * @param {string[]} args
   * @param {{mutates?: boolean, input?: string, allowFail?: boolean}} [opts]
   */
  async kubectl(args, opts = {}) {
    const r = await this.t.exec([this.bin, "--context", this.context, ...args], opts);
    return r?.stdout ?? "";
  }

  /**
   * A read-only kubectl call answering JSON (`-o json` is added).
   * @param {string[]} args
   * @returns {Promise<any>}
   */
  async json(args) {
    const out = await this.kubectl([...args, "-o", "json"], { mutates: false });
    try {
      return JSON.parse(out);
    } catch {
      throw new Error(`kubectl ${args.join(" ")} did not answer JSON`);
    }
  }

  /**
   * A kubectl plugin command. kubectl finds a plugin by the first argument
   * that is not a flag, so `--context <name>` must come after the plugin's
   * name, never before it.
   * @param {string[]} args e.g. ["argo", "rollouts", "abort", "api-gateway", "-n", "api-gateway"]
   * @param {{mutates?: boolean}} [opts]
   */
  async plugin(args, opts = {}) {
    const r = await this.t.exec([this.bin, ...args, "--context", this.context], opts);
    return r?.stdout ?? "";
  }

  /** Whether the Argo Rollouts kubectl plugin is installed (read-only). */
  async hasArgoPlugin() {
    const r = await this.t.exec([this.bin, "argo", "rollouts", "version", "--short"], { mutates: false, allowFail: true });
    return r !== null && r.exitCode === 0;
  }
}
