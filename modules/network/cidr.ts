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
