/** Bad context files and bad context directories: one clear message, nothing overwritten. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadChain } from '../../src/features/chains/chains.js';
import { newChainContext } from '../../src/chain/init.js';
import { createChain, readChainFile } from '../../src/chain/store.js';
import { SCHEMA_VERSION } from '../../src/chain/version.js';
import { ContextFileError, FileSystemError } from '../../src/errors.js';
import { mountTmpfs, tmpfsUnavailable } from '../helpers/tmpfs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-files-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const models = { fast: 'f', default: 'd', smart: 's' };
const make = (d: string, goal: string, at = new Date()) =>
  createChain(d, goal, at, (chainId, chainUid, slug) =>
    newChainContext({ chainId, chainUid, goal, slug, workspace: d, model: 'd', models, now: at }),
  );

describe('context files from elsewhere', () => {
  it('a newer schema_version says so instead of "not a context file"', async () => {
    const e = await make(dir, 'first task');
    const ctx = JSON.parse(await readFile(e.path, 'utf8'));
    await writeFile(e.path, JSON.stringify({ ...ctx, schema_version: 3, new_field: {} }));
    const err = await readChainFile(e.path).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ContextFileError);
    expect((err as Error).message).toMatch(
      new RegExp(`written by claude-exec schema 3; this version reads up to ${SCHEMA_VERSION}$`),
    );
    expect((err as ContextFileError).exitCode).toBe(2);
  });

  it('status without an id shows the newest readable chain and names the unreadable newer ones', async () => {
    await make(dir, 'good old chain', new Date('2026-01-01T00:00:00Z'));
    const bad = await make(dir, 'broken chain', new Date('2026-01-02T00:00:00Z'));
    const foreign = await make(dir, 'foreign chain', new Date('2026-01-03T00:00:00Z'));
    await writeFile(bad.path, '{"schema_version": 1, "chain_id": "002", trunc');
    await writeFile(foreign.path, JSON.stringify({ hello: 'world' }));
    const before = await readFile(bad.path, 'utf8');
    const warnings: string[] = [];
    const { ctx } = await loadChain([dir], undefined, (m) => warnings.push(m));
    expect(ctx.chain_id).toBe('001');
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/chain-002-broken-chain.*not valid JSON/);
    expect(warnings.join('\n')).toMatch(
      /chain-003-foreign-chain.*not a claude-exec context file.*showing chain 001/,
    );
    expect(await readFile(bad.path, 'utf8')).toBe(before);
  });

  it('an id that names an unreadable file is still an error (exit 2)', async () => {
    const e = await make(dir, 'one');
    await writeFile(e.path, 'garbage');
    await expect(loadChain([dir], '1')).rejects.toBeInstanceOf(ContextFileError);
  });
});

describe('contexts directories that cannot take a chain (exit 2, one clear message)', async () => {
  const why = await tmpfsUnavailable();
  it.skipIf(why !== null)(
    `a read-only directory names EROFS, not ENOENT${why ? ` (skipped: ${why})` : ''}`,
    async () => {
      const fsys = (await mountTmpfs('64k'))!;
      try {
        await fsys.remount({ mode: 'ro' });
        const err = await make(path.join(fsys.dir, 'contexts'), 'task').catch((x: unknown) => x);
        expect(err).toBeInstanceOf(FileSystemError);
        expect((err as FileSystemError).exitCode).toBe(2);
        expect((err as Error).message).toMatch(
          /^cannot create .*contexts\/\.ids: read-only file system \(EROFS\)$/,
        );
      } finally {
        await fsys.unmount();
      }
    },
  );

  it.skipIf(why !== null)(
    `a full disk before the first save is exit 2 and leaves no half-written file${why ? ` (skipped: ${why})` : ''}`,
    async () => {
      const fsys = (await mountTmpfs('16k'))!;
      try {
        const err = await createChain(fsys.dir, 'big', new Date(), (chainId, chainUid, slug) => ({
          ...newChainContext({
            chainId,
            chainUid,
            goal: 'big',
            slug,
            workspace: fsys.dir,
            model: 'd',
            models,
            now: new Date(),
          }),
          goal: 'x'.repeat(200_000),
        })).catch((x: unknown) => x);
        expect(err).toBeInstanceOf(FileSystemError);
        expect((err as FileSystemError).code).toBe('ENOSPC');
        expect((err as FileSystemError).exitCode).toBe(2);
        const { readdirSync } = await import('node:fs');
        expect(readdirSync(fsys.dir)).toEqual(['.ids']);
      } finally {
        await fsys.unmount();
      }
    },
  );
});
