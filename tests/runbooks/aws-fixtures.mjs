// Mocked AWS responses shared by the AWS runbook tests and scripts/bench-runbooks.mjs
// (plain JavaScript so the benchmark can import it with node).

/**
 * DescribeDBInstances for groundwork-staging: an available Multi-AZ instance in
 * eu-west-1a (standby in eu-west-1b), with `over` applied.
 * @param {Partial<import("@aws-sdk/client-rds").DBInstance>} over
 * @returns {{ DBInstances: import("@aws-sdk/client-rds").DBInstance[] }}
 */
export function rdsInstance(over) {
  return {
    DBInstances: [
      {
        DBInstanceIdentifier: "groundwork-staging",
        DBInstanceStatus: "available",
        MultiAZ: true,
        AvailabilityZone: "eu-west-1a",
        SecondaryAvailabilityZone: "eu-west-1b",
        DBInstanceClass: "db.r6g.large",
        DBSubnetGroup: { DBSubnetGroupName: "groundwork-staging-db" },
        VpcSecurityGroups: [{ VpcSecurityGroupId: "sg-0123", Status: "active" }],
        ...over,
      },
    ],
  };
}

/**
 * DescribeReplicationGroups for groundwork-staging with two nodes, `primary` in the primary role.
 * `withEndpoint` adds the node group's primary endpoint (what the in-cluster probe connects to).
 * @param {string} primary
 * @param {string} [status]
 * @param {boolean} [withEndpoint]
 */
export function replicationGroup(primary, status = "available", withEndpoint = false) {
  return {
    ReplicationGroups: [
      {
        ReplicationGroupId: "groundwork-staging",
        Status: status,
        AutomaticFailover: /** @type {const} */ ("enabled"),
        NodeGroups: [
          {
            NodeGroupId: "0001",
            ...(withEndpoint ? { PrimaryEndpoint: { Address: "master.groundwork-staging.abc123.euw1.cache.amazonaws.com", Port: 6379 } } : {}),
            NodeGroupMembers: ["groundwork-staging-001", "groundwork-staging-002"].map((id) => ({
              CacheClusterId: id,
              CurrentRole: id === primary ? "primary" : "replica",
            })),
          },
        ],
      },
    ],
  };
}
