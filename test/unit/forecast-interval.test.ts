import { describe, expect, it } from 'vitest';
import {
  predictionRange,
  sumPredictionRange,
  t90,
  withinChainCorrelation,
  Z90,
} from '../../src/features/learning/forecastInterval.js';
import { rng } from '../helpers/chains.js';

describe('t90', () => {
  it('reads the t table up to 30 df and follows it beyond with the Cornish–Fisher expansion', () => {
    expect(t90(1)).toBe(3.078);
    expect(t90(4)).toBe(1.533);
    expect(t90(30)).toBe(1.31);
    // Tabulated: 40 df 1.303, 60 df 1.296, 100 df 1.290 (NIST e-Handbook 1.3.6.7.2).
    expect(t90(40)).toBeCloseTo(1.303, 3);
    expect(t90(60)).toBeCloseTo(1.296, 3);
    expect(t90(100)).toBeCloseTo(1.29, 3);
    expect(t90(1e9)).toBeCloseTo(Z90, 6);
    expect(() => t90(0)).toThrow(RangeError);
  });
});

describe('predictionRange', () => {
  it('is exp(ȳ ± t · s · √(1 + 1/n)) on the logs', () => {
    const xs = [1, 2, 4, 8];
    const ys = xs.map(Math.log);
    const mean = Math.log(2) * 1.5;
    const s = Math.sqrt(ys.reduce((a, y) => a + (y - mean) ** 2, 0) / 3);
    const r = predictionRange(xs)!;
    expect(r.median).toBeCloseTo(Math.exp(mean), 12);
    expect(r.low).toBeCloseTo(Math.exp(mean - 1.638 * s * Math.sqrt(1.25)), 12);
    expect(r.high).toBeCloseTo(Math.exp(mean + 1.638 * s * Math.sqrt(1.25)), 12);
  });

  it('widens for a small sample: the same spread from 3 values gives a wider interval than from 30', () => {
    const three = predictionRange([1, 2, 4])!;
    const thirty = predictionRange(Array.from({ length: 30 }, (_, i) => [1, 2, 4][i % 3]!))!;
    expect(three.high / three.median).toBeGreaterThan(thirty.high / thirty.median);
  });

  it('cannot be made from one value or from a zero', () => {
    expect(predictionRange([3])).toBeNull();
    expect(predictionRange([0, 1, 2])).toBeNull();
  });
});

describe('withinChainCorrelation', () => {
  const r = rng(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  /** 3 prompts × 200 chains; each run's log = shared chain factor · w + own noise. */
  const groups = (w: number) => {
    const chains = Array.from({ length: 200 }, (_, c) => ({ id: `c${c}`, f: normal() }));
    return [0, 1, 2].map(() =>
      chains.map((c) => ({ chain: c.id, value: Math.exp(w * c.f + Math.sqrt(1 - w * w) * normal()) })),
    );
  };

  it('finds no correlation between independent prompts and ρ = w² for a shared factor', () => {
    expect(withinChainCorrelation(groups(0))).toBeLessThan(0.05);
    expect(withinChainCorrelation(groups(Math.sqrt(0.5)))).toBeCloseTo(0.5, 1);
    expect(withinChainCorrelation(groups(0.999))).toBeGreaterThan(0.95);
  });

  it('is 1 (the cautious guess) when no chain ran two of the prompts', () => {
    expect(
      withinChainCorrelation([
        [
          { chain: 'a', value: 1 },
          { chain: 'b', value: 2 },
        ],
        [
          { chain: 'c', value: 1 },
          { chain: 'd', value: 3 },
        ],
      ]),
    ).toBe(1);
  });
});

describe('sumPredictionRange', () => {
  it('for one term is the prediction interval of its runs', () => {
    const xs = [0.1, 0.3, 0.2, 0.5];
    const one = sumPredictionRange([xs], 0, 0.8)!;
    const direct = predictionRange(xs)!;
    expect(one.median).toBeCloseTo(direct.median, 12);
    expect(one.low).toBeCloseTo(direct.low, 12);
    expect(one.high).toBeCloseTo(direct.high, 12);
  });

  it('is narrower, relative to its median, for independent terms than for terms that move together', () => {
    const terms = [
      [1, 2, 3, 4],
      [2, 3, 5, 9],
      [1, 1.5, 3, 2],
    ];
    const apart = sumPredictionRange(terms, 0, 0.8)!;
    const together = sumPredictionRange(terms, 1, 0.8)!;
    expect(apart.high / apart.median).toBeLessThan(together.high / together.median);
    expect(apart.low).toBeGreaterThan(together.low);
  });

  it('uses the fallback spread when every term was measured once', () => {
    const r = sumPredictionRange([[2]], 0, 0.5)!;
    expect(r.high / r.median).toBeCloseTo(Math.exp(Z90 * 0.5 * Math.SQRT2), 12);
    expect(sumPredictionRange([[0, 1]], 0, 0.5)).toBeNull();
  });
});
