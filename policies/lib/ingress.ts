/**
 * Reads the ingress permissions of the three ways Terraform opens a security
 * group: inline `ingress` blocks of `aws_security_group`, `aws_security_group_rule`
 * with `type = "ingress"`, and `aws_vpc_security_group_ingress_rule`.
 */
import type { Resource } from "../types";
import { asNumber, blocks, OPEN_CIDRS, strings } from "./values";

/** Resource types that can open a security group to inbound traffic. */
export const INGRESS_TYPES: readonly string[] = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"];

interface Permission {
  readonly protocol: unknown;
  readonly fromPort: unknown;
  readonly toPort: unknown;
  readonly cidrs: readonly string[];
}

function permissions(resource: Resource): Permission[] {
  const v = resource.values;
  switch (resource.type) {
    case "aws_security_group":
      return blocks(v.ingress).map((i) => ({
        protocol: i.protocol,
        fromPort: i.from_port,
        toPort: i.to_port,
        cidrs: [...strings(i.cidr_blocks), ...strings(i.ipv6_cidr_blocks)],
      }));
    case "aws_security_group_rule":
      if (v.type !== "ingress") return [];
      return [{ protocol: v.protocol, fromPort: v.from_port, toPort: v.to_port, cidrs: [...strings(v.cidr_blocks), ...strings(v.ipv6_cidr_blocks)] }];
    case "aws_vpc_security_group_ingress_rule":
      return [{ protocol: v.ip_protocol, fromPort: v.from_port, toPort: v.to_port, cidrs: [...strings(v.cidr_ipv4), ...strings(v.cidr_ipv6)] }];
    default:
      return [];
  }
}

const ALL_PROTOCOLS = new Set(["-1", "all"]);
const PORT_PROTOCOLS = new Set(["tcp", "udp", "6", "17"]);

function coversPort(p: Permission, port: number): boolean {
  const protocol = String(p.protocol ?? "").toLowerCase();
  if (ALL_PROTOCOLS.has(protocol)) return true;
  if (!PORT_PROTOCOLS.has(protocol)) return false;
  const from = asNumber(p.fromPort);
  const to = asNumber(p.toPort);
  // Ports Terraform computes later cannot be shown to exclude `port`.
  if (from === undefined || to === undefined) return true;
  return from <= port && port <= to;
}

/**
 * Describes the first permission of `resource` that lets the whole internet
 * reach `port`, such as `tcp 0-65535 from 0.0.0.0/0`; undefined when none does.
 */
export function openToInternet(resource: Resource, port: number): string | undefined {
  for (const p of permissions(resource)) {
    const open = p.cidrs.filter((c) => OPEN_CIDRS.includes(c));
    if (open.length === 0 || !coversPort(p, port)) continue;
    const protocol = String(p.protocol);
    const ports = ALL_PROTOCOLS.has(protocol.toLowerCase()) ? "all ports" : `${String(p.fromPort)}-${String(p.toPort)}`;
    return `ingress ${protocol} ${ports} from ${open.join(", ")} includes port ${port}`;
  }
  return undefined;
}
