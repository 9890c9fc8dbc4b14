/**
 * The driver lock of a chain (src/chain/store.ts `lockChain`) plus an owner file
 * (`<context file>.owner`: pid and host), so that a lock left behind by a process that no longer
 * exists (kill -9, a power cut) is taken over at once instead of after the 30 s stale time, and
 * a synchronous release for the interrupt path (the lock library's own exit hook does not run
 * once execa's copy of signal-exit is loaded). Whoever takes the lock also removes the temp files
 * that a killed writer of the context file left beside it (src/durable.ts).
 */
import { readFileSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
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
  if (typeof parsed.pid !== 'number' || parsed.host !== os.hostname() || parsed.pid === process.pid) return false;
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

/**
 * Takes over the lock of a dead owner. Only one of several racing processes wins the rename of
 * the owner file; the others get false.
 */
function reclaim(file: string): boolean {
  let owner: string;
  try {
    owner = readFileSync(ownerFile(file), 'utf8');
  } catch {
    return false;
  }
  if (!ownerIsGone(owner)) return false;
  const claim = `${ownerFile(file)}.${process.pid}.reclaim`;
  try {
    renameSync(ownerFile(file), claim);
  } catch {
    return false;
  }
  quietly(() => rmdirSync(`${file}.lock`));
  quietly(() => unlinkSync(claim));
  return true;
}

/**
 * Locks the chain in `file` for this process and removes stale temp files of the context file.
 * Throws ContextFileError when a live process drives it (or a dead one without an owner file,
 * until its lock goes stale), FileSystemError when the owner file cannot be written.
 */
export async function takeDriverLock(file: string): Promise<DriverLock> {
  let release: () => Promise<void>;
  try {
    release = await lockChain(file);
  } catch (err) {
    if (!(err instanceof ContextFileError) || !reclaim(file)) throw err;
    release = await lockChain(file);
  }
  try {
    writeFileDurableSync(ownerFile(file), JSON.stringify({ pid: process.pid, host: os.hostname() }));
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
  removeStaleTempFiles(file);
  removeStaleTempFiles(ownerFile(file));
  // The spec and PR description beside it (src/app/spec.ts), when a kill cut their write.
  removeStaleTempFiles(file.replace(/\.json$/, '.md'));
  removeStaleTempFiles(file.replace(/\.json$/, '.pr.md'));
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      quietly(() => unlinkSync(ownerFile(file)));
      await release().catch(() => undefined);
    },
    releaseSync() {
      if (released) return;
      released = true;
      quietly(() => unlinkSync(ownerFile(file)));
      const lockfile = createRequire(import.meta.url)('proper-lockfile') as { unlockSync(file: string, opts: { realpath: boolean }): void };
      quietly(() => lockfile.unlockSync(file, { realpath: false }));
    },
  };
}
