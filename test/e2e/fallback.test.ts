/**
 * The fallback model through the built binary: the fake Messages API answers 529 for the default
 * tier's model; with config fallback_model the step's call goes to the fallback, the chain
 * completes, and the call records the model used, the switch and its price at the fallback's rate.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { costOfCall, loadPriceTable } from '../../src/cost/prices.js';
import { faultReply, type Responder } from '../helpers/fake-anthropic.js';
import { jsonOut, onlyChain, setupE2e } from '../helpers/e2e.js';
import { createScenario, type ScenarioOptions } from '../helpers/scenario.js';

const E2E_TIMEOUT_MS = 150_000;
const PRIMARY = 'claude-sonnet-4-6';
const FALLBACK = 'claude-haiku-4-5';

function primaryOverloaded(o: ScenarioOptions) {
  const base = createScenario(o);
  const responder: Responder = async (req, index) =>
    req.body?.model === PRIMARY ? faultReply(529, { 'retry-after-ms': '5' }) : base.responder(req, index);
  return { ...base, responder };
}

describe('fallback model (built binary, fake API)', () => {
  it(
    "a 529 on the primary model sends the step's call to fallback_model and records the switch on the call",
    async () => {
      const e = await setupE2e({}, primaryOverloaded);
      try {
        await writeFile(
          path.join(e.ws.root, 'claude-exec.config.json'),
          JSON.stringify({ fallback_model: { default: FALLBACK }, limits: { max_retries: 0 } }),
        );
        e.trust();
        const r = await e.run('prompt', 'run', 'security_scanner', '--json');
        expect(r.exitCode, r.stderr).toBe(0);
        expect(jsonOut(r)).toMatchObject({ status: 'complete' });
        const reqs = e.messages();
        expect(reqs[0]!.body.model).toBe(PRIMARY);
        expect(reqs[1]!.body.model).toBe(FALLBACK);
        expect(reqs.slice(1).every((q) => q.body.model === FALLBACK)).toBe(true);
        expect(r.stderr).toContain(
          `${PRIMARY} failed after the SDK's retries (overloaded (529)); this call and the rest of the step go to the fallback model ${FALLBACK}`,
        );

        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.calls.length).toBe(reqs.length - 1);
        const prices = loadPriceTable();
        for (const c of ctx.calls) {
          expect(c).toMatchObject({
            model: FALLBACK,
            fallback: { from: PRIMARY, reason: 'overloaded (529)' },
          });
          expect(c.cost_usd).toBeCloseTo(costOfCall(c.usage, FALLBACK, prices).cost_usd!, 12);
        }
        expect(Object.keys(ctx.cost_tracking.by_model)).toEqual([FALLBACK]);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
