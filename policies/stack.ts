/**
 * Reads one synthesized stack (`cdk.tf.json`) into resources and an index of
 * which resource references which. In CDKTF JSON a reference is a string
 * such as `"${aws_vpc.network_vpc_1A2B3C4D.id}"`, so "the flow log belongs to
 * this VPC" is "the flow log's arguments mention `aws_vpc.network_vpc_1A2B3C4D`".
 */
import type { Resource } from "./types";

/** `type.name` or `data.type.name` inside a `${...}` expression. */
const ADDRESS_IN_EXPRESSION = /(?<![\w.])(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)/g;
const EXPRESSION = /\$\{([^}]*)\}/g;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function collectStrings(value: unknown, into: string[]): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (isObject(value)) for (const item of Object.values(value)) collectStrings(item, into);
  return into;
}

function readBlocks(section: unknown, mode: Resource["mode"]): Resource[] {
  if (!isObject(section)) return [];
  const resources: Resource[] = [];
  for (const [type, byName] of Object.entries(section)) {
    if (!isObject(byName)) continue;
    for (const [name, block] of Object.entries(byName)) {
      if (!isObject(block)) continue;
      const { "//": meta, ...values } = block;
      const metaObject = isObject(meta) ? meta : {};
      const metadata = isObject(metaObject.metadata) ? metaObject.metadata : {};
      const address = mode === "data" ? `data.${type}.${name}` : `${type}.${name}`;
      resources.push({
        type,
        name,
        address,
        mode,
        path: typeof metadata.path === "string" ? metadata.path : address,
        values,
        suppressions: metaObject.groundwork_suppressions,
      });
    }
  }
  return resources;
}

/** The resources of one stack and the references between them. */
export class StackContext {
  /** Managed resources (`resource` blocks), in file order. */
  readonly resources: readonly Resource[];
  /** Data sources (`data` blocks), in file order. */
  readonly dataSources: readonly Resource[];
  private readonly byAddress = new Map<string, Resource>();
  private readonly outgoing = new Map<string, Set<string>>();
  private readonly incoming = new Map<string, Set<string>>();

  /**
   * @param stackName the stack's name, such as `dev`
   * @param json the parsed `cdk.tf.json` of the stack
   */
  constructor(
    readonly stackName: string,
    json: unknown,
  ) {
    const root = isObject(json) ? json : {};
    this.resources = readBlocks(root.resource, "managed");
    this.dataSources = readBlocks(root.data, "data");
    for (const r of [...this.resources, ...this.dataSources]) this.byAddress.set(r.address, r);
    for (const r of [...this.resources, ...this.dataSources]) {
      for (const target of this.addressesIn(r.values)) {
        if (target === r.address) continue;
        if (!this.outgoing.has(r.address)) this.outgoing.set(r.address, new Set());
        if (!this.incoming.has(target)) this.incoming.set(target, new Set());
        this.outgoing.get(r.address)!.add(target);
        this.incoming.get(target)!.add(r.address);
      }
    }
  }

  /** The resource or data source at `address`, such as `aws_vpc.network_vpc_1A2B3C4D`. */
  get(address: string): Resource | undefined {
    return this.byAddress.get(address);
  }

  /** Managed resources of one Terraform type. */
  ofType(type: string): Resource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** Resources (optionally of one type) whose arguments reference `target`. */
  referrers(target: Resource, type?: string): Resource[] {
    return this.addressesToResources(this.incoming.get(target.address)).filter((r) => type === undefined || r.type === type);
  }

  /** Resources and data sources that `source`'s arguments reference. */
  references(source: Resource): Resource[] {
    return this.addressesToResources(this.outgoing.get(source.address));
  }

  /**
   * The resource a single argument value points at, such as the VPC of
   * `vpc_id: "${aws_vpc.network_vpc_1A2B3C4D.id}"`; undefined for literals
   * and for references outside this stack.
   */
  resolve(value: unknown): Resource | undefined {
    const [first] = this.addressesIn(value);
    return first === undefined ? undefined : this.byAddress.get(first);
  }

  /** Addresses of this stack mentioned in `${...}` expressions anywhere inside `value`. */
  addressesIn(value: unknown): string[] {
    const found = new Set<string>();
    for (const text of collectStrings(value, [])) {
      if (!text.includes("${")) continue;
      for (const [, expression] of text.matchAll(EXPRESSION)) {
        for (const [, data, type, name] of expression.matchAll(ADDRESS_IN_EXPRESSION)) {
          const address = `${data ?? ""}${type}.${name}`;
          if (this.byAddress.has(address)) found.add(address);
        }
      }
    }
    return [...found];
  }

  private addressesToResources(addresses: Set<string> | undefined): Resource[] {
    return [...(addresses ?? [])].map((a) => this.byAddress.get(a)!).filter(Boolean);
  }
}
