/**
 * `status` without an id finds the newest chain from `<contexts>/.index/newest.json` while the
 * contexts directory is unchanged (src/chain/newest.ts), and takes the schema check of a document
 * checked before from the user's cache (src/chain/checked.ts): what it prints, and the error it
 * gives for a malformed or foreign newest file, are the same as from a listing and a fresh check.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedDir, memoSlot } from '../../src/chain/checked.js';
import { newestPointerOf } from '../../src/chain/newest.js';
import { writeChains } from '../bench/fixture.js';
import { cliEnv, runCli, type CliResult } from '../helpers/e2e.js';

let root: string;
let contexts: string;
const env = cliEnv({});

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ce-status-newest-'));
  contexts = path.join(root, 'contexts');
  await mkdir(contexts);
  await writeChains(contexts, 12, 3);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The directory's mtime a minute back, so that a listing of it is recorded. */
async function settle(): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  await utimes(contexts, past, past);
}

const status = async (...args: string[]) => runCli(['status', ...args, '--cwd', root], root, env);
const both = async () => ({ text: await status(), json: await status('--json') });
const same = (a: CliResult, b: CliResult) => expect(b).toEqual(a);

describe('status: the newest chain from the pointer', () => {
  it('prints the same bytes as from a listing, and again after a newer chain is added', async () => {
    await rm(path.join(contexts, '.index'), { recursive: true, force: true });
    const listed = await both(); // no pointer: listed (`.index` made, which changes the mtime)
    expect(listed.text.exitCode).toBe(0);
    expect(listed.text.stdout).toMatch(/^Chain 012 progress/);
    await settle();
    same(listed.text, await status()); // listed again, the pointer written
    expect(existsSync(newestPointerOf(contexts))).toBe(true);
    const pointed = await both();
    same(listed.text, pointed.text);
    same(listed.json, pointed.json);
    expect(JSON.parse(pointed.json.stdout).chain_id).toBe('012');
    // The shown chain's check is in the memo of the user's cache directory (the listed run was the first).
    const shown = path.join(contexts, JSON.parse(await readFile(newestPointerOf(contexts), 'utf8')).file);
    const slot = memoSlot({ dir: checkedDir(env), buildId: 'x' }, shown, null)!;
    expect(existsSync(slot.file)).toBe(true);

    await writeChains(path.join(contexts), 13, 3); // chain 013 is copied in; 1-12 rewritten as they were
    const newer = await status('--json');
    expect(JSON.parse(newer.stdout).chain_id).toBe('013');
  });

  it('gives the same error and exit code for a malformed or foreign newest file as without the pointer', async () => {
    const newest = path.join(contexts, 'chain-099-broken-2026-02-01-00-00-00.json');
    for (const text of ['{"chain_id": ', '{"hello": "world"}']) {
      await writeFile(newest, text);
      await rm(newestPointerOf(contexts), { force: true });
      await settle();
      const listed = await both();
      expect(existsSync(newestPointerOf(contexts))).toBe(true);
      expect(listed.text.stderr).toContain('chain-099-broken');
      const pointed = await both();
      same(listed.text, pointed.text);
      same(listed.json, pointed.json);
    }
    await rm(newest);
    const alone = path.join(root, 'alone');
    await mkdir(path.join(alone, 'contexts'), { recursive: true });
    await writeFile(path.join(alone, 'contexts', 'chain-001-x-2026-01-01-00-00-00.json'), '{"hello": 1}');
    const past = new Date(Date.now() - 60_000);
    for (let i = 0; i < 3; i++) {
      await utimes(path.join(alone, 'contexts'), past, past);
      const r = await runCli(['status', '--cwd', alone], alone, env);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/not a claude-exec context file/);
    }
    expect(existsSync(newestPointerOf(path.join(alone, 'contexts')))).toBe(true);
  });
});
