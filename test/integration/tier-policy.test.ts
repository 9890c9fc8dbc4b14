/**
 * The cache-aware tier choice in a chain (config tier_policy; src/cost/tierChoice.ts), in process:
 * the real SDK against the fake Messages API, asserting on the model of the requests it received.
 * The scripted replies are short, so a fast-tier discovery step (dependency_analyzer) whose model
 * has no cache yet would pay more for the prefix write than it saves: it runs on the default
 * tier's model, and the chain's log says why; with `tier_policy: declared` it runs on haiku.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChain } from '../../src/features/run/run.js';
import { createBaseDeps } from '../../src/engine/deps.js';
import { silentUi } from '../helpers/ui.js';
import {
  startFakeAnthropic,
  toolReply,
  type FakeReply,
  type FakeServer,
  type RecordedRequest,
} from '../helpers/fake-anthropic.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';
import { readTurn } from '../../src/demo/turn.js';

const promptOf = (req: RecordedRequest) => readTurn(req.body ?? {})?.prompt ?? '?';

function scripted(): (req: RecordedRequest) => FakeReply {
  let decisions = 0;
  return (req) => {
    const p = promptOf(req);
    if (p === 'prompt_selector')
      return toolReply('choose_next_prompts', {
        prompts:
          decisions++ === 0
            ? [{ name: 'dependency_analyzer', focus: 'the auth libraries', reason: 'test' }]
            : [],
        ready_for_analysis: decisions > 1,
        need_new_prompt: false,
        rationale: 'test',
      });
    const extra: Record<string, object> = {
      requirement_validator: { ambiguity_score: 0.1, confidence: { requirements: 0.95 } },
      uncertainty_analysis: {
        confidence: {
          overall: 0.9,
          requirements: 0.95,
          technical_approach: 0.9,
          implementation_details: 0.85,
        },
      },
      solution_synthesizer: { solution: 'Sign tokens with HMAC in src/token.js.' },
      solution_presenter: { presentation: 'HMAC tokens in src/token.js.' },
    };
    return toolReply('record_findings', { summary: `ran ${p}`, ...(extra[p] ?? {}) });
  };
}

let server: FakeServer | undefined;
let ws: TempWorkspace;
beforeEach(async () => {
  ws = await makeTempWorkspace({ git: false });
});
afterEach(async () => {
  await server?.close();
  await ws.cleanup();
});

async function run(config: object) {
  server = await startFakeAnthropic({ responder: scripted() });
  await writeFile(path.join(ws.root, 'claude-exec.config.json'), JSON.stringify(config));
  const base = await createBaseDeps(ws.root, {
    ui: silentUi,
    yes: true,
    trusted: true,
    env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test-00000000' },
  });
  const contextsDir = path.join(ws.root, 'contexts');
  const outcome = await startChain('Add JWT auth', base, {
    contextsDir,
    verbose: false,
    until: 'solution-approval',
  });
  const requests = server.requests.filter((r) => r.path === '/v1/messages');
  const logs = (await readdir(contextsDir)).filter((f) => f.endsWith('.log'));
  const log = (await Promise.all(logs.map((f) => readFile(path.join(contextsDir, f), 'utf8')))).join('');
  return {
    outcome,
    requests,
    log,
    modelOf: (p: string) => requests.filter((r) => promptOf(r) === p).map((r) => r.body.model),
  };
}

describe('the cache-aware tier choice (config tier_policy)', () => {
  it('runs a short fast-tier step on the default model while the fast model has no cache, and logs why', async () => {
    const { outcome, modelOf, log } = await run({});
    expect(outcome.ctx.status).toBe('paused');
    const models = outcome.ctx.models;
    expect(models.fast).not.toBe(models.default);
    const analyzer = modelOf('dependency_analyzer');
    expect(analyzer.length).toBeGreaterThan(0);
    expect(new Set(analyzer)).toEqual(new Set([models.default]));
    expect(outcome.ctx.calls.some((c) => c.model === models.fast)).toBe(false);
    expect(log).toContain(
      `tier_policy: dependency_analyzer runs on ${models.default}, not ${models.fast}: writing the prefix to ${models.fast}'s empty cache costs more`,
    );
  }, 60_000);

  it('with tier_policy "declared" the step runs on its own tier', async () => {
    const { outcome, modelOf, log } = await run({ tier_policy: 'declared' });
    expect(outcome.ctx.status).toBe('paused');
    expect(new Set(modelOf('dependency_analyzer'))).toEqual(new Set([outcome.ctx.models.fast]));
    expect(log).not.toContain('tier_policy:');
  }, 60_000);
});
