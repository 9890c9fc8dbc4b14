/**
 * kill -9 at many points of one chain, resuming after each: the context file is readable and
 * valid after every kill, the calls it recorded are never lost or changed, no completed call is
 * ever sent again, and when the chain completes no temp file or lock is left in contexts/.
 * The kill points move through the whole chain (every few calls, at a varying delay after the
 * call landed: mid-save, mid-tool, mid-test-run, mid-request), so no timing is asserted. A partial
 * temp file like the one a kill mid-save leaves is planted once; the next run holding the lock removes it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOAL, RELIABILITY_TIMEOUT_MS, makeWorld, strayFiles, until } from './harness.js';

describe('kill -9 and resume', () => {
  it(
    'kill -9 at a dozen points, resume after each: nothing unreadable, nothing repeated',
    async () => {
      const w = await makeWorld({ latencyMs: 40 });
      try {
        let child = w.spawn('--yes', GOAL);
        let target = 2;
        let kills = 0;
        let leftovers = 0;
        let chainId = '';
        let last = { calls: [] as unknown[] };
        let killedOnWayOut = false;
        for (;;) {
          let exited = false;
          void child.then(() => (exited = true));
          await until(`${target} calls or exit`, () => {
            if (exited) return true;
            try {
              return w.chain().ctx.calls.length >= target ? true : undefined;
            } catch {
              return undefined; // no file yet (torn files are checked below, after the kill)
            }
          });
          if (exited) break;
          await new Promise((resolve) => setTimeout(resolve, (kills * 17) % 70));
          child.kill('SIGKILL');
          const r = await child;
          if (r.signal !== 'SIGKILL') break; // it finished first (its exit code is checked below)
          kills++;
          leftovers += strayFiles(w.contextsDir).filter((f) => f.endsWith('.tmp')).length;
          const { ctx } = w.chain(); // throws on an unreadable or invalid file
          chainId = ctx.chain_id;
          expect(ctx.calls.slice(0, last.calls.length)).toEqual(last.calls);
          last = ctx;
          if (ctx.status === 'complete') {
            killedOnWayOut = true; // killed on its way out, after the last save (the lock may still be there)
            break;
          }
          // What a kill in the middle of a save leaves: a partial temp file beside the context file.
          if (kills === 1)
            writeFileSync(
              `${w.chain().file}.${child.pid}-1x2y3z.tmp`,
              '{"schema_version": 1, "chain_id": "0',
            );
          target = ctx.calls.length + 2;
          child = w.spawn('resume', chainId, '--yes');
        }
        const done = await child;
        expect(done.signal === 'SIGKILL' || done.exitCode === 0, String(done.stderr)).toBe(true);
        expect(kills).toBeGreaterThanOrEqual(8);
        const { ctx } = w.chain();
        expect(ctx.status).toBe('complete');
        expect(ctx.calls.slice(0, last.calls.length)).toEqual(last.calls);
        expect(new Set(ctx.calls.map((c) => c.request_id)).size).toBe(ctx.calls.length);
        // No request sent after a call was recorded repeats that call (a request in flight at a kill,
        // never recorded, may be sent again: that is the resume continuing where it stopped).
        const bodies = w.messages().map((r) => JSON.stringify(r.body.messages));
        for (const call of ctx.calls) {
          const i = Number(call.request_id!.replace('req_fake_', ''));
          const again = bodies.flatMap((x, j) => (j > i && x === bodies[i] ? [j] : []));
          expect(
            again,
            `call ${call.id} (request ${i}) was sent again as request(s) ${again.join(', ')}`,
          ).toEqual([]);
        }
        // A kill on the way out (after the last save, before the release) leaves the dead driver's
        // lock and owner file, checked below, and may leave its temp file of the measured prompt
        // costs (the next writer removes it: test/unit/durable.test.ts); anything else is stray.
        const name = path.basename(w.chain().file);
        const deadDriver = killedOnWayOut
          ? [`${name}.lock`, `${name}.owner`, ...(child.pid ? [`.prompt-costs.json.${child.pid}-`] : [])]
          : [];
        expect(
          strayFiles(w.contextsDir).filter(
            (f) =>
              !deadDriver.some((d) => (d.endsWith('-') ? f.startsWith(d) && f.endsWith('.tmp') : f === d)),
          ),
        ).toEqual([]);
        console.info(
          `kill -9: ${kills} kills, ${ctx.calls.length} calls recorded, ${w.messages().length} requests, ${leftovers} temp file(s) left by the kills themselves, 1 planted partial temp file removed by the next run`,
        );
        const lock = `${w.chain().file}.lock`;
        const ownerFile = `${w.chain().file}.owner`;
        if (killedOnWayOut && (existsSync(lock) || existsSync(ownerFile))) {
          // A kill between the last save and the release leaves the lock of a dead process, which the
          // next driver takes over (src/engine/driverLock.ts), and its owner file; the release removes the
          // lock first, so a kill between the two leaves the owner file alone. The owner, when there
          // is one, is that dead pid; a lock never stays without it.
          expect(existsSync(ownerFile)).toBe(true);
          const owner = JSON.parse(readFileSync(ownerFile, 'utf8')) as { pid: number };
          expect(() => process.kill(owner.pid, 0)).toThrow();
        } else {
          expect(existsSync(lock)).toBe(false);
        }
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );
});
