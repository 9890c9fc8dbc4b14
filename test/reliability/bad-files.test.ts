/**
 * Bad files and bad directories, through the built binary: corrupt, foreign and newer context
 * files are reported and never overwritten; a read-only contexts directory and a full disk give
 * one clear message and a documented exit code, keep the last good file, and a resume continues
 * once the disk has room again. The file systems are real tmpfs mounts where we may mount them
 * (root, as in CI); elsewhere those tests say why they are skipped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonOut, readContext } from '../helpers/e2e.js';
import { mountTmpfs, tmpfsUnavailable } from '../helpers/tmpfs.js';
import { SCHEMA_VERSION } from '../../src/chain/version.js';
import { GOAL, RELIABILITY_TIMEOUT_MS, contextFiles, makeWorld, strayFiles } from './harness.js';

const NEWER = `written by claude-exec schema ${SCHEMA_VERSION + 1}; this version reads up to ${SCHEMA_VERSION}`;

describe('bad context files', () => {
  it(
    'corrupt, foreign and newer files: status shows the newest readable chain, resume refuses and leaves the file as it was',
    async () => {
      const w = await makeWorld();
      try {
        for (let i = 0; i < 4; i++)
          expect((await w.run('--yes', '--until', 'requirements-clarification', GOAL)).exitCode).toBe(0);
        const [, corrupt, foreign, newer] = contextFiles(w.contextsDir);
        const text = readFileSync(corrupt!, 'utf8');
        writeFileSync(corrupt!, text.slice(0, 49_152 > text.length ? Math.floor(text.length / 2) : 49_152));
        writeFileSync(foreign!, JSON.stringify({ name: 'package.json', version: '1.0.0' }));
        writeFileSync(
          newer!,
          JSON.stringify({ ...JSON.parse(readFileSync(newer!, 'utf8')), schema_version: SCHEMA_VERSION + 1 }),
        );
        const before = [corrupt, foreign, newer].map((f) => readFileSync(f!, 'utf8'));

        const status = await w.run('status', '--json');
        expect(status.exitCode, status.stderr).toBe(0);
        expect(jsonOut(status).chain_id).toBe('001');
        expect(status.stderr).toMatch(
          new RegExp(`skipped the newer chain .*chain-004-.*${NEWER}; showing chain 001`),
        );
        expect(status.stderr).toMatch(/skipped .*chain-003-.*not a claude-exec context file/);
        expect(status.stderr).toMatch(/skipped .*chain-002-.*not valid JSON/);

        const expectations: [string, RegExp][] = [
          ['002', /not valid JSON/],
          ['003', /not a claude-exec context file/],
          ['004', new RegExp(NEWER)],
        ];
        for (const [id, message] of expectations) {
          const r = await w.run('resume', id, '--yes');
          expect(r.exitCode, r.stderr).toBe(2);
          expect(r.stderr).toMatch(message);
          expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
        }
        expect([corrupt, foreign, newer].map((f) => readFileSync(f!, 'utf8'))).toEqual(before);
        const list = await w.run('chains', '--json');
        expect(list.exitCode).toBe(0);
        const listed = JSON.parse(list.stdout) as { chains: unknown[]; warnings: string[] };
        expect(listed.chains).toHaveLength(1);
        expect(listed.warnings).toHaveLength(3);
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );
});

describe.concurrent('bad contexts directories (real tmpfs)', async () => {
  const why = await tmpfsUnavailable();
  const note = why ? ` (skipped: ${why})` : '';

  it.skipIf(why !== null)(
    `a read-only contexts directory: exit 2, one clear message, no chain started${note}`,
    async () => {
      const fsys = (await mountTmpfs('256k'))!;
      const w = await makeWorld({ contexts: fsys.dir });
      try {
        await fsys.remount({ mode: 'ro' });
        const r = await w.run('--yes', GOAL);
        expect(r.exitCode, r.stderr).toBe(2);
        // Every run first names an endpoint that is not Anthropic's (README, Configuration); then the
        // one message and its hint, nothing else.
        const lines = r.stderr.trim().split('\n');
        expect(lines, r.stderr).toHaveLength(3);
        expect(lines[0]).toBe(
          `warning: requests and your credentials go to ${w.server.url} (ANTHROPIC_BASE_URL from environment), not to Anthropic's API`,
        );
        expect(lines.slice(1).join('\n')).toMatch(
          /^claude-exec: cannot create .*\.ids: read-only file system \(EROFS\)\n.*--contexts/,
        );
        expect(w.messages()).toHaveLength(0);
      } finally {
        await w.close();
        await fsys.unmount();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );

  it.skipIf(why !== null)(
    `a disk that fills up mid-chain: exit 1, the last good file kept, resume completes once there is room${note}`,
    async () => {
      const fsys = (await mountTmpfs('48k'))!;
      const w = await makeWorld({ contexts: fsys.dir });
      try {
        const r = await w.run('--yes', '--json', GOAL);
        expect(r.exitCode, r.stderr).toBe(1);
        expect(r.stderr).toMatch(
          /cannot (write|append to) .*: no space left on device \(ENOSPC\); the previous version of the file is kept/,
        );
        expect(r.stderr).toMatch(/Free some disk space/);
        const [file] = contextFiles(fsys.dir);
        const kept = readContext(file!);
        expect(kept.status).toBe('running');
        expect(kept.calls.length).toBeGreaterThan(0);
        const answered = w.messages().length;
        await fsys.remount({ size: '4m' });
        const again = await w.run('resume', kept.chain_id, '--yes', '--json');
        expect(again.exitCode, again.stderr).toBe(0);
        const done = readContext(file!);
        expect(done.status).toBe('complete');
        expect(done.calls.slice(0, kept.calls.length)).toEqual(kept.calls);
        expect(strayFiles(fsys.dir)).toEqual([]);
        console.info(
          `full disk: stopped after ${kept.calls.length} recorded calls (${answered} requests), resumed to ${done.calls.length} calls, nothing lost`,
        );
      } finally {
        await w.close();
        await fsys.unmount();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );
});
