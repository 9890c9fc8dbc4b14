/**
 * Interrupts at the moments that used to hang: SIGINT while the test command runs (the test
 * process must go with claude-exec), and a kill right after the model asked for a catastrophic
 * regex, so that `resume` replays that tool call (it must not freeze: RE2JS runs it in linear time).
 * Nothing here measures time; a hang shows as the test's own timeout.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOAL, RELIABILITY_TIMEOUT_MS, makeWorld, until } from './harness.js';

/** Host processes whose command line contains `token`. */
function processesWith(token: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(token) && !l.includes('ps -eo'));
}

describe.concurrent('interrupts', () => {
  it(
    'SIGINT during a test run: exit 130, the test process is gone, the chain is cancelled and resumes',
    async () => {
      const w = await makeWorld();
      try {
        const token = `slow-test-${process.pid}-${Date.now()}`;
        writeFileSync(
          path.join(w.ws.root, 'slow.cjs'),
          "require('fs').writeFileSync('started.marker', 'x'); setInterval(() => {}, 1000);\n",
        );
        w.config({ test_command: ['node', 'slow.cjs', token] });
        const child = w.spawn('--yes', GOAL);
        await until(
          'the test command to start',
          () => (existsSync(path.join(w.ws.root, 'started.marker')) ? true : undefined),
          180_000,
        );
        expect(processesWith(token).length).toBeGreaterThan(0);
        child.kill('SIGINT');
        const r = await child;
        expect(r.exitCode, String(r.stderr)).toBe(130);
        expect(String(r.stderr)).toMatch(/interrupted \(SIGINT\)/);
        await until(
          'the test process to exit',
          () => (processesWith(token).length === 0 ? true : undefined),
          30_000,
        );
        const { ctx } = w.chain();
        expect(ctx.status).toBe('cancelled');
        w.config({});
        const again = await w.run('resume', ctx.chain_id, '--yes', '--json');
        expect(again.exitCode, again.stderr).toBe(0);
        expect(w.chain().ctx.status).toBe('complete');
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );

  it(
    'kill -9 right after the model asked for a catastrophic regex: resume replays the call and completes',
    async () => {
      const POISON = '^(a+)+$';
      const w = await makeWorld({
        latencyMs: 150,
        override: (t) =>
          t.prompt === 'trace_existing_flow' && t.turn === 0 && t.forced === null
            ? { toolUses: [{ name: 'search_code', input: { pattern: POISON, regex: true } }] }
            : undefined,
      });
      try {
        writeFileSync(path.join(w.ws.root, 'redos.txt'), `${'a'.repeat(64)}!\n`.repeat(5000));
        const child = w.spawn('--yes', GOAL);
        await until(
          'the poisoned call on disk',
          () => (JSON.stringify(w.chain().ctx.in_flight).includes(POISON) ? true : undefined),
          180_000,
        );
        child.kill('SIGKILL');
        await child;
        const { ctx } = w.chain();
        expect(JSON.stringify(ctx.in_flight)).toContain(POISON);
        const again = await w.run('resume', ctx.chain_id, '--yes', '--json');
        expect(again.exitCode, again.stderr).toBe(0);
        const results = w
          .messages()
          .flatMap((m) =>
            m.body.messages.flatMap((x: { content: unknown }) => (Array.isArray(x.content) ? x.content : [])),
          );
        expect(
          results.some(
            (b: { type: string; content?: unknown }) =>
              b.type === 'tool_result' && String(b.content).startsWith('no matches for "^(a+)+$"'),
          ),
        ).toBe(true);
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );
});
