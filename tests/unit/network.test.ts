import { describe, expect, it } from "vitest";
import { cidrSubnet } from "../../modules/network/cidr";
import { config, policyOf, synthEnvironment } from "../helpers/synth";

describe("cidrSubnet", () => {
  it("matches Terraform's cidrsubnet", () => {
    expect(cidrSubnet("10.30.0.0/16", 3, 0)).toBe("10.30.0.0/19");
    expect(cidrSubnet("10.30.0.0/16", 3, 2)).toBe("10.30.64.0/19");
    expect(cidrSubnet("10.30.0.0/16", 6, 48)).toBe("10.30.192.0/22");
    expect(cidrSubnet("10.30.0.0/16", 6, 58)).toBe("10.30.232.0/22");
  });

  it("fails when the network number does not fit", () => {
    expect(() => cidrSubnet("10.0.0.0/16", 3, 8)).toThrow("cidrSubnet: netnum 8 is out of range for 3 new bits (0-7)");
  });
});

describe.each(["dev", "staging", "prod"] as const)("network of %s", (env) => {
  const stack = synthEnvironment(env);
  const cfg = config(env);

  it("creates the VPC from config with DNS on", () => {
    expect(stack.only("aws_vpc")).toMatchObject({ cidr_block: cfg.network.cidr, enable_dns_hostnames: true, enable_dns_support: true });
  });

  it("creates public, private and database subnets in every AZ, inside the VPC CIDR, without overlap", () => {
    const subnets = Object.values(stack.resources("aws_subnet"));
    const tiers = subnets.map((s) => s.tags.tier).sort();
    expect(tiers).toEqual([...Array(cfg.network.azCount).fill("database"), ...Array(cfg.network.azCount).fill("private"), ...Array(cfg.network.azCount).fill("public")]);
    const cidrs = subnets.map((s) => s.cidr_block);
    expect(new Set(cidrs).size).toBe(cidrs.length);
    const vpcPrefix = cfg.network.cidr.split(".").slice(0, 2).join(".");
    expect(cidrs.every((c) => c.startsWith(`${vpcPrefix}.`))).toBe(true);
  });

  it("assigns public IPs only in public subnets", () => {
    for (const subnet of Object.values(stack.resources("aws_subnet"))) {
      expect(subnet.map_public_ip_on_launch, subnet.tags.Name).toBe(subnet.tags.tier === "public");
    }
  });

  it("creates NAT gateways per config", () => {
    const expected = cfg.network.natGateways === "per-az" ? cfg.network.azCount : 1;
    expect(Object.keys(stack.resources("aws_nat_gateway"))).toHaveLength(expected);
    expect(Object.keys(stack.resources("aws_eip"))).toHaveLength(expected);
  });

  it("gives the database tier no route to the internet", () => {
    const routes = Object.values(stack.resources("aws_route"));
    expect(routes.filter((r) => String(r.route_table_id).includes("database_routes"))).toEqual([]);
    // One default route for the public table and one per private table.
    expect(routes).toHaveLength(1 + cfg.network.azCount);
  });

  it("closes the default security group", () => {
    const sg = stack.only("aws_default_security_group");
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });

  it("logs all flows to a KMS-encrypted log group kept at least a year", () => {
    expect(stack.only("aws_flow_log")).toMatchObject({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs" });
    const [group] = stack.byPath("aws_cloudwatch_log_group", "/network/flow-log-group/");
    expect(group.retention_in_days).toBe(cfg.network.flowLogRetentionDays);
    expect(group.retention_in_days).toBeGreaterThanOrEqual(365);
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\.network_flow-log-key[\w-]*\.arn\}$/);
  });

  it("lets the flow-log role write only to its log group", () => {
    const [policy] = stack.byPath("aws_iam_role_policy", "/network/flow-log-role/");
    const doc = policyOf(policy.policy);
    expect(doc.Statement).toHaveLength(1);
    expect(doc.Statement[0].Resource.every((r: string) => r.includes("aws_cloudwatch_log_group.network_flow-log-group"))).toBe(true);
  });

  it("creates the VPC endpoints from config", () => {
    const endpoints = Object.values(stack.resources("aws_vpc_endpoint"));
    const names = endpoints.map((e) => `${e.vpc_endpoint_type}:${String(e.service_name).replace(/^com\.amazonaws\.\$\{[^}]+\}\./, "")}`).sort();
    expect(names).toEqual(
      [...cfg.network.gatewayEndpoints.map((s) => `Gateway:${s}`), ...cfg.network.interfaceEndpoints.map((s) => `Interface:${s}`)].sort(),
    );
    for (const e of endpoints.filter((x) => x.vpc_endpoint_type === "Interface")) expect(e.private_dns_enabled).toBe(true);
  });
});

describe("network validation", () => {
  it("fails when the VPC is too small for the subnet layout", () => {
    expect(() =>
      synthEnvironment("dev", (c) => ({ ...c, network: { ...c.network, cidr: "10.10.0.0/24" } })),
    ).toThrow('Network groundwork-dev: cidr is "10.10.0.0/24"; expected a /16 to /20 network');
  });
});
