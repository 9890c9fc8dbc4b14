/**
 * The driver lock of a chain (src/chain/store.ts `lockChain`) plus an owner file
 * (`<context file>.owner`: pid and host, written as `<context file>.owner.<pid>.pending` before
 * the lock is tried and renamed once it is held), so that a lock left behind by a process that no
 * longer exists (kill -9, a power cut) is taken over at once instead of after the 30 s stale time, and
 * a synchronous release for the interrupt path (the lock library's own exit hook does not run
 * once execa's copy of signal-exit is loaded). Whoever takes the lock also removes the temp files
 * that a killed writer of the context file left beside it (src/durable.ts).
 *
 * The owner files are written atomically but never fsync'd. A kill -9 leaves them exactly as
 * written (the page cache outlives the process), which is all the immediate take-over needs. A
 * power cut kills every driver at once; whatever of the lock directory and owner files reached the
 * disk, the next driver takes the chain over: through a dead owner named by a surviving file, or
 * else through the 30 s stale time of the lock itself (a lock directory without an owner file, or
 * one naming a pid that a process of the new boot happens to reuse). The lock directory is never
 * fsync'd by the lock library either, so an fsync'd owner file could not make that case faster;
 * it only cost two waits for the disk at every chain's start. The context file, whose loss would
 * be data, stays fully durable (src/chain/store.ts).
 */
import { readdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { lockChain } from '../chain/store.js';
import { removeStaleTempFiles, writeFileDurableSync } from '../durable.js';
import { ContextFileError } from '../errors.js';

export interface DriverLock {
  release(): Promise<void>;
  /** For signal handlers: releases the lock before the process exits. Never throws. */
  releaseSync(): void;
}

const ownerFile = (file: string) => `${file}.owner`;
const quietly = (fn: () => void) => {
  try {
    fn();
  } catch {
    // Already gone.
  }
};

/** True when `owner` names a process on this host that has exited. */
function ownerIsGone(owner: string): boolean {
  let parsed: { pid?: unknown; host?: unknown };
  try {
    parsed = JSON.parse(owner) as typeof parsed;
  } catch {
    return false;
  }
  if (typeof parsed.pid !== 'number' || parsed.host !== os.hostname() || parsed.pid === process.pid)
    return false;
  try {
    process.kill(parsed.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The pid of the process on this host that took the driver lock of `file` and has since exited
 * (kill -9, a crash, a power cut), else null: no owner file, a live owner, or one on another host.
 * Reads the owner file only; never throws.
 */
export function deadDriverOf(file: string): number | null {
  let owner: string;
  try {
    owner = readFileSync(ownerFile(file), 'utf8');
  } catch {
    return null;
  }
  return ownerIsGone(owner) ? (JSON.parse(owner) as { pid: number }).pid : null;
}

/** Name of the owner file a process writes before it tries the lock, renamed to the owner file once it holds it. */
const pendingOwnerFile = (file: string, pid: number) => `${file}.owner.${pid}.pending`;

/** The pending owner files of other processes beside `file`: [path, contents]. */
function otherPendingOwners(file: string): Array<[string, string]> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.owner.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<[string, string]> = [];
  for (const name of names) {
    if (
      !name.startsWith(prefix) ||
      !name.endsWith('.pending') ||
      name === path.basename(pendingOwnerFile(file, process.pid))
    )
      continue;
    try {
      out.push([path.join(dir, name), readFileSync(path.join(dir, name), 'utf8')]);
    } catch {
      // Renamed or removed meanwhile.
    }
  }
  return out;
}

/**
 * Takes over the lock of a dead driver. A driver writes a pending owner file before it tries the
 * lock and renames it to the owner file once it holds it, so a live holder always has one of the
 * two: the lock is dead when its owner file names a process that has exited, or when there is no
 * owner file but a pending one of an exited process (a kill between the lock and the rename) and
 * no other process has a live pending owner file. Of several racing
 * processes, only the one whose rename of the lock directory succeeds takes it over; a process that
 * sees another's live pending owner file backs off. Returns true when the lock was removed.
 */
function reclaim(file: string): boolean {
  let owner: string | undefined;
  try {
    owner = readFileSync(ownerFile(file), 'utf8');
  } catch {
    owner = undefined;
  }
  if (owner !== undefined && !ownerIsGone(owner)) return false;
  const pending = otherPendingOwners(file);
  if (pending.some(([, text]) => !ownerIsGone(text))) return false;
  if (owner === undefined && pending.length === 0) return false;
  const claim = `${file}.lock.${process.pid}.reclaim`;
  try {
    renameSync(`${file}.lock`, claim);
  } catch {
    return false;
  }
  quietly(() => rmSync(claim, { recursive: true, force: true }));
  if (owner !== undefined) quietly(() => unlinkSync(ownerFile(file)));
  return true;
}

/** Removes the owner file of `file` if it names this process. Never throws. */
function removeOwnFile(file: string): void {
  quietly(() => {
    const owner = JSON.parse(readFileSync(ownerFile(file), 'utf8')) as { pid?: unknown; host?: unknown };
    if (owner.pid === process.pid && owner.host === os.hostname()) unlinkSync(ownerFile(file));
  });
}

/** Removes the pending owner files that exited processes left beside `file` (call it while holding the lock). */
function removeDeadPendingOwners(file: string): void {
  for (const [p, text] of otherPendingOwners(file)) if (ownerIsGone(text)) quietly(() => unlinkSync(p));
}

/**
 * Locks the chain in `file` for this process and removes stale temp files of the context file.
 * Throws ContextFileError when a live process drives it or is taking its lock (or, until the lock
 * goes stale after 30 s, when a lock has no owner file and no pending one: a driver of an older
 * version), FileSystemError when the owner file cannot be written.
 */
export async function takeDriverLock(file: string): Promise<DriverLock> {
  const pending = pendingOwnerFile(file, process.pid);
  // Atomic (a reader sees the whole file or none), not fsync'd: see the module docstring.
  writeFileDurableSync(pending, JSON.stringify({ pid: process.pid, host: os.hostname() }), {
    sync: false,
  });
  let release: () => Promise<void>;
  try {
    try {
      release = await lockChain(file);
    } catch (err) {
      if (!(err instanceof ContextFileError) || !reclaim(file)) throw err;
      release = await lockChain(file);
    }
  } catch (err) {
    quietly(() => unlinkSync(pending));
    throw err;
  }
  try {
    renameSync(pending, ownerFile(file));
  } catch (err) {
    quietly(() => unlinkSync(pending));
    await release().catch(() => undefined);
    throw err;
  }
  removeDeadPendingOwners(file);
  removeStaleTempFiles(file);
  removeStaleTempFiles(ownerFile(file));
  // The spec and PR description beside it (src/engine/spec.ts), when a kill cut their write.
  removeStaleTempFiles(file.replace(/\.json$/, '.md'));
  removeStaleTempFiles(file.replace(/\.json$/, '.pr.md'));
  let released = false;
  return {
    // The lock goes first, then the owner file, and only while it still names this process (a
    // driver that took the lock in between has written its own): a lock is never left without an
    // owner file by a release, and a kill between the two leaves only an owner file, which the
    // next driver replaces.
    async release() {
      if (released) return;
      released = true;
      await release().catch(() => undefined);
      removeOwnFile(file);
    },
    releaseSync() {
      if (released) return;
      released = true;
      const lockfile = createRequire(import.meta.url)('proper-lockfile') as {
        unlockSync(file: string, opts: { realpath: boolean }): void;
      };
      quietly(() => lockfile.unlockSync(file, { realpath: false }));
      removeOwnFile(file);
    },
  };
}
