/**
 * When test_generator writes no test file, "asking it again" is said only when the machine will
 * really ask again (caps.test_generation_asks); the last time it says the chain stops.
 */
import { describe, expect, it } from 'vitest';
import { noTestsWarning } from '../../src/engine/effects/machine.js';
import { defaultConfig } from '../../src/config/schema.js';
import { initialMachineState, transition, type MachineSettings } from '../../src/phases/machine.js';

describe('noTestsWarning', () => {
  for (const cap of [0, 1, 2]) {
    it(`agrees with the machine at caps.test_generation_asks ${cap}`, () => {
      const base = defaultConfig();
      const cfg: MachineSettings = {
        ...base,
        caps: { ...base.caps, test_generation_asks: cap },
        concurrency: 4,
      };
      for (let asks = 0; asks <= cap; asks++) {
        const t = transition(
          { ...initialMachineState(), phase: 'implementation', test_generation_asks: asks },
          { type: 'no-tests-written' },
          cfg,
        );
        const text = noTestsWarning(asks, cap);
        if (t.effect.kind === 'prompt')
          expect(text).toBe(`test_generator wrote no test file: asking it again (${asks + 1} of ${cap})`);
        else {
          expect(t.effect.kind).toBe('fail');
          expect(text).toBe(`test_generator wrote no test file after ${asks + 1} asks: stopping`);
        }
      }
    });
  }
});
