/**
 * Durable writes: the one way the product writes a file (context files, the chain log, generated
 * prompts, workspace files the model changes, scaffolding).
 *
 * Why our own and not write-file-atomic: its synchronous path calls write(2) once and ignores a
 * short write, so on a nearly full disk it fsyncs and renames a truncated temp file over the good
 * one and reports success. Here every byte count is checked (a write loop that throws on an error
 * or a zero-byte write), the temp file is fsynced, renamed over the target, and the directory is
 * fsynced, so after a crash either the old or the new version is on disk, never a torn one.
 * ENOSPC, EDQUOT, EROFS, EACCES and short writes become a `FileSystemError`; the previous file
 * is untouched and the temp file is removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FileSystemError } from './errors.js';

let counter = 0;

/** The temp file name used for `file`: `<file>.<pid>-<n><random>.tmp` in the same directory. */
function tempNameFor(file: string): string {
  counter += 1;
  return `${file}.${process.pid}-${counter}${Math.random().toString(36).slice(2, 8)}.tmp`;
}

/**
 * Pure: is `name` (a base name) a temp file left by a write of `base`? Matches our own names and
 * those of write-file-atomic (`<base>.<murmur hex>`), which wrote context files before.
 */
export function isTempFileOf(base: string, name: string): boolean {
  if (!name.startsWith(`${base}.`)) return false;
  const rest = name.slice(base.length + 1);
  return /^\d+-[0-9a-z]+\.tmp$/.test(rest) || /^[0-9a-f]{6,16}$/.test(rest);
}

/**
 * Removes the temp files that killed writers of `file` left beside it. Call it only while
 * holding the file's lock (no live writer then). Returns the names removed; never throws.
 */
export function removeStaleTempFiles(file: string): string[] {
  const base = path.basename(file);
  return removeTempsBeside(file, (name) => isTempFileOf(base, name));
}

/** Removes the entries beside `file` that `match` names; returns the names removed; never throws. */
function removeTempsBeside(file: string, match: (name: string) => boolean): string[] {
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!match(name)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

/**
 * Removes the temp files beside `file` whose writer has exited: our own temp names carry the
 * writer's pid (`<file>.<pid>-….tmp`), and a pid that names no live process on this host is a writer
 * killed mid-write. For files that several processes write without holding a lock (the measured
 * prompt costs), where `removeStaleTempFiles` could remove a live writer's temp. Returns the names
 * removed; never throws.
 */
export function removeTempFilesOfExitedWriters(file: string): string[] {
  const base = path.basename(file);
  return removeTempsBeside(file, (name) => {
    const m = name.startsWith(`${base}.`) ? /^(\d+)-[0-9a-z]+\.tmp$/.exec(name.slice(base.length + 1)) : null;
    return m !== null && !processIsAlive(Number(m[1]));
  });
}

/** Whether `pid` names a live process on this host (EPERM: alive, but another user's). */
function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes all of `buf` at the fd's position; throws on an error or on a write that makes no progress. */
function writeAll(fd: number, buf: Uint8Array, file: string): void {
  let offset = 0;
  while (offset < buf.length) {
    const n = fs.writeSync(fd, buf, offset, buf.length - offset);
    if (n <= 0) throw new FileSystemError('write', file, 'ESHORT', { written: offset, expected: buf.length });
    offset += n;
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    // Some file systems cannot fsync a directory (EINVAL, EISDIR on a few platforms); the rename
    // itself has happened, so that is not a failure of the write.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const asBuffer = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

function wrap(op: string, file: string, err: unknown): unknown {
  if (err instanceof FileSystemError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? new FileSystemError(op, file, code, { cause: err }) : err;
}

export interface DurableWriteOptions {
  /** Fail with EEXIST instead of replacing an existing file (an atomic exclusive create). */
  exclusive?: boolean;
  /** File mode for a new file (default 0o666 less the umask); an existing file keeps its mode. */
  mode?: number;
  /**
   * When to fsync the directory after the rename: `always` (the default), or `on-create` (only
   * when `file` did not exist). With `on-create` a replaced file is still atomic (the old or the
   * new version, never a torn one) and survives a kill; after a power loss the rename may not
   * have reached the disk, and the previous version is back. The chain store uses it for the
   * context head, whose previous version is always consistent with its journal.
   */
  syncDirectory?: 'always' | 'on-create';
  /**
   * `false`: no fsync at all, neither of the file nor of the directory. The write is still atomic
   * and survives a kill (other processes see the old or the new version, from the page cache);
   * a power loss may take it back. Only for files whose loss at a power cut costs a wait, not
   * data: the driver lock's owner files (src/engine/driverLock.ts).
   */
  sync?: boolean;
}

/**
 * Replaces (or creates) `file` with `data`, durably: temp file in the same directory, every byte
 * checked, fsync, rename (or link, for `exclusive`), fsync of the directory (see
 * `syncDirectory`; neither fsync with `sync: false`). Synchronous, so
 * signal handlers can use it. Throws `FileSystemError` (with `code`, e.g. ENOSPC, EDQUOT, EROFS,
 * EACCES, ESHORT, EEXIST for `exclusive`); then `file` is as it was before the call.
 */
export function writeFileDurableSync(
  file: string,
  data: string | Uint8Array,
  opts: DurableWriteOptions = {},
): void {
  const tmp = tempNameFor(file);
  let mode = opts.mode ?? 0o666;
  let existed = false;
  if (!opts.exclusive) {
    try {
      mode = fs.statSync(file).mode & 0o7777;
      existed = true;
    } catch {
      // A new file.
    }
  }
  let fd: number | undefined;
  let placed = false;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    writeAll(fd, asBuffer(data), file);
    if (opts.sync !== false) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    if (opts.exclusive) {
      fs.linkSync(tmp, file);
      fs.unlinkSync(tmp);
    } else {
      fs.renameSync(tmp, file);
    }
    placed = true;
    if (opts.sync !== false && !(existed && opts.syncDirectory === 'on-create')) fsyncDir(path.dirname(file));
  } catch (err) {
    throw wrap('write', file, err);
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // Closing after a failed write.
      }
    }
    if (!placed) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // Never created, or already gone.
      }
    }
  }
}

/**
 * A durable replacement of `file` in two halves, so that the waits for the disk can overlap other
 * work: `prepareDurableWrite` writes every byte of `data` to a temp file beside `file` (checked
 * as in `writeFileDurableSync`) and starts its fsync on the thread pool; `synced` resolves once
 * the temp file is on disk (rejects with `FileSystemError`). Then `commit()` renames it over
 * `file` on the thread pool (and fsyncs the directory, see `syncDirectory`), or `abort()` removes
 * it; exactly one of the two must be called, after `synced` has settled. Until the rename, `file`
 * is as it was; the guarantee after it is `writeFileDurableSync`'s: the rename follows the fsync.
 *
 * `preempt()` (synchronous, for a newer version written meanwhile by `writeFileDurableSync`, as a
 * signal handler does) makes sure this version is never put in place after it: it moves the temp
 * file out of the way, so that a rename not yet done finds nothing (`commit` then resolves
 * without replacing `file`); a rename already done was of the older version, which the newer
 * one then replaces. Exactly one of the two renames of the temp file succeeds, so there is no
 * moment at which the older version could land last.
 *
 * `prepareDurableWrite` throws, and `commit` rejects with, `FileSystemError` (then nothing is left
 * behind and `file` is as it was).
 */
export interface PreparedWrite {
  readonly synced: Promise<void>;
  commit(): Promise<void>;
  abort(): void;
  preempt(): void;
}

export function prepareDurableWrite(
  file: string,
  data: string | Uint8Array,
  opts: Pick<DurableWriteOptions, 'syncDirectory'> = {},
): PreparedWrite {
  const tmp = tempNameFor(file);
  let mode = 0o666;
  let existed = false;
  try {
    mode = fs.statSync(file).mode & 0o7777;
    existed = true;
  } catch {
    // A new file.
  }
  let fd: number | undefined;
  const close = () => {
    if (fd === undefined) return;
    try {
      fs.closeSync(fd);
    } catch {
      // Closing after a failed write.
    }
    fd = undefined;
  };
  const unlink = (name: string) => {
    try {
      fs.unlinkSync(name);
    } catch {
      // Never created, or already gone.
    }
  };
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    writeAll(fd, asBuffer(data), file);
  } catch (err) {
    close();
    unlink(tmp);
    throw wrap('write', file, err);
  }
  const written = fd;
  const synced = new Promise<void>((resolve, reject) =>
    fs.fsync(written, (err) => (err ? reject(wrap('write', file, err)) : resolve())),
  );
  // A caller that aborts without looking at `synced` must not leave an unhandled rejection.
  synced.catch(() => undefined);
  let done = false;
  let preempted = false;
  return {
    synced,
    commit() {
      if (done)
        return Promise.reject(new Error(`prepareDurableWrite(${file}): committed or aborted already`));
      done = true;
      close();
      if (preempted) return Promise.resolve();
      return new Promise<void>((resolve, reject) =>
        fs.rename(tmp, file, (err) => {
          if (err) {
            // Preempted while the rename waited for a thread: the newer version stays.
            if (preempted && err.code === 'ENOENT') return resolve();
            unlink(tmp);
            return reject(wrap('write', file, err));
          }
          try {
            if (!(existed && opts.syncDirectory === 'on-create')) fsyncDir(path.dirname(file));
            resolve();
          } catch (e) {
            reject(wrap('write', file, e));
          }
        }),
      );
    },
    abort() {
      if (done) return;
      done = true;
      close();
      unlink(tmp);
    },
    preempt() {
      if (preempted) return;
      preempted = true;
      const aside = `${tmp}.preempted`;
      try {
        fs.renameSync(tmp, aside);
        unlink(aside);
      } catch {
        // Renamed into place already (the newer version replaces it), or removed.
      }
    },
  };
}

/** The async form of `writeFileDurableSync` (same contract); the work itself is synchronous. */
export async function writeFileDurable(
  file: string,
  data: string | Uint8Array,
  opts: DurableWriteOptions = {},
): Promise<void> {
  writeFileDurableSync(file, data, opts);
}

/**
 * An append-only file written whole records at a time: each `append(data)` writes every byte or
 * none (a failed or short append is cut back to the size before it, so the file never ends in a
 * torn record), and with `fsync` (the default) each record is on disk before `append` returns.
 * Throws `FileSystemError` as `writeFileDurableSync` does. The fd is opened on first use.
 */
export class DurableAppender {
  readonly file: string;
  private fd: number | undefined;
  private readonly fsync: boolean;

  constructor(file: string, opts: { fsync?: boolean } = {}) {
    this.file = file;
    this.fsync = opts.fsync ?? true;
  }

  append(data: string | Uint8Array): void {
    const buf = asBuffer(data);
    let size: number | undefined;
    try {
      if (this.fd === undefined) {
        const created = !fs.existsSync(this.file);
        this.fd = fs.openSync(this.file, 'a');
        if (created) fsyncDir(path.dirname(this.file));
      }
      size = fs.fstatSync(this.fd).size;
      writeAll(this.fd, buf, this.file);
      if (this.fsync) fs.fsyncSync(this.fd);
    } catch (err) {
      if (this.fd !== undefined && size !== undefined) {
        try {
          fs.ftruncateSync(this.fd, size);
        } catch {
          // The record stays torn only if even the truncate fails.
        }
      }
      throw wrap('append to', this.file, err);
    }
  }

  /** `append`, under the name a stream destination has (pino writes one log line per call). */
  write(data: string): boolean {
    this.append(data);
    return true;
  }

  /** Closes the fd (a later `append` reopens it). Never throws. */
  close(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed.
    }
    this.fd = undefined;
  }
}
