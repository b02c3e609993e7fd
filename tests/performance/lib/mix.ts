/** A scenario's request mix: weighted endpoints, picked reproducibly. */
import { seededRandom } from "./stats";

/** One kind of request in a scenario's mix. A response with status 200-399 counts as success. */
export interface Endpoint {
  /** Short name shown in reports, e.g. "get content". */
  readonly name: string;
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the service's base URL, starting with "/". */
  readonly path: string;
  /** Relative share of this endpoint in the mix (> 0). */
  readonly weight: number;
  /** JSON request body. */
  readonly body?: string;
}

/** Returns a function that draws endpoints in proportion to their weights, reproducibly for a seed. */
export function mixPicker(endpoints: readonly Endpoint[], seed = 1): () => Endpoint {
  if (endpoints.length === 0) throw new Error("a request mix needs at least one endpoint");
  const total = endpoints.reduce((s, e) => s + e.weight, 0);
  for (const e of endpoints) {
    if (!(e.weight > 0)) throw new Error(`endpoint "${e.name}" has weight ${e.weight}; expected a number > 0`);
  }
  const random = seededRandom(seed);
  return () => {
    let r = random() * total;
    for (const e of endpoints) {
      r -= e.weight;
      if (r < 0) return e;
    }
    return endpoints[endpoints.length - 1];
  };
}

/** Map a request failure to an error kind for reports ("timeout", "ECONNREFUSED", ...). */
export function errorKind(err: unknown): string {
  if (err instanceof Error) {
    if (/timed? ?out/i.test(err.message)) return "timeout";
    const code = (err as NodeJS.ErrnoException).code;
    if (code) return code;
    return err.message.split("\n")[0].slice(0, 60);
  }
  return "unknown error";
}
