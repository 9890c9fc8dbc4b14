/**
 * The context store: one JSON file per chain in a contexts directory (DESIGN §3).
 * Ids are reserved race-free with an exclusive create of `.ids/NNN`; files are rewritten
 * durably (src/durable.ts: temp file in the same directory, every byte checked, fsync, rename,
 * fsync of the directory); a chain that another process is driving is refused (proper-lockfile,
 * stale after 30 s without an update).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { prepareDurableWrite, writeFileDurableSync, type PreparedWrite } from '../durable.js';
import { ContextFileError, ExitCode, FileSystemError, UsageError } from '../errors.js';
import { dirMtimeOf, recordInIndex } from './chains-index-line.js';
import { memoSlot, recall, remember, type CheckMemo } from './checked.js';
import { appendToJournal, appendToJournalDeferred, createJournal, joinJournal } from './journal.js';
import { chainRow } from './row.js';
import { SCHEMA_VERSION, schemaVersionProblem } from './version.js';
import { chainFileName, formatChainId, parseChainFileName, slugify } from './names.js';
import type { ChainContext } from './schema.js';

export interface ChainFileEntry {
  /** Absolute path of the context file. */
  path: string;
  dir: string;
  file: string;
  chainId: string;
  slug: string;
  /** Start time from the file name, ms since the epoch (UTC). */
  startedAtMs: number;
}

/**
 * How long after a file's mtime (ms) a cache of what it says (the cost index, the forecast's
 * history index) may trust that mtime to tell two versions apart: mtimes move in ticks (a few ms on
 * Linux, whole seconds on some file systems), so a file or directory changed twice within one tick
 * keeps one mtime. A cache keeps nothing of a file read within this of its mtime.
 */
export const MTIME_SETTLE_MS = 2_000;

/** The entries of `dir`, or none when it does not exist; other errors are thrown. */
async function namesIn(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Lists the context files of `dirs` by file name alone (nothing is opened), sorted by chain id
 * then start time. A directory that does not exist contributes nothing.
 */
export async function listChainFiles(dirs: string[]): Promise<ChainFileEntry[]> {
  const out: ChainFileEntry[] = [];
  for (const dir of dirs) {
    const names = await namesIn(dir);
    out.push(...chainFilesIn(dir, names));
  }
  return out.sort((a, b) => Number(a.chainId) - Number(b.chainId) || a.startedAtMs - b.startedAtMs);
}

/** The chain id a context file's name starts with (`chain-<3 or more digits>-`), or -1. */
function leadingChainId(file: string): number {
  if (!file.startsWith('chain-') || !file.endsWith('.json')) return -1;
  let end = 6;
  while (end < file.length && file.charCodeAt(end) >= 48 && file.charCodeAt(end) <= 57) end++;
  return end - 6 >= 3 && file[end] === '-' ? Number(file.slice(6, end)) : -1;
}

/**
 * What `listChainFiles(dirs).slice(-max)` returns (the newest `max` context files: highest chain
 * ids, then latest starts; equal ones in listing order), with only the names of the highest ids
 * parsed: the newest of 10,000 chains cost little more than listing the directory.
 */
export async function newestChainFiles(dirs: string[], max: number): Promise<ChainFileEntry[]> {
  const named: { dir: string; file: string; id: number; at: number }[] = [];
  for (const dir of dirs) {
    const names = await namesIn(dir);
    for (const file of names) {
      const id = leadingChainId(file);
      if (id >= 0) named.push({ dir, file, id, at: named.length });
    }
  }
  named.sort((a, b) => b.id - a.id || a.at - b.at);
  // Whole groups of one id from the top, until `max` names parsed (a group's order needs all of it).
  const picked: (ChainFileEntry & { at: number })[] = [];
  for (let i = 0; i < named.length && picked.length < max;) {
    const id = named[i]!.id;
    for (; i < named.length && named[i]!.id === id; i++) {
      const n = named[i]!;
      const parsed = parseChainFileName(n.file);
      if (parsed)
        picked.push({ path: path.join(n.dir, n.file), dir: n.dir, file: n.file, ...parsed, at: n.at });
    }
  }
  picked.sort(
    (a, b) => Number(a.chainId) - Number(b.chainId) || a.startedAtMs - b.startedAtMs || a.at - b.at,
  );
  return picked.slice(-max).map(({ at: _at, ...entry }) => entry);
}

/** The context files among `names` (the entries of `dir`), in their order. */
export function chainFilesIn(dir: string, names: readonly string[]): ChainFileEntry[] {
  const out: ChainFileEntry[] = [];
  // path.join(dir, file) for every file, joined once (10,000 joins are a third of listing them).
  const prefix = path.join(dir, 'x').slice(0, -1);
  for (const file of names) {
    // The name regex only on names that can match (a journal beside each head would double its work).
    const parsed = file.endsWith('.json') ? parseChainFileName(file) : null;
    if (parsed) out.push({ path: prefix + file, dir, file, ...parsed });
  }
  return out;
}

/**
 * The parsed document of a context file with its journal's calls and steps put back in place
 * (./journal.ts), not validated: what the chain wrote. Throws ContextFileError when the file
 * cannot be read or is not JSON, or its journal is damaged.
 */
async function readChainDocument(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ContextFileError(file, `cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ContextFileError(
      file,
      `not valid JSON (${(err as Error).message})`,
      'The file is left as it is; restore it from a backup or remove it.',
    );
  }
  const version = (json as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    throw new ContextFileError(
      file,
      schemaVersionProblem(version)!,
      'Upgrade claude-exec to read it; the file is left as it is.',
    );
  }
  return json && typeof json === 'object' && !Array.isArray(json)
    ? joinJournal(file, json as Record<string, unknown>)
    : json;
}

/** Context files validated without zod's compiled fast path before it is built (see readChainFile). */
const INTERPRETED_PARSES = 3;
let filesParsed = 0;

/**
 * Reads and validates one context file, with its journal's calls and steps (./journal.ts), and
 * upgrades an earlier schema version. With `memo` (./checked.ts), a document this build's check
 * accepted before, byte for byte, is not checked again (for the one file a command shows; a
 * listing of many files passes none). Throws ContextFileError when it cannot be read, is not
 * JSON, is of a newer schema, its journal is damaged, or it does not match the schema (the first
 * issues are named as `path: message`).
 */
export async function readChainFile(file: string, memo?: CheckMemo): Promise<ChainContext> {
  const json = await readChainDocument(file);
  const slot = memo ? memoSlot(memo, file, json) : null;
  const known = slot ? recall(slot) : undefined;
  if (known !== undefined) {
    const { upgradeChainContext } = await import('./upgrade.js');
    return upgradeChainContext(known as ChainContext);
  }
  // Loaded on first use: zod is most of start-up time, and `chains` on an empty directory needs none of it.
  const [{ ChainContextSchema }, { upgradeChainContext }] = await Promise.all([
    import('./schema.js'),
    import('./upgrade.js'),
  ]);
  // The same checks either way: zod's compiled fast path (built on its first use, 30-100 ms for
  // this schema) pays only over many files, so a process's first few files are checked without it.
  const parsed = ChainContextSchema.safeParse(
    json,
    filesParsed++ < INTERPRETED_PARSES ? { jitless: true } : undefined,
  );
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ContextFileError(file, `not a claude-exec context file (${issues.join('; ')})`);
  }
  if (slot) remember(slot, parsed.data);
  return upgradeChainContext(parsed.data);
}

/** Accepts `47`, `047` or `chain-047`; returns the canonical zero-padded id or null. */
export function normalizeChainId(raw: string): string | null {
  const m = /^(?:chain-)?0*(\d+)$/.exec(raw.trim());
  return m ? formatChainId(Number(m[1])) : null;
}

/** Finds the context file of chain `rawId` in `dirs`. Throws UsageError when there is none. */
export async function findChain(dirs: string[], rawId: string): Promise<ChainFileEntry> {
  const id = normalizeChainId(rawId);
  if (!id)
    throw new UsageError(
      `"${rawId}" is not a chain id`,
      'Chain ids look like 047; `claude-exec chains` lists them.',
    );
  const hits = (await listChainFiles(dirs)).filter((e) => e.chainId === id);
  if (hits.length === 0) {
    throw new UsageError(
      `no chain ${id} in ${dirs.join(', ')}`,
      '`claude-exec chains` lists the chains; --contexts DIR points elsewhere.',
    );
  }
  return hits[hits.length - 1]!;
}

/** Per file, the number of its latest save: an asynchronous save that a later one overtook leaves the head alone. */
const latestSave = new Map<string, number>();
let saves = 0;
/** Per file, the head an asynchronous save is renaming into place (saveChainSync preempts it). */
const renaming = new Map<string, PreparedWrite>();

/**
 * Saves a context durably and synchronously: new call records and finished steps are appended
 * to its journal and fsync'd first (./journal.ts; `ctx.journal` is updated in place), then the
 * rest (the head, which indexes the journal) is written by src/durable.ts (temp file, every byte
 * checked, fsync, rename; the directory is fsync'd when the head is created, not on every
 * rewrite: a rename that a power loss undoes brings back the previous head, which is consistent
 * with the journal, since its index ignores what was appended after it). So one save is one head
 * rewrite and at most two fsyncs (journal, head). Also what signal handlers use, since they must finish
 * before the process exits: an asynchronous save still waiting for the disk then leaves the head
 * to this one. Then the chain's summary is appended to the chain index
 * (./chains-index-line.ts; a cache, not fsync'd). Throws `FileSystemError` (disk full, read-only, quota, short write);
 * the previous version of the head is then still in place, and its index ignores what the
 * journal got beyond it.
 */
export function saveChainSync(file: string, ctx: ChainContext): void {
  const dirMtimeBefore = dirMtimeOf(file);
  latestSave.set(file, ++saves);
  renaming.get(file)?.preempt();
  const journal = ctx.journal === null && !existsSync(file) ? createJournal(file) : null;
  const head = appendToJournal(file, ctx);
  try {
    writeFileDurableSync(file, `${JSON.stringify(head, null, 2)}\n`, { syncDirectory: 'on-create' });
  } catch (err) {
    journal?.undo();
    throw err;
  }
  recordInIndex(file, ctx, dirMtimeBefore);
}

/**
 * Writes a context durably, with the same files, order and guarantees as saveChainSync, but
 * waits for the disk without blocking: `ctx` is serialized and its bytes are written (journal
 * records, the head's temp file) before anything is awaited, so the caller may go on changing
 * it; the two fsyncs (journal, head) then run at the same time on the thread pool, and only once
 * both are done is the head renamed into place (on the thread pool too). So a kill at any moment
 * leaves the previous head or this one, a power loss the same as with saveChainSync, and the
 * promise resolves only when this version is in place: a caller that waits for it before the
 * next call (the session's `flush`) keeps the rule that a call is on disk before the next one is
 * sent, while the fsyncs overlap the work of preparing that call. Only the waits go to the thread
 * pool: opening and writing stay synchronous (for tens of KB they cost less than a thread-pool
 * round trip each, which is what made an all-async save slower). A new chain's first save is
 * saveChainSync. When a later save overtakes this one (saveChainSync from a signal handler), this
 * one's head is dropped, also while its rename waits for a thread (durable.ts `preempt`). Saves of
 * one file must not otherwise overlap (the session serializes them). Rejects with `FileSystemError` as saveChainSync throws; the previous
 * head is then still in place.
 */
export async function saveChain(file: string, ctx: ChainContext): Promise<void> {
  if (ctx.journal === null && !existsSync(file)) return saveChainSync(file, ctx);
  const dirMtimeBefore = dirMtimeOf(file);
  const save = ++saves;
  latestSave.set(file, save);
  const { head, synced } = appendToJournalDeferred(file, ctx);
  // The index line describes this version, not the one the chain has moved on to meanwhile.
  const row = chainRow(ctx, file);
  let write: PreparedWrite;
  try {
    write = prepareDurableWrite(file, `${JSON.stringify(head, null, 2)}\n`, { syncDirectory: 'on-create' });
  } catch (err) {
    await synced.catch(() => undefined);
    throw err;
  }
  const [journalSynced, headSynced] = await Promise.allSettled([synced, write.synced]);
  const failed = [journalSynced, headSynced].find((r) => r.status === 'rejected');
  if (failed || latestSave.get(file) !== save) {
    write.abort();
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return;
  }
  latestSave.delete(file);
  renaming.set(file, write);
  try {
    await write.commit();
  } finally {
    if (renaming.get(file) === write) renaming.delete(file);
  }
  if (latestSave.has(file)) return; // preempted: the newer save has indexed itself
  recordInIndex(file, ctx, dirMtimeBefore, row);
}

/** A file-system failure before a chain exists: the environment is unusable (exit 2). */
function environmentError(op: string, target: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return err;
  return new FileSystemError(op, target, code, {
    cause: err,
    exitCode: ExitCode.usage,
    hint: 'Point --contexts at a writable directory, or fix its permissions or free space.',
  });
}

/**
 * Reserves the next free chain id in `dir` (exclusive create of `.ids/NNN`, so concurrent
 * processes never share an id) and writes the first version of the context file.
 * `build(id, uid, slug)` returns the initial context. Returns the file's entry.
 */
export async function createChain(
  dir: string,
  goal: string,
  now: Date,
  build: (chainId: string, chainUid: string, slug: string) => ChainContext,
): Promise<ChainFileEntry> {
  const idsDir = path.join(dir, '.ids');
  try {
    await mkdirp(idsDir);
  } catch (err) {
    throw environmentError('create', idsDir, err);
  }
  const existing = await listChainFiles([dir]);
  const reserved = (await fs.readdir(idsDir)).map(Number).filter(Number.isFinite);
  let n = Math.max(0, ...existing.map((e) => Number(e.chainId)), ...reserved) + 1;
  for (;;) {
    const id = formatChainId(n);
    try {
      const handle = await fs.open(path.join(idsDir, id), 'wx');
      await handle.close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw environmentError('reserve a chain id in', idsDir, err);
      n += 1;
      continue;
    }
    const slug = slugify(goal);
    const file = chainFileName(id, slug, now);
    const entry: ChainFileEntry = {
      path: path.join(dir, file),
      dir,
      file,
      chainId: id,
      slug,
      startedAtMs: now.getTime(),
    };
    try {
      await saveChain(entry.path, build(id, randomUUID(), slug));
    } catch (err) {
      throw err instanceof FileSystemError ? environmentError('write', entry.path, err.cause ?? err) : err;
    }
    return entry;
  }
}

/**
 * `mkdir -p` that names the real cause: Node's recursive mkdir reports ENOENT where a level
 * cannot be created on a read-only or unwritable parent, so on ENOENT the missing levels are
 * created one by one, and the first failure (EROFS, EACCES, …) is thrown.
 */
async function mkdirp(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const levels: string[] = [];
  for (let d = path.resolve(dir); path.dirname(d) !== d; d = path.dirname(d)) levels.unshift(d);
  for (const level of levels) {
    try {
      await fs.mkdir(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Takes the driver lock of a chain so that a second process cannot drive it at the same time.
 * Returns the release function. Throws ContextFileError when another live process holds it,
 * FileSystemError (exit 2) when the lock cannot be created (read-only directory, disk full).
 */
export async function lockChain(file: string): Promise<() => Promise<void>> {
  const { default: lockfile } = await import('proper-lockfile');
  try {
    return await lockfile.lock(file, { stale: 30_000, update: 10_000, realpath: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new ContextFileError(
        file,
        'this chain is being driven by another claude-exec process',
        'Wait for it to finish, or stop it; a crashed run releases the lock after 30 s.',
      );
    }
    throw environmentError('lock', file, err);
  }
}
