/**
 * What start-up loads of Node's own modules: commander's node:child_process (with net, dgram and
 * their streams) is required only when commander spawns, which claude-exec never asks it to
 * (scripts/bundle.mjs), so `--help` and `status` do without it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv } from '../helpers/e2e.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ce-startup-modules-'));
  // Preloaded: writes the built-in modules the process loaded, as it exits.
  await writeFile(
    path.join(dir, 'loaded.cjs'),
    "process.on('exit', () => require('fs').writeFileSync(process.env.LOADED_OUT, process.moduleLoadList.join('\\n')));\n",
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function builtinsLoadedBy(args: string[]): Promise<string[]> {
  const out = path.join(dir, 'loaded.txt');
  await rm(out, { force: true });
  execFileSync(process.execPath, ['-r', path.join(dir, 'loaded.cjs'), BIN, ...args], {
    cwd: dir,
    env: { ...cliEnv({}), LOADED_OUT: out },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return (await readFile(out, 'utf8')).split('\n');
}

describe('start-up', () => {
  it('loads node:child_process neither for --help nor for status', async () => {
    for (const args of [['--help'], ['status', '--cwd', dir, '--json']]) {
      const loaded = await builtinsLoadedBy(args).catch(async (err: { status?: number }) => {
        // `status` in a directory without chains exits 2; the list is written all the same.
        expect(err.status).toBe(2);
        return (await readFile(path.join(dir, 'loaded.txt'), 'utf8')).split('\n');
      });
      expect(loaded).toContain('NativeModule fs');
      expect(loaded).not.toContain('NativeModule child_process');
    }
  });
});
