/**
 * The built-in workflows' snapshot: every shipped workflow file already parsed (YAML) and checked
 * against the schema, written by the build next to the compiled loader
 * (dist/workflows/builtin-workflows.json, by scripts/snapshot-prompts.mjs), like the prompt
 * library's (src/library/snapshot.ts). The loader takes a workflow from it only when the file's
 * bytes are the ones the snapshot was made from (SHA-1 of the text), and still checks its prompt
 * names against the library of the run (./walk.ts crossIssues); any other file is parsed as
 * usual. So a forecast or a chain's start does not load the YAML parser for the feature flow.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readSnapshotFile, textHash } from '../library/snapshot.js';
import type { WorkflowFile } from './schema.js';

/**
 * The snapshot's file name, beside the compiled loader.
 * @public scripts/snapshot-prompts.mjs (the build) imports it from dist/.
 */
export const WORKFLOW_SNAPSHOT_FILE = 'builtin-workflows.json';

/** `files`: by file name in the built-in workflows folder; `doc` is the schema's output for the file. */
export interface WorkflowSnapshot {
  version: 1;
  files: Record<string, { sha1: string; doc: WorkflowFile }>;
}

/**
 * The snapshot at `url` (default: beside this module), or null when it is missing or not a
 * version-1 snapshot (running from the sources, or an old build): then every file is parsed.
 */
export function readWorkflowSnapshot(
  url: URL = new URL(`./${WORKFLOW_SNAPSHOT_FILE}`, import.meta.url),
): WorkflowSnapshot | null {
  return readSnapshotFile<WorkflowSnapshot>(url);
}

/** The parsed workflow of the file named `name` whose text is `text`; null unless the snapshot has it with these bytes. */
export function fromWorkflowSnapshot(
  snapshot: WorkflowSnapshot | null,
  name: string,
  text: string,
): WorkflowFile | null {
  const hit = snapshot && Object.hasOwn(snapshot.files, name) ? snapshot.files[name] : undefined;
  if (!hit || hit.sha1 !== textHash(text)) return null;
  // A copy: the caller's document may be changed without changing the snapshot.
  return structuredClone(hit.doc);
}

/**
 * The snapshot of the workflow files `files` (all in one folder): each valid one parsed without
 * checking prompt names (the loader checks them against the run's library). A file with an issue
 * is left out, so that the loader parses it and reports the issue; so is a document that would
 * not come back the same from JSON.
 */
export async function buildWorkflowSnapshot(files: readonly string[]): Promise<WorkflowSnapshot> {
  const { parseWorkflowFile } = await import('./parse.js');
  const out: WorkflowSnapshot = { version: 1, files: {} };
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const { doc } = parseWorkflowFile(text, file, 'built-in', null);
    if (!doc) continue;
    const { file: _file, layer: _layer, overrides: _overrides, ...data } = doc;
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(data)), data)) continue;
    out.files[path.basename(file)] = { sha1: textHash(text), doc: data };
  }
  return out;
}
