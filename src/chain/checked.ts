/**
 * A memo of the schema check of the context documents one is shown (`status`, `show`, `pending`):
 * zod and the chain's schema are most of what `status` costs, and the same file is usually shown
 * again before it changes. For a context file, the memo keeps what the schema check returned (the
 * validated document, defaults filled in) under a key: the SHA-256 of this build's id
 * (dist/build-id.txt, a hash of every JavaScript file of the build) and of the document as read
 * (head and journal joined, before any check). A document whose key matches is, byte for byte,
 * one this build's check accepted, so its output is returned without loading zod; any other (a
 * changed file, another build, no build id) is checked, and its output remembered when it passes.
 * A document that fails is never remembered, so it is rejected with the same error every time.
 *
 * The memo lives outside the workspace, in `$XDG_CACHE_HOME/claude-exec/checked/` (`~/.cache`
 * when XDG_CACHE_HOME is not an absolute path), one file per context file (named by the SHA-256
 * of its absolute path), so nothing a repository ships can vouch for a document. Written
 * without fsync (a torn or missing memo is a miss); never throws. Files not written for
 * MEMO_MAX_AGE_MS are removed, at most once a day, by a process that writes one.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** This build's id (dist/build-id.txt, written by scripts/bundle.mjs), or null when there is none (a run from the sources). */
function readBuildId(): string | null {
  try {
    const id = readFileSync(new URL('../build-id.txt', import.meta.url), 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** The directory of the memo files: `$XDG_CACHE_HOME/claude-exec/checked` (else `~/.cache/...`). */
export function checkedDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'claude-exec', 'checked');
}

/** Where a memo is kept and the build whose check it records; `buildId` null turns the memo off. */
export interface CheckMemo {
  dir: string;
  buildId: string | null;
}

let defaultMemo: CheckMemo | undefined;

/** The memo of this build in the user's cache directory. */
export function checkMemo(): CheckMemo {
  return (defaultMemo ??= { dir: checkedDir(), buildId: readBuildId() });
}

/** A document's place and key in the memo; null when the memo is off. */
export interface MemoSlot {
  file: string;
  key: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The memo slot of context file `file` (absolute) holding the unchecked document `doc`; null when the memo is off. */
export function memoSlot(memo: CheckMemo, file: string, doc: unknown): MemoSlot | null {
  if (memo.buildId === null) return null;
  return {
    file: path.join(memo.dir, `${sha256(path.resolve(file))}.json`),
    key: sha256(`${memo.buildId}\0${JSON.stringify(doc)}`),
  };
}

/** What the check returned for the document of `slot`, when the memo holds it under the same key; else undefined. */
export function recall(slot: MemoSlot): unknown {
  try {
    const kept = JSON.parse(readFileSync(slot.file, 'utf8')) as { key?: unknown; checked?: unknown } | null;
    return kept?.key === slot.key ? kept.checked : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `v` is made of JSON values only (so JSON.stringify then JSON.parse gives back an equal value). */
function isJsonValue(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(isJsonValue);
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.values(v).every(isJsonValue);
}

/** How long a memo file is kept after it was last written (ms): 30 days. */
export const MEMO_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;

/**
 * Removes the memo files of `dir` last written more than MEMO_MAX_AGE_MS before `now` (ms), unless
 * that was done within a day (the mtime of its `.pruned` marker). Never throws.
 */
export function pruneMemo(dir: string, now: number = Date.now()): void {
  const marker = path.join(dir, '.pruned');
  try {
    if (now - statSync(marker).mtimeMs < PRUNE_EVERY_MS) return;
  } catch {
    // No marker yet: prune now.
  }
  try {
    writeFileSync(marker, '');
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json') && !name.endsWith('.tmp')) continue;
      const file = path.join(dir, name);
      try {
        if (now - statSync(file).mtimeMs > MEMO_MAX_AGE_MS) unlinkSync(file);
      } catch {
        // Removed by another process meanwhile.
      }
    }
  } catch {
    // A read-only home: nothing is written there either.
  }
}

/**
 * Remembers `checked`, what the schema check returned for the document of `slot`; only when it is
 * made of JSON values alone (so recalling it gives back an equal document). Never throws.
 */
export function remember(slot: MemoSlot, checked: unknown): void {
  if (!isJsonValue(checked)) return;
  try {
    mkdirSync(path.dirname(slot.file), { recursive: true, mode: 0o700 });
    const tmp = `${slot.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key: slot.key, checked }), { mode: 0o600 });
    renameSync(tmp, slot.file);
  } catch {
    // A read-only or full home: the next reader checks the document again.
    return;
  }
  pruneMemo(path.dirname(slot.file));
}
