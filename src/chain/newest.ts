/**
 * The newest context file of the contexts directories (what `status` shows without an id), with
 * a small cache per directory so that it is found without listing thousands of names:
 * `<contexts>/.index/newest.json` = `{v, dir_mtime_ms, file}`, the newest file's name as a listing
 * found it and the directory's mtime taken before that listing.
 *
 * It is a cache, never the source of truth. Adding, removing or renaming a file in the directory
 * (every save renames the head into place) changes the directory's mtime, so the pointer is used
 * only while the directory's mtime is still the one it recorded, and only when the file it names
 * still exists; otherwise the directory is listed again and the pointer rewritten. It is written
 * only for a directory whose mtime had settled (MTIME_SETTLE_MS) before the listing, so a change
 * within the same mtime tick cannot hide behind it. Rewriting a file in place changes nothing
 * here: the newest file is chosen by its name, and the caller reads the file itself.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseChainFileName } from './names.js';
import { MTIME_SETTLE_MS, newestChainFiles, type ChainFileEntry } from './store.js';

/** The pointer's path for a contexts directory. */
export const newestPointerOf = (dir: string) => path.join(dir, '.index', 'newest.json');

const POINTER_VERSION = 1;

interface Pointer {
  v: number;
  /** The directory's mtime (ms) taken before the listing that found `file`. */
  dir_mtime_ms: number;
  /** The newest context file's name in the directory. */
  file: string;
}

function readPointer(dir: string): Pointer | null {
  try {
    const p = JSON.parse(readFileSync(newestPointerOf(dir), 'utf8')) as Partial<Pointer> | null;
    return p?.v === POINTER_VERSION && typeof p.dir_mtime_ms === 'number' && typeof p.file === 'string'
      ? (p as Pointer)
      : null;
  } catch {
    return null;
  }
}

/**
 * Records `file` as the newest of `dir` as listed after its mtime was `dirMtime`: only when that
 * mtime had settled and is still the directory's (nothing changed during the listing). Writes a
 * temp file and renames it inside `.index`, so the directory's mtime stays. Never throws.
 */
function recordPointer(dir: string, dirMtime: number, file: string): void {
  try {
    const target = newestPointerOf(dir);
    // Creating `.index` changes the directory's mtime: the pointer waits for the next listing.
    if (!existsSync(path.dirname(target))) {
      mkdirSync(path.dirname(target), { recursive: true });
      return;
    }
    if (Date.now() - dirMtime < MTIME_SETTLE_MS || mtimeOf(dir) !== dirMtime) return;
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({ v: POINTER_VERSION, dir_mtime_ms: dirMtime, file } satisfies Pointer),
    );
    renameSync(tmp, target);
  } catch {
    // A read-only or full disk: the next reader lists the directory.
  }
}

function mtimeOf(p: string): number | null {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return null;
  }
}

/** The entry the pointer names when it is current for `dir` (mtime unchanged, the file there), else null. */
function pointed(dir: string, dirMtime: number): ChainFileEntry | null {
  const pointer = readPointer(dir);
  if (pointer === null || pointer.dir_mtime_ms !== dirMtime) return null;
  // A name, never a path: the pointer lies in a directory a repository may ship.
  const parsed = path.basename(pointer.file) === pointer.file ? parseChainFileName(pointer.file) : null;
  const file = parsed && path.join(dir, pointer.file);
  if (!parsed || !file || !existsSync(file)) return null;
  return { path: file, dir, file: pointer.file, ...parsed };
}

/** `newestChainFiles([dir], 1)[0]`, from the pointer when it is current; a listing rewrites it. */
async function newestInDir(dir: string): Promise<ChainFileEntry | undefined> {
  const dirMtime = mtimeOf(dir);
  if (dirMtime !== null) {
    const hit = pointed(dir, dirMtime);
    if (hit) return hit;
  }
  const [entry] = await newestChainFiles([dir], 1);
  if (entry && dirMtime !== null) recordPointer(dir, dirMtime, entry.file);
  return entry;
}

/**
 * What `newestChainFiles(dirs, 1)[0]` returns (the highest chain id, then the latest start; on
 * a full tie the later directory's, as listed), or undefined when `dirs` hold no context file;
 * each directory's newest comes from its pointer when that is current (see above), else from
 * listing it. Throws only what listing a directory throws.
 */
export async function newestChainFile(dirs: string[]): Promise<ChainFileEntry | undefined> {
  let best: ChainFileEntry | undefined;
  for (const dir of dirs) {
    const entry = await newestInDir(dir);
    if (
      entry &&
      (!best || (Number(entry.chainId) - Number(best.chainId) || entry.startedAtMs - best.startedAtMs) >= 0)
    )
      best = entry;
  }
  return best;
}
