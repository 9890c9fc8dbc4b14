/**
 * kill -9 during a workflow chain (`--workflow bugfix`: a prompt, a parallel fan-out, a condition,
 * phase steps through implementation, a last prompt), resuming after each kill: the interpreter's
 * state is in the context file, so the chain ends where an uninterrupted run ends, with the same
 * steps, and no recorded call is ever sent again.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOAL, RELIABILITY_TIMEOUT_MS, makeWorld, until } from './harness.js';

describe('kill -9 and resume of a workflow chain', () => {
  it(
    'bugfix killed at several points ends like an uninterrupted run, nothing repeated',
    async () => {
      const [w, ref] = await Promise.all([makeWorld({ latencyMs: 40 }), makeWorld()]);
      try {
        const clean = await ref.run('--yes', '--workflow', 'bugfix', GOAL);
        expect(clean.exitCode, clean.stderr).toBe(0);
        const expected = ref.chain().ctx;

        let child = w.spawn('--yes', '--workflow', 'bugfix', GOAL);
        let target = 2;
        let kills = 0;
        let last = { calls: [] as unknown[] };
        for (;;) {
          let exited = false;
          void child.then(() => (exited = true));
          await until(`${target} calls or exit`, () => {
            if (exited) return true;
            try {
              return w.chain().ctx.calls.length >= target ? true : undefined;
            } catch {
              return undefined;
            }
          });
          if (exited) break;
          await new Promise((resolve) => setTimeout(resolve, (kills * 23) % 60));
          child.kill('SIGKILL');
          const r = await child;
          if (r.signal !== 'SIGKILL') break;
          kills++;
          const { ctx } = w.chain(); // throws on an unreadable or invalid file
          expect(ctx.workflow?.name).toBe('bugfix');
          expect(ctx.calls.slice(0, last.calls.length)).toEqual(last.calls);
          last = ctx;
          if (ctx.status === 'complete') break;
          target = ctx.calls.length + 3;
          child = w.spawn('resume', ctx.chain_id, '--yes');
        }
        const done = await child;
        expect(done.signal === 'SIGKILL' || done.exitCode === 0, String(done.stderr)).toBe(true);
        expect(kills).toBeGreaterThanOrEqual(4);
        const { ctx } = w.chain();
        expect(ctx.status).toBe('complete');
        // The same workflow steps and the same prompts as the uninterrupted run.
        expect(ctx.workflow!.state.history.map((h) => [h.at, h.kind])).toEqual(
          expected.workflow!.state.history.map((h) => [h.at, h.kind]),
        );
        expect(
          ctx.steps
            .filter((s) => s.status === 'complete')
            .map((s) => s.prompt)
            .sort(),
        ).toEqual(
          expected.steps
            .filter((s) => s.status === 'complete')
            .map((s) => s.prompt)
            .sort(),
        );
        // The files the uninterrupted run wrote are in the workspace. (files_modified is not compared: a
        // kill between a write and the next save can leave a written file out of it — see the report.)
        for (const f of expected.session_memory.files_modified)
          expect(readFileSync(path.join(w.ws.root, f), 'utf8')).toBe(
            readFileSync(path.join(ref.ws.root, f), 'utf8'),
          );
        const bodies = w.messages().map((r) => JSON.stringify(r.body.messages));
        for (const call of ctx.calls) {
          const i = Number(call.request_id!.replace('req_fake_', ''));
          const again = bodies.flatMap((x, j) => (j > i && x === bodies[i] ? [j] : []));
          expect(
            again,
            `call ${call.id} (request ${i}) was sent again as request(s) ${again.join(', ')}`,
          ).toEqual([]);
        }
        console.info(
          `workflow kill -9: ${kills} kills, ${ctx.calls.length} calls recorded, ${w.messages().length} requests`,
        );
      } finally {
        await Promise.all([w.close(), ref.close()]);
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );
});
