/** Validation and ARNs shared by the Route53 users (cert-manager, external-dns). */

/** Fail unless every id looks like a Route53 hosted zone id. */
export function checkHostedZoneIds(owner: string, ids: readonly string[]): void {
  if (ids.length === 0) throw new Error(`${owner}: hostedZoneIds is empty; expected at least one Route53 hosted zone id`);
  const bad = ids.find((z) => !/^Z[A-Z0-9]{4,32}$/.test(z));
  if (bad !== undefined) throw new Error(`${owner}: hostedZoneIds contains "${bad}"; expected Route53 zone ids such as Z0123456789ABCDEFGHIJ`);
}

export function hostedZoneArns(partition: string, ids: readonly string[]): string[] {
  return ids.map((z) => `arn:${partition}:route53:::hostedzone/${z}`);
}
