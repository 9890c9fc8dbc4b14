/**
 * Dynamic prompts, in process: when the controller finds no fitting prompt, prompt_generator's
 * file is validated by the library's own rules; an invalid one goes back to the model with the
 * problem, a valid one is saved to prompts/custom/, recorded, run, and loadable by later chains.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChain } from '../../src/features/run/run.js';
import { createBaseDeps } from '../../src/engine/deps.js';
import { loadLibrary } from '../../src/library/load.js';
import { createProgress } from '../../src/ui/terminal.js';
import type { Ui } from '../../src/engine/ui.js';
import { startFakeAnthropic, toolReply, type FakeServer } from '../helpers/fake-anthropic.js';
import { readTurn } from '../helpers/scenario.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const promptFile = (variable: string) => `---
name: session_jwt_migration_analyzer
purpose: Find every place that relies on server sessions and plan their move to JWT
good_for:
  - Moving an app from sessions to tokens
  - Finding hidden session reads
  - Planning a parallel-run period
uncertainty_reduction:
  - Which routes read req.session
  - What breaks when sessions go away
example_context_needs:
  - The session middleware set-up
cost_estimate: medium
phases: [context-building]
tools: read
---
# Session to JWT migration analyzer

Goal: {{goal}}. Look at ${variable} and list every read and write of \`req.session\` with search_code,
then read each file around the hit and note what the session carries (user id, roles, flash data).
For each route decide whether a signed token can carry that data, or whether state must stay on the
server. Record one finding per route in record_findings, the open questions as uncertainties, and a
confidence of 0.9 only when every session read was found and explained.
`;

let selectorCalls = 0;
let server: FakeServer;
let ws: TempWorkspace;
beforeEach(async () => {
  selectorCalls = 0;
  server = await startFakeAnthropic({
    responder: (req) => {
      const turn = readTurn(req.body)!;
      const findings = (extra: object = {}) =>
        toolReply('record_findings', { summary: `ran ${turn.prompt}`, ...extra });
      switch (turn.prompt) {
        case 'requirement_validator':
          return findings({ ambiguity_score: 0.1, confidence: { requirements: 0.95 } });
        case 'prompt_selector':
          selectorCalls += 1;
          return toolReply('choose_next_prompts', {
            prompts: [],
            ready_for_analysis: selectorCalls > 1,
            need_new_prompt: selectorCalls === 1,
            rationale: 'no prompt covers session-to-JWT migration',
          });
        case 'prompt_gap_detector':
          return findings({
            gap: {
              description: 'session to JWT migration',
              suggested_name: 'session_jwt_migration_analyzer',
              key_questions: ['Which routes read the session?'],
            },
          });
        case 'prompt_generator':
          // First an unknown variable, then (after the error tool_result) a valid file.
          return findings({
            new_prompt: {
              markdown: promptFile(turn.results.some((r) => r.isError) ? 'the {{context}}' : 'the {{stack}}'),
            },
          });
        default:
          return findings();
      }
    },
  });
  ws = await makeTempWorkspace();
});
afterEach(async () => {
  await server.close();
  await ws.cleanup();
});

describe('generated prompts', () => {
  it('rejects an invalid generated prompt with the reason, then saves, records and runs the corrected one', async () => {
    const ui: Ui = {
      progress: createProgress(() => undefined, { color: false, verbose: false }),
      interactive: false,
      askQuestions: async () => ({}),
      askApproval: async () => ({ response: 'approved' }),
      confirmChange: async () => ({ approved: true }),
    };
    await writeFile(
      path.join(ws.root, 'claude-exec.config.json'),
      JSON.stringify({ test_command: ['node', '--test'] }),
    );
    const base = await createBaseDeps(ws.root, {
      ui,
      yes: true,
      trusted: true,
      env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test-generated-01' },
    });
    const out = await startChain('Move login from sessions to JWT', base, {
      contextsDir: path.join(ws.root, 'contexts'),
      verbose: false,
      until: 'context-building',
    });

    expect(out.error).toBeUndefined();
    const generatorErrors = server.requests
      .map((r) => readTurn(r.body)!)
      .filter((t) => t.prompt === 'prompt_generator')
      .flatMap((t) => t.results.filter((r) => r.isError).map((r) => r.content));
    expect(generatorErrors.join('\n')).toMatch(/stack/);

    const saved = path.join(ws.root, 'prompts/custom/session_jwt_migration_analyzer.md');
    expect(await readFile(saved, 'utf8')).toContain('the {{context}}');
    expect(out.ctx.generated_prompts).toEqual([
      { name: 'session_jwt_migration_analyzer', reason: 'session to JWT migration', path: saved },
    ]);
    expect(out.ctx.steps.find((s) => s.prompt === 'session_jwt_migration_analyzer')?.status).toBe('complete');

    const later = await loadLibrary({ workspace: ws.root, userDir: path.join(ws.root, 'no-user-prompts') });
    expect(later.issues).toEqual([]);
    expect(later.catalog.get('session_jwt_migration_analyzer')?.layer).toBe('workspace');
  });
});
