/**
 * The forecast's 80% intervals (pure). Costs, calls and model time of chains and of prompt runs are
 * positive and right-skewed, so they are taken as log-normal: on y = ln x, the interval for ONE new
 * value from n past ones with unknown mean and variance is the normal-theory prediction interval
 *
 *     ȳ ± t(1 − α/2; n − 1) · s · √(1 + 1/n)
 *
 * (NIST/SEMATECH e-Handbook of Statistical Methods; Hahn & Meeker, *Statistical Intervals*, 1991,
 * §4.4; Wikipedia "Prediction interval", unknown mean and unknown variance), exponentiated. The
 * Student-t quantile and the √(1 + 1/n) term widen it for small histories, where the plain 10th and
 * 90th percentiles of the sample cover well under 80% of new chains. The median is exp(ȳ), the
 * geometric mean: the log-normal's median.
 */
/** An interval: 50th, 10th and 90th percentiles (the forecast's Range, src/features/learning/forecast.ts). */
interface Range {
  median: number;
  low: number;
  high: number;
}

/** z for the 80% two-sided interval: the 90th percentile of the standard normal. */
export const Z90 = 1.2815515655446004;

/**
 * t(0.90; df) for df = 1 … 30: the table of critical values of Student's t (NIST/SEMATECH
 * e-Handbook, §1.3.6.7.2, column 0.90 — the 80% two-sided interval).
 */
const T90 = [
  3.078, 1.886, 1.638, 1.533, 1.476, 1.44, 1.415, 1.397, 1.383, 1.372, 1.363, 1.356, 1.35, 1.345, 1.341,
  1.337, 1.333, 1.33, 1.328, 1.325, 1.323, 1.321, 1.319, 1.318, 1.316, 1.315, 1.314, 1.313, 1.311, 1.31,
];

/**
 * The 90th percentile of Student's t with `df` degrees of freedom (df ≥ 1): the table up to 30,
 * beyond it the Cornish–Fisher expansion z + (z³ + z)/(4df) + (5z⁵ + 16z³ + 3z)/(96df²)
 * (Abramowitz & Stegun 26.7.5; within 0.001 of the table from df = 30 on). Throws RangeError for df < 1.
 */
export function t90(df: number): number {
  if (!(df >= 1)) throw new RangeError(`t quantile needs df ≥ 1 (got ${df})`);
  const d = Math.floor(df);
  if (d <= T90.length) return T90[d - 1]!;
  const z = Z90;
  return z + (z ** 3 + z) / (4 * d) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * d * d);
}

/** Mean and sample variance (n − 1) of `ys`; variance 0 for one value. */
function meanVar(ys: readonly number[]): { mean: number; variance: number } {
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  const variance = ys.length > 1 ? ys.reduce((a, y) => a + (y - mean) ** 2, 0) / (ys.length - 1) : 0;
  return { mean, variance };
}

/** exp(mean ± q · sd · √(1 + 1/n)) as a Range. */
function fromLog(mean: number, sd: number, q: number, n: number): Range {
  const half = q * sd * Math.sqrt(1 + 1 / n);
  return { median: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half) };
}

/**
 * The 80% log-normal prediction interval for one new value given `xs` (see the module comment).
 * Null when it cannot be made: fewer than 2 values, or a value that is not positive (the caller
 * then uses the sample's percentiles).
 */
export function predictionRange(xs: readonly number[]): Range | null {
  if (xs.length < 2 || xs.some((x) => !(x > 0) || !Number.isFinite(x))) return null;
  const { mean, variance } = meanVar(xs.map(Math.log));
  return fromLog(mean, Math.sqrt(variance), t90(xs.length - 1), xs.length);
}

/** One measured prompt run: its value and the chain it ran in (chain_uid). */
export interface RunValue {
  value: number;
  chain: string;
}

/**
 * Pure: the correlation ρ of prompt runs within one chain, from the chains' standardized log
 * residuals: each chain's sum S of z = (ln x − mean of its prompt) / sd of its prompt over k runs
 * has E[S²] = Σ(n−1)/n + ρ · k(k−1) (an exchangeable correlation; the Σ(n−1)/n term is what z²
 * averages to with a mean and sd estimated from n runs), so ρ = Σ(S² − Σ(n−1)/n) / Σ k(k−1),
 * kept within 0..1. `groups`: the runs of each prompt (prompts with fewer than 2 runs, or a value
 * that is not positive, are left out). Returns 1 (as if the prompts ran high or low together: the
 * cautious guess) when no chain ran two of the prompts.
 */
export function withinChainCorrelation(groups: readonly (readonly RunValue[])[]): number {
  const byChain = new Map<string, { sum: number; k: number; expect: number }>();
  for (const runs of groups) {
    if (runs.length < 2 || runs.some((r) => !(r.value > 0))) continue;
    const { mean, variance } = meanVar(runs.map((r) => Math.log(r.value)));
    if (variance === 0) continue;
    const sd = Math.sqrt(variance);
    for (const r of runs) {
      const c = byChain.get(r.chain) ?? { sum: 0, k: 0, expect: 0 };
      c.sum += (Math.log(r.value) - mean) / sd;
      c.k += 1;
      c.expect += (runs.length - 1) / runs.length;
      byChain.set(r.chain, c);
    }
  }
  let num = 0;
  let den = 0;
  for (const c of byChain.values()) {
    num += c.sum ** 2 - c.expect;
    den += c.k * (c.k - 1);
  }
  return den > 0 ? Math.min(1, Math.max(0, num / den)) : 1;
}

/**
 * The 80% prediction interval of a sum of log-normal terms (the measured prompts along a path;
 * a prompt the path runs twice is two terms). Each term i: its runs' log mean mᵢ and log sd sᵢ
 * (with fewer than 2 runs the sd pooled over the others, else `fallbackLogSd`), so its mean
 * μᵢ = exp(mᵢ + sᵢ²/2) and variance vᵢ = μᵢ²(exp(sᵢ²) − 1). The sum's variance with correlation
 * `rho` between terms is (1 − ρ)Σvᵢ + ρ(Σ√vᵢ)², and the sum is taken as log-normal with that mean
 * and variance (Fenton–Wilkinson: σ² = ln(1 + V/M²), μ = ln M − σ²/2). The interval
 * exp(μ ± t · σ · √(1 + 1/n)) uses n = the fewest runs of a term and t on the Welch–Satterthwaite
 * degrees of freedom (Σvᵢ)² / Σ(vᵢ²/(nᵢ − 1)). Null for no term, or a term with a value that is not
 * positive (the caller then sums percentiles).
 */
export function sumPredictionRange(
  terms: readonly (readonly number[])[],
  rho: number,
  fallbackLogSd: number,
): Range | null {
  if (!terms.length || terms.some((xs) => !xs.length || xs.some((x) => !(x > 0) || !Number.isFinite(x))))
    return null;
  const stats = terms.map((xs) => ({ n: xs.length, ...meanVar(xs.map(Math.log)) }));
  let ss = 0;
  let df = 0;
  for (const t of stats) if (t.n > 1) [ss, df] = [ss + t.variance * (t.n - 1), df + t.n - 1];
  const pooled = df > 0 ? ss / df : fallbackLogSd ** 2;
  let mean = 0;
  let sumV = 0;
  let sumSd = 0;
  let dfDen = 0;
  for (const t of stats) {
    const s2 = t.n > 1 ? t.variance : pooled;
    const mu = Math.exp(t.mean + s2 / 2);
    const v = mu * mu * (Math.exp(s2) - 1);
    mean += mu;
    sumV += v;
    sumSd += Math.sqrt(v);
    dfDen += (v * v) / Math.max(1, (t.n > 1 ? t.n : df + 1) - 1);
  }
  const variance = (1 - rho) * sumV + rho * sumSd ** 2;
  const sigma2 = Math.log(1 + variance / (mean * mean));
  const mu = Math.log(mean) - sigma2 / 2;
  const dfEff = dfDen > 0 ? (sumV * sumV) / dfDen : Number.POSITIVE_INFINITY;
  const q = df > 0 ? (Number.isFinite(dfEff) ? t90(Math.max(1, dfEff)) : Z90) : Z90;
  return fromLog(mu, Math.sqrt(sigma2), q, Math.min(...stats.map((t) => t.n)));
}
