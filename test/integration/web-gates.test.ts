/**
 * Gates answered through the web view, in process: a real chain (the real SDK against the fake
 * Messages API playing the Express scenario) stops at its questions; the server's POSTs do what
 * `answer` and `approve` do, the chain goes on in the server, and the live stream of its chain
 * document follows every call. What the model was given is checked on the fake's requests.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChain } from '../../src/features/run/run.js';
import { createBaseDeps } from '../../src/engine/deps.js';
import { takeDriverLock } from '../../src/engine/driverLock.js';
import { readChainFile } from '../../src/chain/store.js';
import { runDemo } from '../../src/demo/run.js';
import { createProgress } from '../../src/ui/progress.js';
import type { Ui } from '../../src/engine/ui.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { startFakeAnthropic, type FakeServer } from '../helpers/fake-anthropic.js';
import { tempDir } from '../helpers/prompt-files.js';
import { createScenario, GOAL } from '../helpers/scenario.js';
import { readEvents, request } from '../helpers/web.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const TOKEN = 'web-gates-token-0123456789abcdefghijklmnop';
const TIMEOUT_MS = 240_000;
const quietUi = (): Ui => {
  const never = () => Promise.reject(new Error('no terminal'));
  return {
    progress: createProgress(() => undefined, { color: false, verbose: false }),
    interactive: false,
    askQuestions: never,
    askApproval: never,
    confirmChange: never,
  };
};

let fake: FakeServer;
let ws: TempWorkspace;
let web: WebServer | undefined;
const log: string[] = [];

beforeEach(async () => {
  // A little latency per reply, so the chain is visibly running between its calls.
  fake = await startFakeAnthropic({ responder: createScenario({ latencyMs: 40 }).responder });
  ws = await makeTempWorkspace();
  log.length = 0;
});
afterEach(async () => {
  await web?.close();
  web = undefined;
  await fake.close();
  await ws.cleanup();
});

const send = (kind: 'answer' | 'approve', body: unknown, server: WebServer) =>
  request(server.port, {
    path: `/api/chains/001/${kind}`,
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('gates from the web view', () => {
  it(
    'answers and approves as the CLI does, follows the chain live, and refuses a locked chain with the CLI message',
    async () => {
      const env = {
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_API_KEY: 'sk-test-web-0001',
        CLAUDE_EXEC_USER_PROMPTS: '/nonexistent',
      };
      const contexts = path.join(ws.root, 'contexts');
      const base = await createBaseDeps(ws.root, { ui: quietUi(), yes: false, env });
      const first = await startChain(GOAL, base, { contextsDir: contexts, verbose: false });
      expect(first.ctx.pending).toMatchObject({ kind: 'questions', question_ids: ['q1', 'q2'] });
      const callsBefore = first.ctx.calls.length;
      const requestsBefore = fake.requests.length;

      web = await startWebServer({
        dirs: [contexts],
        port: 0,
        readOnly: false,
        flags: [],
        log: (l) => log.push(l),
        env,
        token: TOKEN,
        liveIntervalMs: 50,
      });
      const live = readEvents(web.port, '/api/chains/001', TOKEN);
      try {
        const initial = await live.next(() => true);
        expect(initial).toMatchObject({
          path: '/api/chains/001',
          status: 200,
          document: { schema: 'claude-exec/chain@1', status: 'awaiting-input', calls: callsBefore },
        });

        const answered = await send(
          'answer',
          { answers: { q1: 'Rotate on every use (from the page)', q2: 'JWT_SIGNING_KEY (from the page)' } },
          web,
        );
        expect(answered.status, answered.body).toBe(202);
        // Live: a document while the chain runs, with more calls than before, then the next gate.
        const running = await live.next(
          (e) => e.document.status === 'running' && (e.document.calls as number) > callsBefore,
        );
        expect(
          (running.document.running_steps as unknown[]).length + (running.document.steps as unknown[]).length,
        ).toBeGreaterThan(0);
        const atApproval = await live.next(
          (e) => (e.document.pending as { kind?: string } | null)?.kind === 'approval',
        );
        expect(atApproval.document).toMatchObject({
          status: 'awaiting-input',
          current_phase: 'solution-approval',
        });

        // The answers reached the model, and are recorded as the user's.
        const after = fake.requests.slice(requestsBefore).map((r) => JSON.stringify(r.body));
        expect(after.some((b) => b.includes('Rotate on every use (from the page)'))).toBe(true);
        const file = String(atApproval.document.file);
        let ctx = await readChainFile(file);
        expect(ctx.questions.map((q) => [q.id, q.answer, q.answered_by])).toEqual([
          ['q1', 'Rotate on every use (from the page)', 'user'],
          ['q2', 'JWT_SIGNING_KEY (from the page)', 'user'],
        ]);

        // Refusals with the CLI's messages: nothing to answer, a chain driven elsewhere.
        const notWaiting = await send('answer', { answers: { q1: 'again' } }, web);
        expect(notWaiting.status).toBe(409);
        expect(JSON.parse(notWaiting.body).error.message).toBe('chain 001 is not waiting for answers');
        const lock = await takeDriverLock(file);
        try {
          const locked = await send('approve', { response: 'approved' }, web);
          expect(locked.status).toBe(409);
          expect(JSON.parse(locked.body).error).toEqual({
            exit_code: 2,
            message: `${file}: this chain is being driven by another claude-exec process`,
            hint: 'Wait for it to finish, or stop it; a crashed run releases the lock after 30 s.',
          });
        } finally {
          await lock.release();
        }

        const approved = await send('approve', { response: 'approved' }, web);
        expect(approved.status, approved.body).toBe(202);
        const atChange = await live.next(
          (e) => (e.document.pending as { kind?: string } | null)?.kind === 'file-change',
        );
        expect(atChange.document).toMatchObject({
          current_phase: 'implementation',
          approvals: [{ kind: 'solution', response: 'approved' }],
        });
        ctx = await readChainFile(file);
        expect(ctx.approval_history.map((a) => [a.kind, a.user_response])).toEqual([
          ['solution', 'approved'],
        ]);
        expect(log.some((l) => l.startsWith('chain 001: ') && l.includes('awaiting-input'))).toBe(true);
      } finally {
        live.stop();
      }
    },
    TIMEOUT_MS,
  );

  it(
    "continues a demo chain with the demo's scripted model: no key, no ANTHROPIC_* variable",
    async () => {
      const dir = await tempDir('claude-exec-web-demo-');
      const demo = await runDemo({
        dir,
        ui: quietUi(),
        yes: true,
        verbose: false,
        until: 'solution-approval',
        latencyMs: 0,
        env: {},
      });
      expect(demo.outcome.ctx).toMatchObject({ status: 'paused', pending: { kind: 'approval' } });
      const calls = demo.outcome.ctx.calls.length;
      web = await startWebServer({
        dirs: [path.join(dir, 'contexts')],
        port: 0,
        readOnly: false,
        flags: [],
        log: (l) => log.push(l),
        env: { ANTHROPIC_API_KEY: 'sk-must-not-be-used' },
        token: TOKEN,
        liveIntervalMs: 50,
      });
      const live = readEvents(web.port, '/api/chains/001', TOKEN);
      try {
        const approved = await send('approve', { response: 'approved' }, web);
        expect(approved.status, approved.body).toBe(202);
        const next = await live.next(
          (e) => (e.document.pending as { kind?: string } | null)?.kind === 'file-change',
        );
        expect(next.document).toMatchObject({
          model: 'demo',
          billing: 'demo',
          status: 'awaiting-input',
          pending: { path: 'test/rate-limit.test.js' },
        });
        expect(
          (next.document.call_log as { model: string }[]).slice(calls).every((c) => c.model === 'demo'),
        ).toBe(true);
        expect(next.document.calls as number).toBeGreaterThan(calls);
      } finally {
        live.stop();
      }
    },
    TIMEOUT_MS,
  );
});
