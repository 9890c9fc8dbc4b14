/**
 * The driver lock of a chain (src/engine/driverLock.ts): a lock left by a process that has exited is
 * taken over at once, whether the kill came after the owner file was written or between the lock
 * and that write (its pending owner file names it); a lock whose holder lives, or is taking it, is
 * refused; a release leaves neither lock nor owner file.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { takeDriverLock } from '../../src/engine/driverLock.js';
import { ContextFileError } from '../../src/errors.js';

async function deadPid(): Promise<number> {
  const child = execa('node', ['-e', '0']);
  const pid = child.pid!;
  await child;
  return pid;
}

/** A context file whose lock directory exists, as a driver that took it left it. */
function lockedChain(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-lock-'));
  const file = path.join(dir, 'chain-004-x.json');
  writeFileSync(file, '{}');
  mkdirSync(`${file}.lock`);
  return file;
}

const me = (pid: number) => JSON.stringify({ pid, host: os.hostname() });

describe('takeDriverLock', () => {
  it('takes over a lock whose owner file names an exited process, and writes its own', async () => {
    const file = lockedChain();
    writeFileSync(`${file}.owner`, me(await deadPid()));
    const lock = await takeDriverLock(file);
    expect(JSON.parse(readFileSync(`${file}.owner`, 'utf8'))).toEqual({
      pid: process.pid,
      host: os.hostname(),
    });
    await lock.release();
    expect(readdirSync(path.dirname(file))).toEqual(['chain-004-x.json']);
  });

  it('takes over a lock left by a kill between the lock and the owner file (its pending owner file), and removes that file', async () => {
    const file = lockedChain();
    const pid = await deadPid();
    writeFileSync(`${file}.owner.${pid}.pending`, me(pid));
    const lock = await takeDriverLock(file);
    expect(existsSync(`${file}.owner.${pid}.pending`)).toBe(false);
    expect(existsSync(`${file}.owner.${process.pid}.pending`)).toBe(false);
    lock.releaseSync();
    expect(readdirSync(path.dirname(file))).toEqual(['chain-004-x.json']);
  });

  it('refuses a lock whose owner lives, or that another live process is taking, and leaves no file of its own', async () => {
    const live = lockedChain();
    writeFileSync(`${live}.owner`, me(process.ppid));
    await expect(takeDriverLock(live)).rejects.toBeInstanceOf(ContextFileError);
    expect(readdirSync(path.dirname(live)).sort()).toEqual([
      'chain-004-x.json',
      'chain-004-x.json.lock',
      'chain-004-x.json.owner',
    ]);

    const taking = lockedChain();
    writeFileSync(`${taking}.owner.${await deadPid()}.pending`, me(await deadPid()));
    writeFileSync(`${taking}.owner.${process.ppid}.pending`, me(process.ppid));
    await expect(takeDriverLock(taking)).rejects.toBeInstanceOf(ContextFileError);
    expect(existsSync(`${taking}.lock`)).toBe(true);
  });

  it('refuses a lock with neither owner nor pending owner file (an older driver) until it goes stale', async () => {
    const file = lockedChain();
    await expect(takeDriverLock(file)).rejects.toThrow(/being driven by another claude-exec process/);
    expect(existsSync(`${file}.lock`)).toBe(true);
  });

  it('leaves the owner file of a driver that took the lock after this one released it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-lock-'));
    const file = path.join(dir, 'chain-005-x.json');
    writeFileSync(file, '{}');
    const lock = await takeDriverLock(file);
    // Another driver's owner file, as if it had taken the lock between this release's two steps.
    writeFileSync(`${file}.owner`, me(process.ppid));
    await lock.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(JSON.parse(readFileSync(`${file}.owner`, 'utf8')).pid).toBe(process.ppid);
  });
});
