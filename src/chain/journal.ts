/**
 * The context file's companion journal (schema version 2): what grows with a chain — its call
 * records and its finished steps, whole results included — is appended to
 * `chain-NNN-…-STAMP.journal.jsonl` beside the context file, one JSON record per line, instead of
 * being rewritten with the whole context after every call. The context file (the "head") keeps
 * everything else and indexes the journal: `journal: {file, bytes, calls, steps}` means the first
 * `bytes` bytes of the journal hold the first `calls` call records and the first `steps` steps;
 * the head's own `calls[]`/`steps[]` continue after them.
 *
 * Crash safety: records are appended and fsync'd (and, for a new journal, its directory) before
 * the head that counts them is written atomically, so a kill at any moment leaves a head whose
 * index points at bytes that are on disk. Bytes past the index (a head write that never happened)
 * are ignored by readers and cut off by the next append. A journal shorter than its index, or a
 * line that does not parse, is reported as a damaged file and never written to.
 *
 * What is journaled when: a step once it and every step before it have finished; a call record
 * once its step has finished (and every call before it is journaled). So while a step runs, its
 * calls stay in the head (bounded by the turn cap and the concurrency), each save of a call is one
 * fsync'd head write, and the journal is appended about once per step. Invariants the writer
 * relies on: call records are only ever appended (ids in order), and a finished step never changes.
 */
import {
  fsync as fsyncAsync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { ContextFileError, FileSystemError } from '../errors.js';
import type { CallRecord, ChainContext, JournalIndex, Step } from './schema.js';

/** The journal's file name for a context file (same directory). */
export function journalName(contextFile: string): string {
  return path.basename(contextFile).replace(/\.json$/, '.journal.jsonl');
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename of the head is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes all of `buf` at `position`; throws FileSystemError on a write that makes no progress. */
function writeAll(fd: number, buf: Buffer, position: number, file: string): void {
  let done = 0;
  while (done < buf.length) {
    const n = writeSync(fd, buf, done, buf.length - done, position + done);
    if (n <= 0)
      throw new FileSystemError('append to', file, 'ESHORT', { written: done, expected: buf.length });
    done += n;
  }
}

/**
 * Appends the records `ctx` has beyond its journal index that are ready (see above), fsyncs,
 * and returns the head to write (ctx without the journaled calls and steps). `ctx.journal` is
 * updated in place, so the next save appends only what is new. Throws ContextFileError when the
 * journal is shorter than the index says (it is then left untouched), FileSystemError when the
 * append fails (disk full, read-only; `ctx.journal` is then unchanged).
 */
export function appendToJournal(contextFile: string, ctx: ChainContext): ChainContext {
  return append(contextFile, ctx, 'now').head;
}

/**
 * `appendToJournal` with the fsync on the thread pool: the records are written (so a kill of
 * this process cannot lose them) and `synced` resolves once they are on disk, or rejects with
 * FileSystemError, after putting `ctx.journal` back as it was (unless a later save moved it
 * on). The head that indexes them may be put in place only after `synced` resolves. Throws as
 * `appendToJournal` does when the write itself fails.
 */
export function appendToJournalDeferred(
  contextFile: string,
  ctx: ChainContext,
): { head: ChainContext; synced: Promise<void> } {
  const { head, synced } = append(contextFile, ctx, 'deferred');
  return { head, synced: synced ?? Promise.resolve() };
}

function append(
  contextFile: string,
  ctx: ChainContext,
  fsync: 'now' | 'deferred',
): { head: ChainContext; synced: Promise<void> | null } {
  const previous = ctx.journal;
  const index: JournalIndex = ctx.journal ?? { file: journalName(contextFile), bytes: 0, calls: 0, steps: 0 };
  // Journaled steps have finished: only those after them can be running.
  const running = new Set<number>();
  for (let i = index.steps; i < ctx.steps.length; i++)
    if (ctx.steps[i]!.status === 'running') running.add(ctx.steps[i]!.n);
  let c = index.calls;
  while (c < ctx.calls.length && !running.has(ctx.calls[c]!.step)) c++;
  const calls = ctx.calls.slice(index.calls, c);
  let k = index.steps;
  while (k < ctx.steps.length && ctx.steps[k]!.status !== 'running') k++;
  const steps = ctx.steps.slice(index.steps, k);
  let next = index;
  let synced: Promise<void> | null = null;
  if (calls.length || steps.length) {
    const lines = [
      ...calls.map((call) => JSON.stringify({ call })),
      ...steps.map((step) => JSON.stringify({ step })),
    ];
    const buf = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const file = path.join(path.dirname(contextFile), index.file);
    let fd: number | undefined;
    let writing = false;
    // A journal the store created with the chain (createJournal) is already in the directory on disk.
    const created = index.bytes === 0 && !existsSync(file);
    const failed = (err: unknown, cut = true) => {
      // Bytes past the index are ignored by readers; cut them off anyway so nothing torn stays.
      if (fd !== undefined && writing && cut) {
        try {
          ftruncateSync(fd, index.bytes);
        } catch {
          // The next append cuts them off.
        }
      }
      const code = (err as NodeJS.ErrnoException).code;
      return err instanceof ContextFileError || err instanceof FileSystemError || typeof code !== 'string'
        ? err
        : new FileSystemError('append to', file, code, { cause: err });
    };
    const close = () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    };
    try {
      fd = openSync(file, constants.O_WRONLY | constants.O_CREAT, 0o644);
      const size = fstatSync(fd).size;
      if (size < index.bytes)
        throw new ContextFileError(
          file,
          `the journal is shorter (${size} bytes) than its context file says (${index.bytes})`,
          'The files are left as they are; restore them from a backup.',
        );
      writing = true;
      if (size > index.bytes) ftruncateSync(fd, index.bytes);
      writeAll(fd, buf, index.bytes, file);
      if (fsync === 'now') fsyncSync(fd);
    } catch (err) {
      const thrown = failed(err);
      close();
      throw thrown;
    }
    next = {
      file: index.file,
      bytes: index.bytes + buf.length,
      calls: index.calls + calls.length,
      steps: index.steps + steps.length,
    };
    if (fsync === 'now') {
      close();
      if (created) fsyncDir(path.dirname(file));
    } else {
      const written = fd;
      const moved = next;
      synced = new Promise<void>((resolve, reject) =>
        fsyncAsync(written, (err) => {
          if (err) {
            // Readers never see the unsynced records: no head indexes them, and the next save
            // appends over them from the index put back here. A later save (saveChainSync) that
            // appended after them has fsync'd them itself; its records are left alone.
            const ours = ctx.journal === moved;
            if (ours) ctx.journal = previous;
            reject(failed(err, ours));
          } else {
            if (created) fsyncDir(path.dirname(file));
            resolve();
          }
          close();
        }),
      );
      synced.catch(() => undefined);
    }
  }
  if (ctx.journal === null && next.bytes === 0) return { head: ctx, synced };
  ctx.journal = next;
  return {
    head: { ...ctx, journal: next, calls: ctx.calls.slice(next.calls), steps: ctx.steps.slice(next.steps) },
    synced,
  };
}

/**
 * Creates the empty journal of a context file that does not exist yet, so that the directory
 * fsync of the head's creation puts both names on disk and the first append needs no directory
 * fsync of its own. `undo` removes it again (when the head's first write failed). Never throws: without it, the first append creates the journal (and fsyncs
 * the directory) as before.
 */
export function createJournal(contextFile: string): { undo(): void } {
  const file = path.join(path.dirname(contextFile), journalName(contextFile));
  try {
    if (existsSync(file)) return { undo: () => {} };
    closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT, 0o644));
  } catch {
    // The head's write reports what is wrong with the directory.
    return { undo: () => {} };
  }
  return {
    // The head could not be written: no chain, so no journal either.
    undo: () => rmSync(file, { force: true }),
  };
}

/**
 * The journal records `head.journal` indexes, read from `contextFile`'s directory. Throws
 * ContextFileError when the journal is missing, shorter than its index, or holds a line that is
 * not a record, or when the record counts differ from the index.
 */
function readJournal(contextFile: string, index: JournalIndex): { calls: CallRecord[]; steps: Step[] } {
  if (index.bytes === 0 && index.calls === 0 && index.steps === 0) return { calls: [], steps: [] };
  const file = path.join(path.dirname(contextFile), index.file);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new ContextFileError(
      contextFile,
      `its journal ${index.file} cannot be read (${(err as Error).message})`,
      'The context file is left as it is; restore the journal from a backup.',
    );
  }
  if (buf.length < index.bytes)
    throw new ContextFileError(
      contextFile,
      `its journal ${index.file} is shorter (${buf.length} bytes) than indexed (${index.bytes})`,
      'The files are left as they are; restore them from a backup.',
    );
  const calls: CallRecord[] = [];
  const steps: Step[] = [];
  const text = buf.subarray(0, index.bytes).toString('utf8');
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (!line) continue;
    let record: { call?: CallRecord; step?: Step };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      throw new ContextFileError(
        contextFile,
        `its journal ${index.file} is damaged at line ${n} (not JSON)`,
        'The files are left as they are; restore them from a backup.',
      );
    }
    if (record.call) calls.push(record.call);
    else if (record.step) steps.push(record.step);
    else
      throw new ContextFileError(
        contextFile,
        `its journal ${index.file} has a record of an unknown kind at line ${n}`,
      );
  }
  if (calls.length !== index.calls || steps.length !== index.steps) {
    throw new ContextFileError(
      contextFile,
      `its journal ${index.file} holds ${calls.length} calls and ${steps.length} steps, not the ${index.calls} and ${index.steps} indexed`,
    );
  }
  return { calls, steps };
}

/**
 * Only the call records of a journal, for fast readers (cost-report): step lines are skipped
 * without being parsed. Throws ContextFileError like readJournal.
 */
export function readJournalCalls(contextFile: string, index: JournalIndex): CallRecord[] {
  if (index.bytes === 0 && index.calls === 0) return [];
  const file = path.join(path.dirname(contextFile), index.file);
  let text: string;
  try {
    // Read as text in one call; read as bytes (and cut at the index) only when the text is not
    // exactly the indexed bytes, or holds a replacement character (it may stand for a bad byte).
    text = readFileSync(file, 'utf8');
    if (Buffer.byteLength(text) !== index.bytes || text.includes('\uFFFD')) {
      const buf = readFileSync(file);
      if (buf.length < index.bytes)
        throw new ContextFileError(
          contextFile,
          `its journal ${index.file} is shorter (${buf.length} bytes) than indexed (${index.bytes})`,
        );
      text = buf.subarray(0, index.bytes).toString('utf8');
    }
  } catch (err) {
    if (err instanceof ContextFileError) throw err;
    throw new ContextFileError(
      contextFile,
      `its journal ${index.file} cannot be read (${(err as Error).message})`,
    );
  }
  const calls: CallRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"call":')) continue;
    try {
      calls.push((JSON.parse(line) as { call: CallRecord }).call);
    } catch {
      throw new ContextFileError(contextFile, `its journal ${index.file} has a damaged call record`);
    }
  }
  if (calls.length !== index.calls)
    throw new ContextFileError(
      contextFile,
      `its journal ${index.file} holds ${calls.length} calls, not the ${index.calls} indexed`,
    );
  return calls;
}

/**
 * The whole document of a parsed context file: the head with its journal's calls and steps put
 * back in front of its own (unchanged when it has no journal). Not validated.
 */
export function joinJournal(contextFile: string, head: Record<string, unknown>): Record<string, unknown> {
  const index = head.journal as JournalIndex | null | undefined;
  if (!index) return head;
  const { calls, steps } = readJournal(contextFile, index);
  const own = (key: string) => (Array.isArray(head[key]) ? (head[key] as unknown[]) : []);
  return { ...head, calls: [...calls, ...own('calls')], steps: [...steps, ...own('steps')] };
}
