/** Mocked AWS responses shared by the AWS runbook tests. */

/**
 * DescribeReplicationGroups for groundwork-staging with two nodes, `primary` in the primary role.
 * `withEndpoint` adds the node group's primary endpoint (what the in-cluster probe connects to).
 */
export function replicationGroup(primary: string, status = "available", withEndpoint = false) {
  return {
    ReplicationGroups: [
      {
        ReplicationGroupId: "groundwork-staging",
        Status: status,
        AutomaticFailover: "enabled" as const,
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
