/**
 * The steps the driver runs around the machine (src/engine/upkeep.ts), in process: the real SDK
 * against the fake Messages API, asserting on the requests it received. error_recovery gets the
 * failure as feedback and the effect is tried once more; cost_monitor gets the chain's cost
 * figures; a memory past 80% of its budget is compacted by context_preservation and later prompts
 * see the digest; a failing chain is diagnosed by chain_debugger.
 */
import { writeFile } from 'node:fs/promises';
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

const firstText = (req: RecordedRequest): string => {
  const first = req.body.messages[0];
  return typeof first.content === 'string'
    ? first.content
    : first.content.map((b: { text?: string }) => b.text ?? '').join('\n');
};
const promptOf = (req: RecordedRequest) => /^Prompt: (\w+)/m.exec(firstText(req))?.[1] ?? '?';

interface Script {
  /** Prompts the selector picks, one batch per decision, then ready. */
  batches: string[][];
  /** A prompt whose result is invalid until error_recovery has run. */
  failsUntilRecovered?: string;
  /** uncertainty_analysis keeps confidence low (the chain loops until its caps, then goes on). */
  lowConfidence?: boolean;
  /** Findings per discovery run (to grow the memory). */
  findings?: number;
}

function scripted(s: Script) {
  let decisions = 0;
  return (req: RecordedRequest): FakeReply => {
    const p = promptOf(req);
    const text = firstText(req);
    const findings = (extra: object = {}) => toolReply('record_findings', { summary: `ran ${p}`, ...extra });
    if (p === 'prompt_selector') {
      const batch = s.batches[decisions++] ?? [];
      return toolReply('choose_next_prompts', {
        prompts: batch.map((name) => ({ name, focus: `focus of ${name}`, reason: 'test' })),
        ready_for_analysis: batch.length === 0,
        need_new_prompt: false,
        rationale: 'test',
      });
    }
    // The retried step's memory shows what error_recovery found (a discovery prompt is not shown the prompt list).
    if (p === s.failsUntilRecovered && !text.includes('recovery_action: retry')) {
      return toolReply('record_findings', { summary: '' });
    }
    switch (p) {
      case 'requirement_validator':
        return findings({ ambiguity_score: 0.1, confidence: { requirements: 0.95 } });
      case 'uncertainty_analysis':
        return findings({
          confidence: s.lowConfidence
            ? { overall: 0.3, requirements: 0.9, technical_approach: 0.3, implementation_details: 0.3 }
            : { overall: 0.9, requirements: 0.95, technical_approach: 0.9, implementation_details: 0.85 },
        });
      case 'solution_synthesizer':
        return findings({ solution: 'Sign tokens with HMAC in src/token.js.' });
      case 'solution_presenter':
        return findings({ presentation: 'HMAC tokens in src/token.js.' });
      case 'context_preservation':
        return findings({ digest: ['[F4.1, F5.1] DIGESTED-LINE: login is session based (src/app.js:40)'] });
      case 'error_recovery':
        return findings({
          findings: ['the result lacked a summary'],
          decisions: [{ key: 'recovery_action', choice: 'retry', rationale: 'a transient slip' }],
        });
      default:
        return findings({
          findings: Array.from(
            { length: s.findings ?? 1 },
            (_, i) => `src/app.js:${i} ${p} FINDING-${i} ${'detail '.repeat(30)}`,
          ),
        });
    }
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

async function run(script: Script, config: object = {}) {
  server = await startFakeAnthropic({ responder: scripted(script) });
  await writeFile(path.join(ws.root, 'claude-exec.config.json'), JSON.stringify(config));
  const base = await createBaseDeps(ws.root, {
    ui: silentUi,
    yes: true,
    trusted: true,
    env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test-00000000' },
  });
  const outcome = await startChain('Add JWT auth', base, {
    contextsDir: path.join(ws.root, 'contexts'),
    verbose: false,
    until: 'solution-approval',
    model: 'claude-sonnet-4-6',
  });
  const requests = server.requests.filter((r) => r.path === '/v1/messages');
  return { outcome, requests, of: (p: string) => requests.filter((r) => promptOf(r) === p).map(firstText) };
}

describe('steps around the machine', () => {
  it('a failed step runs error_recovery with the failure as feedback, then the effect once more', async () => {
    const { outcome, of } = await run(
      { batches: [['trace_existing_flow']], failsUntilRecovered: 'trace_existing_flow' },
      { caps: { corrections: 0 } },
    );
    expect(outcome.ctx.status).toBe('paused');
    const steps = outcome.ctx.steps
      .filter((s) => ['trace_existing_flow', 'error_recovery'].includes(s.prompt))
      .map((s) => [s.prompt, s.status]);
    expect(steps).toEqual([
      ['trace_existing_flow', 'failed'],
      ['error_recovery', 'complete'],
      ['trace_existing_flow', 'complete'],
    ]);
    const recovery = of('error_recovery')[0]!;
    expect(recovery).toMatch(
      /Failure output or reason:\nStep \d+ \(trace_existing_flow, context-building\) failed: the model gave invalid input for record_findings/,
    );
    expect(of('trace_existing_flow').at(-1)).toContain('recovery_action: retry');
  }, 60_000);

  it("cost_monitor is shown the chain's cost figures", async () => {
    const { of } = await run({ batches: [['cost_optimizer']] });
    const text = of('cost_monitor')[0]!;
    expect(text).toMatch(
      /What the chain has spent \(measured, from its call records\):\n- total: \$\d+\.\d{4} over \d+ calls/,
    );
    expect(text).toMatch(/- by prompt: .*requirement_validator \$/);
  }, 60_000);

  it('past 80% of the memory budget, context_preservation compacts; later prompts see the digest instead of the findings', async () => {
    const discovery = [
      'trace_existing_flow',
      'dependency_analyzer',
      'component_mapper',
      'api_surface_mapper',
    ];
    const { outcome, of } = await run(
      { batches: [discovery, discovery.slice(0, 2)], findings: 12 },
      { limits: { context_tokens: 2_500 } },
    );
    expect(outcome.ctx.memory_digest).toMatchObject({ lines: [expect.stringContaining('DIGESTED-LINE')] });
    const compacted = of('context_preservation')[0]!;
    expect(compacted).toContain('trace_existing_flow FINDING-11');
    const later = of('uncertainty_analysis')[0]!;
    expect(later).toContain('DIGESTED-LINE');
    expect(later).toContain('### Digest of the findings of steps 1–');
  }, 60_000);

  it('a chain that fails is diagnosed by chain_debugger, with the reason as feedback', async () => {
    server = await startFakeAnthropic({ responder: scripted({ batches: [] }) });
    await writeFile(
      path.join(ws.root, 'claude-exec.config.json'),
      JSON.stringify({ caps: { approval_rounds: 0 } }),
    );
    // The human rejects at the gate, and no approval round is allowed: the machine's fail effect.
    const strict = await createBaseDeps(ws.root, {
      ui: { ...silentUi, interactive: true, askApproval: async () => ({ response: 'rejected', note: 'no' }) },
      yes: false,
      trusted: true,
      env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test-00000000' },
    });
    const outcome = await startChain('Add JWT auth', strict, {
      contextsDir: path.join(ws.root, 'contexts'),
      verbose: false,
    });
    expect(outcome.ctx.status).toBe('failed');
    const debug = server.requests
      .filter((r) => r.path === '/v1/messages' && promptOf(r) === 'chain_debugger')
      .map(firstText);
    expect(debug).toHaveLength(1);
    expect(debug[0]).toContain('no approval after 0 rounds');
    expect(outcome.ctx.steps.at(-1)!.prompt).toBe('chain_debugger');
  }, 60_000);
});
