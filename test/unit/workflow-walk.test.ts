/** src/workflows/walk.ts: the step kinds it knows without the schemas are the schema's, in its order. */
import { describe, expect, it } from 'vitest';
import { kindOf, STEP_KINDS } from '../../src/workflows/schema.js';
import { STEP_KIND_NAMES, stepKindOf } from '../../src/workflows/walk.js';
import type { Step } from '../../src/workflows/schema.js';

describe('stepKindOf', () => {
  it('knows the schema’s step kinds in kindOf’s order', () => {
    expect(STEP_KIND_NAMES).toEqual(Object.keys(STEP_KINDS));
  });

  it('gives the kind kindOf gives, the first kind key of a step', () => {
    const steps = [
      { prompt: 'code_reviewer' },
      { phase: 'implementation' },
      { gate: 'approval' },
      { if: { confidence: { above: 0.5 } }, then: [{ prompt: 'x' }], prompt: 'y' },
      { loop: { max: 2, steps: [{ prompt: 'x' }] } },
    ] as unknown as Step[];
    for (const step of steps) expect(stepKindOf(step)).toBe(kindOf(step));
  });
});
