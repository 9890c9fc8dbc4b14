/**
 * Fisher's exact test on a 2×2 table of pass counts, for comparing two eval runs of a case.
 * Pure.
 */

/** ln(n!) by summation (exact enough for the counts of eval runs, n ≤ a few thousand). */
function logFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

/**
 * Two-sided p-value of Fisher's exact test for the table
 *
 *            pass   fail
 *   run A     a      b
 *   run B     c      d
 *
 * With the margins fixed, the probability of a table with `x` passes in run A is hypergeometric:
 * P(x) = C(a+b, x) · C(c+d, a+c−x) / C(n, a+c). The two-sided p-value sums P(x) over every table
 * at least as improbable as the observed one (P(x) ≤ P(a), with a relative tolerance of 1e-7 for
 * rounding), as R's `fisher.test` does. Sources: R. A. Fisher, "On the interpretation of χ² from
 * contingency tables", J. Royal Statistical Society 85 (1922); A. Agresti, Categorical Data
 * Analysis, 3rd ed. (2013), §3.5.1; R's stats::fisher.test (relErr 1 + 1e-7).
 * Counts must be non-negative integers (throws RangeError otherwise); an empty row gives 1.
 */
export function fisherExactTwoSided(a: number, b: number, c: number, d: number): number {
  for (const v of [a, b, c, d])
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`counts must be non-negative integers, got ${v}`);
  const rowA = a + b;
  const rowB = c + d;
  const passes = a + c;
  const n = rowA + rowB;
  if (rowA === 0 || rowB === 0 || passes === 0 || passes === n) return 1;
  const base =
    logFactorial(rowA) +
    logFactorial(rowB) +
    logFactorial(passes) +
    logFactorial(n - passes) -
    logFactorial(n);
  const logP = (x: number) =>
    base -
    logFactorial(x) -
    logFactorial(rowA - x) -
    logFactorial(passes - x) -
    logFactorial(rowB - passes + x);
  const observed = logP(a);
  let p = 0;
  for (let x = Math.max(0, passes - rowB); x <= Math.min(rowA, passes); x++) {
    const lp = logP(x);
    if (lp <= observed + Math.log1p(1e-7)) p += Math.exp(lp);
  }
  return Math.min(1, p);
}
