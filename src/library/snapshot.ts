/**
 * The built-in library's snapshot: every shipped prompt file already parsed and validated, written
 * by the build next to the compiled loader (dist/library/builtin-prompts.json, by
 * scripts/snapshot-prompts.mjs). The loader takes a prompt from it only when the file's bytes are
 * the ones the snapshot was made from (SHA-1 of the text); any other file is parsed as usual. So a
 * command that only needs the catalog (`--estimate`, `status`, a chain's start) does not load the
 * YAML parser or validate 100 files, and an edited built-in prompt is still read as it is now.
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PromptDoc } from './parse.js';

/**
 * The snapshot's file name, beside the compiled loader.
 * @public scripts/snapshot-prompts.mjs (the build) imports it from dist/.
 */
export const SNAPSHOT_FILE = 'builtin-prompts.json';

/** A prompt as the snapshot keeps it: without the reading machine's absolute path and the layer. */
type SnapshotDoc = Omit<PromptDoc, 'file' | 'layer' | 'overrides'>;

/** `files`: by path relative to the built-in prompts folder (`/`-separated). */
export interface LibrarySnapshot {
  version: 1;
  files: Record<string, { sha1: string; doc: SnapshotDoc }>;
}

/** SHA-1 (hex) of a file's text: what a snapshot entry (a prompt's, a workflow's) is matched on. */
export function textHash(text: string): string {
  // The one-shot hash: a Hash object per file costs more than hashing a prompt file.
  return hash('sha1', text, 'hex');
}

/**
 * The snapshot at `url` (default: beside this module), or null when it is missing or not a
 * version-1 snapshot (running from the sources, or an old build): then every file is parsed.
 */
export function readSnapshot(
  url: URL = new URL(`./${SNAPSHOT_FILE}`, import.meta.url),
): LibrarySnapshot | null {
  return readSnapshotFile<LibrarySnapshot>(url);
}

/**
 * A build snapshot file at `url` (`{version: 1, files: {...}}`: this library's, or the built-in
 * workflows' of src/workflows/snapshot.ts), or null when it is missing, does not parse or is of
 * another version.
 */
export function readSnapshotFile<T extends { version: 1; files: object }>(url: URL): T | null {
  try {
    const s = JSON.parse(readFileSync(url, 'utf8')) as T;
    return s?.version === 1 && s.files && typeof s.files === 'object' ? s : null;
  } catch {
    return null;
  }
}

/** The snapshot entry of the file `rel` whose text is `text`, as a doc of `file`; null unless the bytes match. */
export function fromSnapshot(
  snapshot: LibrarySnapshot | null,
  rel: string,
  text: string,
  file: string,
): Omit<PromptDoc, 'layer'> | null {
  const hit = snapshot?.files[rel];
  if (!hit || hit.sha1 !== textHash(text)) return null;
  return { ...hit.doc, file };
}

/** The snapshot of `docs` (valid prompts read from under `root`), each keyed by its path relative to `root`. */
export async function buildSnapshot(root: string, docs: readonly PromptDoc[]): Promise<LibrarySnapshot> {
  const files: LibrarySnapshot['files'] = {};
  for (const { file, layer: _layer, overrides: _overrides, ...doc } of docs) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    files[rel] = { sha1: textHash(await readFile(file, 'utf8')), doc };
  }
  return { version: 1, files };
}
