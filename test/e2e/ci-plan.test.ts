/**
 * The CI recipe (ci/plan.sh): a plan-only run against the fake Messages API whose stdout is the
 * chain's spec as Markdown and nothing else; the chain waits at the solution gate with nothing
 * approved or written; a stop short of the gate keeps claude-exec's exit code and says why.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, onlyChain, setupE2e, TEST_KEY } from '../helpers/e2e.js';
import { GOAL } from '../helpers/scenario.js';
import { SOLUTION } from '../helpers/scenario-files.js';

const PLAN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'ci', 'plan.sh');
const E2E_TIMEOUT_MS = 150_000;

describe('ci/plan.sh (built binary, fake Messages API)', () => {
  it(
    'prints the spec on stdout and leaves the chain at the solution gate, nothing approved or written',
    async () => {
      const e = await setupE2e();
      try {
        const r = await execa('bash', [PLAN, GOAL], {
          cwd: e.ws.root,
          env: { ...e.env, CLAUDE_EXEC: BIN },
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
        });
        expect(r.exitCode, r.stderr).toBe(0);
        const { ctx } = await onlyChain(e.ws.root);
        expect(r.stdout.startsWith('# ')).toBe(true);
        expect(r.stdout).toContain('## Solution');
        expect(r.stdout).toContain(SOLUTION.split('\n')[0]);
        expect(r.stdout).toContain('## Acceptance criteria');
        expect(r.stderr).toContain(
          `plan.sh: chain ${ctx.chain_id} waits at the solution gate — claude-exec approve ${ctx.chain_id} continues it`,
        );
        expect(r.stdout + r.stderr).not.toContain(TEST_KEY);
        expect(ctx.pending).toMatchObject({ kind: 'approval' });
        expect(ctx.solution_versions.every((v) => v.status !== 'approved')).toBe(true);
        expect(ctx.session_memory.files_modified).toEqual([]);
        expect(e.scenario.log.some((l) => l.phase === 'implementation')).toBe(false);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a budget stop keeps exit 4 and says why on stderr; no task is exit 2',
    async () => {
      const e = await setupE2e();
      try {
        const r = await execa('bash', [PLAN, GOAL, '--max-cost', '0.0001'], {
          cwd: e.ws.root,
          env: { ...e.env, CLAUDE_EXEC: BIN },
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
        });
        expect(r.exitCode).toBe(4);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/plan\.sh: claude-exec stopped \(exit 4\) in chain \d{3}: .*budget/i);
        const none = await execa('bash', [PLAN, '  '], {
          cwd: e.ws.root,
          env: { ...e.env, CLAUDE_EXEC: BIN },
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
        });
        expect(none.exitCode).toBe(2);
        expect(none.stderr).toContain('usage: plan.sh "task"');
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
