/** grouped: en-US thousands separators without Intl, the same text as toLocaleString('en-US'). */
import { describe, expect, it } from 'vitest';
import { grouped } from '../../src/ui/number.js';

describe('grouped', () => {
  it('writes integers as toLocaleString("en-US") does', () => {
    const samples = [0, -0, 1, 12, 999, 1000, -1000, 12_345, 999_999, 1_000_000, -987_654_321];
    for (let k = 0; k < 21; k++) samples.push(10 ** k, 10 ** k - 1, -(10 ** k) + 7);
    samples.push(Number.MAX_SAFE_INTEGER, 2 ** 60, 9.99e20);
    for (const n of samples) expect(grouped(n), String(n)).toBe(n.toLocaleString('en-US'));
  });

  it('leaves fractions and non-finite numbers to toLocaleString', () => {
    for (const n of [1234.5678, -0.25, NaN, Infinity, 1e21, -3e25])
      expect(grouped(n), String(n)).toBe(n.toLocaleString('en-US'));
  });

  it('groups by threes from the right', () => {
    expect(grouped(1_234_567)).toBe('1,234,567');
    expect(grouped(-12_000)).toBe('-12,000');
  });
});
