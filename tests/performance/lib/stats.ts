/**
 * Small statistics used by the regression detector: quantiles and the
 * Mann-Whitney U test (exact for small samples without ties, normal
 * approximation with tie and continuity correction otherwise).
 */

/** The q-quantile (0..1) of `values` with linear interpolation between order statistics (R type 7). NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The median of `values`; NaN when empty. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Result of a two-sided Mann-Whitney U test. */
export interface MannWhitneyResult {
  /** U statistic of the first sample (number of pairs in which a value of `a` exceeds one of `b`, ties count half). */
  readonly u: number;
  /** Two-sided p-value. */
  readonly p: number;
  readonly method: "exact" | "normal";
}

/** Largest sample size for which the exact distribution is computed. */
const EXACT_MAX_N = 25;

/**
 * Two-sided Mann-Whitney U test of whether `a` and `b` come from the same
 * distribution. Needs at least one value in each sample.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error(`Mann-Whitney U needs samples on both sides; got ${n1} and ${n2} values`);
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort((x, y) => x.v - y.v);
  // Mid-ranks for ties, and the tie term of the variance.
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const r1 = all.reduce((s, x, i) => (x.first ? s + ranks[i] : s), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;

  if (tieTerm === 0 && n1 <= EXACT_MAX_N && n2 <= EXACT_MAX_N) {
    const tail = Math.min(u, n1 * n2 - u);
    const p = Math.min(1, 2 * exactCdf(n1, n2, Math.floor(tail)));
    return { u, p, method: "exact" };
  }
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1, method: "normal" }; // every value equal: no evidence of a difference
  const z = Math.max(0, Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))), method: "normal" };
}

/** P(U <= u) under the null hypothesis for sample sizes n1, n2 (no ties), by counting arrangements. */
function exactCdf(n1: number, n2: number, u: number): number {
  // counts[m][n][k]: arrangements of m and n values with U = k; built with the
  // recurrence f(m, n, k) = f(m-1, n, k-n) + f(m, n-1, k).
  let prev: number[][] = [];
  for (let m = 0; m <= n1; m++) {
    const row: number[][] = [];
    for (let n = 0; n <= n2; n++) {
      const size = m * n + 1;
      const f = new Array<number>(size).fill(0);
      if (m === 0 || n === 0) f[0] = 1;
      else {
        const left = prev[n]; // f(m-1, n, .)
        const down = row[n - 1]; // f(m, n-1, .)
        for (let k = 0; k < size; k++) f[k] = (k - n >= 0 && k - n < left.length ? left[k - n] : 0) + (k < down.length ? down[k] : 0);
      }
      row.push(f);
    }
    prev = row;
  }
  const dist = prev[n2];
  const total = dist.reduce((s, c) => s + c, 0);
  let below = 0;
  for (let k = 0; k <= u && k < dist.length; k++) below += dist[k];
  return below / total;
}

/** Standard normal cumulative distribution (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * A small seeded pseudo-random generator (mulberry32) so that request mixes,
 * injected errors and synthetic test samples are reproducible.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
