/** IPv4 subnet arithmetic done at synth time, so plans show literal CIDRs. */

function toInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Like Terraform's `cidrsubnet(prefix, newbits, netnum)`. */
export function cidrSubnet(cidr: string, newBits: number, netNum: number): string {
  const [ip, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  const newPrefix = bits + newBits;
  if (newPrefix > 32) throw new Error(`cidrSubnet: ${cidr} has no room for ${newBits} more bits`);
  if (netNum < 0 || netNum >= 2 ** newBits) {
    throw new Error(`cidrSubnet: netnum ${netNum} is out of range for ${newBits} new bits (0-${2 ** newBits - 1})`);
  }
  const base = toInt(ip) - (toInt(ip) % 2 ** (32 - bits));
  return `${toIp(base + netNum * 2 ** (32 - newPrefix))}/${newPrefix}`;
}

/** The CIDRs of one VPC's subnet tiers, one entry per AZ (index i is AZ i). */
export interface SubnetLayout {
  /** `cidrsubnet(vpc, 6, 48 + i)`: /22s for load balancers and NAT gateways (tag kubernetes.io/role/elb). */
  readonly public: string[];
  /** `cidrsubnet(vpc, 3, i)`: /19s for nodes and pods. */
  readonly private: string[];
  /** `cidrsubnet(vpc, 6, 56 + i)`: /22s for RDS and ElastiCache, no route out. */
  readonly database: string[];
}

/**
 * The subnet layout of a VPC over `azCount` zones: the one place the tiers'
 * CIDRs are computed, for `Network` and for the NetworkPolicies that allow
 * traffic from (load balancers) or to (databases) a tier. The private tier
 * takes the first eighths of the VPC; public and database share the last
 * eighth (netnums 48-55 and 56-63 of /22s), so at most six AZs fit.
 */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
  if (!Number.isInteger(azCount) || azCount < 1 || azCount > 6) {
    throw new Error(`subnetLayout: azCount is ${azCount}; expected an integer from 1 to 6`);
  }
  const zones = Array.from({ length: azCount }, (_, i) => i);
  return {
    public: zones.map((i) => cidrSubnet(vpcCidr, 6, 48 + i)),
    private: zones.map((i) => cidrSubnet(vpcCidr, 3, i)),
    database: zones.map((i) => cidrSubnet(vpcCidr, 6, 56 + i)),
  };
}
