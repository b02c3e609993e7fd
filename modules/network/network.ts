import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { awsContext } from "../security/aws-context";
import { EncryptionKey } from "../security/encryption-key";
import { EncryptedLogGroup } from "../security/log-group";
import { ServiceRole } from "../security/service-role";
import { subnetLayout } from "./cidr";

export interface NetworkProps {
  /** Prefix of resource names, such as `groundwork-staging`. */
  readonly name: string;
  /** VPC CIDR, a /16 to /20. Private subnets get an eighth each, public and database subnets a 64th. */
  readonly cidr: string;
  /**
   * Availability zones to spread subnets over.
   * @default 3
   */
  readonly azCount?: number;
  /**
   * `per-az` keeps egress working when one AZ fails; `single` saves cost.
   * @default "per-az"
   */
  readonly natGateways?: "single" | "per-az";
  /**
   * Days to keep VPC flow logs.
   * @default 365
   */
  readonly flowLogRetentionDays?: number;
  /**
   * Gateway endpoints attached to the private and database route tables.
   * @default ["s3"]
   */
  readonly gatewayEndpoints?: readonly ("s3" | "dynamodb")[];
  /**
   * Interface endpoints (AWS service short names) in the private subnets, reachable on 443 from the VPC.
   * @default - none
   */
  readonly interfaceEndpoints?: readonly string[];
  /**
   * Extra tags for private subnets (for example Karpenter's discovery tag).
   * @default - only the internal load balancer role tag
   */
  readonly privateSubnetTags?: Record<string, string>;
}

/**
 * A VPC over `azCount` zones with public, private and database subnets,
 * NAT egress for the private tier only, flow logs to a KMS-encrypted log
 * group, the default security group closed, and VPC endpoints.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly vpcId: string;
  readonly cidr: string;
  readonly publicSubnetIds: string[] = [];
  readonly privateSubnetIds: string[] = [];
  readonly databaseSubnetIds: string[] = [];
  /** Availability zone names, in subnet order (known at apply time). */
  readonly zoneNames: string[] = [];
  readonly natGatewayCount: number;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const azCount = props.azCount ?? 3;
    const natMode = props.natGateways ?? "per-az";
    const prefix = Number(props.cidr.split("/")[1]);
    if (!Number.isInteger(azCount) || azCount < 2 || azCount > 6) {
      throw new Error(`Network ${props.name}: azCount is ${azCount}; expected 2 to 6`);
    }
    if (!(prefix >= 16 && prefix <= 20)) {
      throw new Error(`Network ${props.name}: cidr is "${props.cidr}"; expected a /16 to /20 network`);
    }
    const { region } = awsContext(this);
    const layout = subnetLayout(props.cidr, azCount);

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.name },
    });
    this.vpcId = this.vpc.id;
    this.cidr = props.cidr;

    // Managing the default security group with no rules removes AWS's allow-all rules.
    new DefaultSecurityGroup(this, "default-security-group", { vpcId: this.vpc.id, tags: { Name: `${props.name}-default-closed` } });

    const zones = new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    const igw = new InternetGateway(this, "internet-gateway", { vpcId: this.vpc.id, tags: { Name: props.name } });

    const publicRoutes = new RouteTable(this, "public-routes", { vpcId: this.vpc.id, tags: { Name: `${props.name}-public` } });
    new Route(this, "public-default-route", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
    // The database tier has no route to the internet at all.
    const databaseRoutes = new RouteTable(this, "database-routes", { vpcId: this.vpc.id, tags: { Name: `${props.name}-database` } });

    const privateRouteTableIds: string[] = [];
    const natGateways: NatGateway[] = [];
    this.natGatewayCount = natMode === "per-az" ? azCount : 1;

    for (let i = 0; i < azCount; i++) {
      const az = new Construct(this, `az${i + 1}`);
      const zone = Fn.element(zones.names, i);
      this.zoneNames.push(zone);

      const publicSubnet = new Subnet(az, "public", {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: layout.public[i],
        mapPublicIpOnLaunch: true,
        tags: { Name: `${props.name}-public-${i + 1}`, tier: "public", "kubernetes.io/role/elb": "1" },
      });
      new RouteTableAssociation(az, "public-routes", { subnetId: publicSubnet.id, routeTableId: publicRoutes.id });
      this.publicSubnetIds.push(publicSubnet.id);

      if (i < this.natGatewayCount) {
        const eip = new Eip(az, "nat-ip", { domain: "vpc", tags: { Name: `${props.name}-nat-${i + 1}` } });
        natGateways.push(
          new NatGateway(az, "nat", {
            allocationId: eip.allocationId,
            subnetId: publicSubnet.id,
            tags: { Name: `${props.name}-nat-${i + 1}` },
            dependsOn: [igw],
          }),
        );
      }

      const privateSubnet = new Subnet(az, "private", {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: layout.private[i],
        mapPublicIpOnLaunch: false,
        tags: {
          Name: `${props.name}-private-${i + 1}`,
          tier: "private",
          "kubernetes.io/role/internal-elb": "1",
          ...props.privateSubnetTags,
        },
      });
      const privateRoutes = new RouteTable(az, "private-routes", { vpcId: this.vpc.id, tags: { Name: `${props.name}-private-${i + 1}` } });
      new Route(az, "private-default-route", {
        routeTableId: privateRoutes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: natGateways[Math.min(i, natGateways.length - 1)].id,
      });
      new RouteTableAssociation(az, "private-routes-association", { subnetId: privateSubnet.id, routeTableId: privateRoutes.id });
      privateRouteTableIds.push(privateRoutes.id);
      this.privateSubnetIds.push(privateSubnet.id);

      const databaseSubnet = new Subnet(az, "database", {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: layout.database[i],
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-database-${i + 1}`, tier: "database" },
      });
      new RouteTableAssociation(az, "database-routes", { subnetId: databaseSubnet.id, routeTableId: databaseRoutes.id });
      this.databaseSubnetIds.push(databaseSubnet.id);
    }

    // Flow logs: every accepted and rejected flow, to an encrypted log group kept >= a year.
    const logKey = new EncryptionKey(this, "flow-log-key", {
      description: `VPC flow logs of ${props.name}`,
      alias: `${props.name}/flow-logs`,
      servicePrincipals: [`logs.${region}.amazonaws.com`],
    });
    const logGroup = new EncryptedLogGroup(this, "flow-log-group", {
      name: `/aws/vpc/${props.name}/flow-logs`,
      kmsKeyArn: logKey.arn,
      retentionDays: props.flowLogRetentionDays,
    });
    const flowLogRole = new ServiceRole(this, "flow-log-role", {
      name: `${props.name}-flow-logs`,
      servicePrincipal: "vpc-flow-logs.amazonaws.com",
      statements: [
        {
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [logGroup.arn, `${logGroup.arn}:*`],
        },
      ],
    });
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
    });

    const gatewayScope = new Construct(this, "gateway-endpoints");
    for (const service of props.gatewayEndpoints ?? ["s3"]) {
      new VpcEndpoint(gatewayScope, service, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: "Gateway",
        routeTableIds: [...privateRouteTableIds, databaseRoutes.id],
        tags: { Name: `${props.name}-${service}` },
      });
    }
    const interfaceEndpoints = props.interfaceEndpoints ?? [];
    if (interfaceEndpoints.length > 0) {
      const endpointSg = new SecurityGroup(this, "endpoint-security-group", {
        name: `${props.name}-vpc-endpoints`,
        description: "HTTPS from inside the VPC to AWS interface endpoints",
        vpcId: this.vpc.id,
        tags: { Name: `${props.name}-vpc-endpoints` },
      });
      new VpcSecurityGroupIngressRule(this, "endpoint-https-from-vpc", {
        securityGroupId: endpointSg.id,
        description: "HTTPS from the VPC",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: props.cidr,
      });
      const interfaceScope = new Construct(this, "interface-endpoints");
      for (const service of interfaceEndpoints) {
        new VpcEndpoint(interfaceScope, service, {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [endpointSg.id],
          tags: { Name: `${props.name}-${service}` },
        });
      }
    }
  }
}
