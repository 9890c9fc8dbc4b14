/**
 * Durable writes: every byte is checked, the previous file survives any failure, no temp file is
 * left behind. Failures are real (a full or read-only tmpfs, where we may mount one) and injected
 * (a short write, ENOSPC) through node:fs itself, never by replacing our own modules.
 */
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DurableAppender,
  isTempFileOf,
  removeStaleTempFiles,
  removeTempFilesOfExitedWriters,
  writeFileDurableSync,
} from '../../src/durable.js';
import { FileSystemError } from '../../src/errors.js';
import { mountTmpfs, tmpfsUnavailable } from '../helpers/tmpfs.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-durable-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const errorOf = (fn: () => void): FileSystemError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof FileSystemError) return err;
    throw err;
  }
  throw new Error('did not throw');
};

describe('writeFileDurableSync', () => {
  it('creates and replaces a file, keeping the mode of the one it replaces, and leaves no temp file', () => {
    const file = path.join(dir, 'a.json');
    writeFileDurableSync(file, 'one');
    fs.chmodSync(file, 0o640);
    writeFileDurableSync(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('fsyncs the file and its directory by default, neither with sync: false, and is atomic either way', () => {
    const file = path.join(dir, 'owner');
    const fsync = vi.spyOn(fs, 'fsyncSync');
    writeFileDurableSync(file, 'one');
    expect(fsync).toHaveBeenCalledTimes(2);
    fsync.mockClear();
    writeFileDurableSync(file, 'two', { sync: false });
    expect(fsync).not.toHaveBeenCalled();
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['owner']);
  });

  it('an exclusive create refuses an existing file with EEXIST and leaves it as it was', () => {
    const file = path.join(dir, 'p.md');
    writeFileDurableSync(file, 'first', { exclusive: true });
    const err = errorOf(() => writeFileDurableSync(file, 'second', { exclusive: true }));
    expect(err.code).toBe('EEXIST');
    expect(readFileSync(file, 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['p.md']);
  });

  it('a short write (the device takes part, then nothing) is an error and the previous file is intact', () => {
    const file = path.join(dir, 'ctx.json');
    writeFileDurableSync(file, 'good old content');
    const real = fs.writeSync;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buf: Uint8Array, off: number) => {
      calls++;
      // First call: write 5 bytes for real and report them; then report no progress.
      return calls === 1 ? real(fd, buf, off, 5) : 0;
    }) as typeof fs.writeSync);
    const err = errorOf(() => writeFileDurableSync(file, 'x'.repeat(49_152 + 100)));
    expect(err.code).toBe('ESHORT');
    expect(err.message).toMatch(
      /short write.*5 of 49252 bytes written.*previous version of the file is kept/,
    );
    expect(err.exitCode).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('good old content');
    expect(readdirSync(dir)).toEqual(['ctx.json']);
  });

  it('ENOSPC after a partial write is an error naming the cause; the previous file is intact', () => {
    const file = path.join(dir, 'ctx.json');
    writeFileDurableSync(file, 'good');
    const real = fs.writeSync;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buf: Uint8Array, off: number) => {
      if (++calls === 1) return real(fd, buf, off, 3);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as typeof fs.writeSync);
    const err = errorOf(() => writeFileDurableSync(file, 'new content that does not fit'));
    expect(err.code).toBe('ENOSPC');
    expect(err.message).toMatch(/no space left on device \(ENOSPC\)/);
    expect(err.hint).toMatch(/Free some disk space/);
    expect(readFileSync(file, 'utf8')).toBe('good');
    expect(readdirSync(dir)).toEqual(['ctx.json']);
  });
});

describe('directory fsync', () => {
  /** The fsyncs of one write, and how many of them were of a directory. */
  function fsyncsOf(write: () => void): { all: number; dirs: number } {
    const real = fs.fsyncSync;
    const counts = { all: 0, dirs: 0 };
    vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
      counts.all++;
      if (fs.fstatSync(fd).isDirectory()) counts.dirs++;
      real(fd);
    });
    write();
    vi.restoreAllMocks();
    return counts;
  }

  it('always by default; with on-create only when the file is new (a replace is one fsync)', () => {
    const file = path.join(dir, 'a.json');
    expect(fsyncsOf(() => writeFileDurableSync(file, '1', { syncDirectory: 'on-create' }))).toEqual({
      all: 2,
      dirs: 1,
    });
    expect(fsyncsOf(() => writeFileDurableSync(file, '2', { syncDirectory: 'on-create' }))).toEqual({
      all: 1,
      dirs: 0,
    });
    expect(readFileSync(file, 'utf8')).toBe('2');
    expect(fsyncsOf(() => writeFileDurableSync(file, '3'))).toEqual({ all: 2, dirs: 1 });
  });
});

describe('DurableAppender', () => {
  it('appends whole records, and cuts a failed append back so no torn record remains', () => {
    const file = path.join(dir, 'log.jsonl');
    const log = new DurableAppender(file);
    log.append('{"a":1}\n');
    const real = fs.writeSync;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buf: Uint8Array, off: number) => {
      if (++calls === 1) return real(fd, buf, off, 4);
      throw Object.assign(new Error('EDQUOT'), { code: 'EDQUOT' });
    }) as typeof fs.writeSync);
    const err = errorOf(() => log.append('{"b":2222222}\n'));
    expect(err.code).toBe('EDQUOT');
    vi.restoreAllMocks();
    log.append('{"c":3}\n');
    log.close();
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"c":3}\n');
  });
});

describe('temp files of killed writers', () => {
  it.each([
    ['chain-001-x.json.4242-1k3j9a.tmp', true],
    ['chain-001-x.json.a1b2c3d4', true],
    ['chain-001-x.json.lock', false],
    ['chain-001-x.json.owner', false],
    ['chain-001-x.json', false],
    ['chain-001-x.log', false],
    ['chain-002-x.json.a1b2c3d4', false],
  ])('isTempFileOf(%s) = %s', (name, expected) => {
    expect(isTempFileOf('chain-001-x.json', name)).toBe(expected);
  });

  it("removeStaleTempFiles removes ours and write-file-atomic's, and nothing else", () => {
    const file = path.join(dir, 'chain-001-x.json');
    for (const n of [
      'chain-001-x.json',
      'chain-001-x.json.99-1abc.tmp',
      'chain-001-x.json.3f9a1c22',
      'chain-001-x.json.owner',
      'chain-001-x.log',
    ]) {
      writeFileSync(path.join(dir, n), '{');
    }
    expect(removeStaleTempFiles(file).sort()).toEqual([
      'chain-001-x.json.3f9a1c22',
      'chain-001-x.json.99-1abc.tmp',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      'chain-001-x.json',
      'chain-001-x.json.owner',
      'chain-001-x.log',
    ]);
  });

  it("removeTempFilesOfExitedWriters removes the temps of exited writers only, keeping a live writer's", () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    const file = path.join(dir, '.prompt-costs.json');
    const names = [
      '.prompt-costs.json',
      `.prompt-costs.json.${exited}-1abc.tmp`,
      `.prompt-costs.json.${process.pid}-2def.tmp`,
      `.prompt-costs.json.${process.ppid}-3ghi.tmp`,
      '.prompt-costs.json.3f9a1c22',
      `chain-001-x.json.${exited}-1abc.tmp`,
    ];
    for (const n of names) writeFileSync(path.join(dir, n), '{');
    expect(removeTempFilesOfExitedWriters(file)).toEqual([`.prompt-costs.json.${exited}-1abc.tmp`]);
    expect(readdirSync(dir).sort()).toEqual(
      names.filter((n) => !n.startsWith(`.prompt-costs.json.${exited}`)).sort(),
    );
  });
});

describe('on a real small file system (tmpfs)', async () => {
  const why = await tmpfsUnavailable();
  it.skipIf(why !== null)(
    `a full disk is ENOSPC, never a truncated file${why ? ` (skipped: ${why})` : ''}`,
    async () => {
      const fsys = (await mountTmpfs('96k'))!;
      try {
        const file = path.join(fsys.dir, 'ctx.json');
        writeFileDurableSync(file, 'v1 '.repeat(1000));
        const err = errorOf(() => writeFileDurableSync(file, 'v2 '.repeat(60_000)));
        expect(err.code).toBe('ENOSPC');
        expect(readFileSync(file, 'utf8')).toBe('v1 '.repeat(1000));
        expect(readdirSync(fsys.dir)).toEqual(['ctx.json']);
        await fsys.remount({ size: '1m' });
        writeFileDurableSync(file, 'v2 '.repeat(60_000));
        expect(readFileSync(file, 'utf8')).toHaveLength(180_000);
      } finally {
        await fsys.unmount();
      }
    },
  );

  it.skipIf(why !== null)(`a read-only file system is EROFS${why ? ` (skipped: ${why})` : ''}`, async () => {
    const fsys = (await mountTmpfs('64k'))!;
    try {
      const file = path.join(fsys.dir, 'ctx.json');
      writeFileDurableSync(file, 'kept');
      await fsys.remount({ mode: 'ro' });
      expect(errorOf(() => writeFileDurableSync(file, 'new')).code).toBe('EROFS');
      expect(readFileSync(file, 'utf8')).toBe('kept');
    } finally {
      await fsys.remount({ mode: 'rw' }).catch(() => undefined);
      await fsys.unmount();
    }
  });
});
