/**
 * Numbers as the text faces write them, without Intl: the first `toLocaleString` of a process
 * loads ICU's number formatting, which costs about as much as starting Node itself (tens of ms),
 * and `status` prints one number.
 */

/**
 * `n` with en-US thousands separators, exactly as `n.toLocaleString('en-US')` writes it
 * ("1,234,567", "-4,000", "-0"). Integers below 1e21 are grouped by hand; anything else (fractions,
 * NaN, infinities, huge values) is left to `toLocaleString`.
 */
export function grouped(n: number): string {
  if (!Number.isInteger(n) || Math.abs(n) >= 1e21) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  return `${n < 0 || Object.is(n, -0) ? '-' : ''}${digits.replace(/\B(?=(\d{3})+$)/g, ',')}`;
}
