/**
 * The code is in view, end to end: the built binary runs the JWT chain against the fake Messages
 * API, and the test reads the requests the model was given. A step that writes code sees the
 * approved plan verbatim and the current text of the plan's files and of the tests written so far;
 * a step that judges the change sees its diff against the checkpoint, new files included.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onlyChain, setupE2e } from '../helpers/e2e.js';
import { DESIGNER_PLAN, GOAL, readTurn, type Turn } from '../helpers/scenario.js';
import { TOKEN_MODULE, TOKEN_TEST } from '../helpers/scenario-files.js';

const E2E_TIMEOUT_MS = 150_000;

describe('the code in view (built binary, fake Messages API)', () => {
  it(
    'writers get the plan verbatim and the files; reviewers get the diff with new files',
    async () => {
      const e = await setupE2e({ designerPlan: true });
      try {
        const appJs = readFileSync(path.join(e.ws.root, 'src', 'app.js'), 'utf8');
        const r = await e.run('--yes', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        const turns = e
          .messages()
          .map((q) => readTurn(q.body)!)
          .filter(Boolean);
        const first = (prompt: string): Turn => {
          const t = turns.find((x) => x.prompt === prompt && x.turn === 0);
          expect(t, `a request of ${prompt}`).toBeDefined();
          return t!;
        };

        // test_generator: the plan document verbatim, the plan's existing file whole, the new ones named.
        const gen = first('test_generator').instructions;
        expect(gen).toContain(DESIGNER_PLAN.solution);
        expect(gen).toContain(
          `src/app.js (plan: modify):\n<workspace_file path="src/app.js" lines="1-${appJs.split('\n').length - (appJs.endsWith('\n') ? 1 : 0)}">\n${appJs}`,
        );
        expect(gen).toContain('- test/token.test.js (plan: create): does not exist yet');
        expect(gen).toContain('- src/token.js (plan: create): does not exist yet');

        // tdd_flow_controller: the test written by test_generator, as it is on disk.
        const tdd = first('tdd_flow_controller').instructions;
        expect(tdd).toContain(
          `test/token.test.js (test written in this chain):\n<workspace_file path="test/token.test.js"`,
        );
        expect(tdd).toContain(TOKEN_TEST);
        expect(tdd).toContain(DESIGNER_PLAN.solution);

        // The reviewers and readiness see the change as a diff against the checkpoint: both new files.
        const { ctx } = await onlyChain(e.ws.root);
        const ref = ctx.checkpoints.find((k) => k.phase === 'implementation')!.git_ref;
        for (const prompt of [
          'code_reviewer',
          'security_scanner',
          'deployment_checker',
          'pr_description_writer',
        ]) {
          const text = first(prompt).instructions;
          expect(text, prompt).toContain(
            `## The change under review (against the checkpoint ${ref}; 2 files:`,
          );
          expect(text, prompt).toContain(
            '<diff path="src/token.js" change="created">\n--- /dev/null\n+++ b/src/token.js\n',
          );
          expect(text, prompt).toContain(
            `+${TOKEN_MODULE.split('\n').find((l) => l.startsWith('export function signToken'))}`,
          );
          expect(text, prompt).toContain('<diff path="test/token.test.js" change="created">');
          // Review needs neither the list of prompts run nor the cost so far.
          expect(text, prompt).not.toContain('### Prompts already run');
        }
        // Before implementation nobody is shown code this way.
        for (const t of turns.filter(
          (x) => x.phase !== 'implementation' && x.phase !== 'deployment-readiness',
        )) {
          expect(t.instructions).not.toContain('## The code you work on');
          expect(t.instructions).not.toContain('## The change under review');
        }
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
