/**
 * The built-in library's snapshot (src/library/snapshot.ts): a prompt comes from it only when the
 * file's bytes are the ones it was made from, and the loader then returns exactly what parsing
 * the file returns.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { buildSnapshot, textHash, type LibrarySnapshot } from '../../src/library/snapshot.js';

const PROMPT = `---
name: tidy_imports
purpose: Sort and group the imports of the files the chain touched
good_for:
  - Keeping diffs small
  - Matching the house style
  - Removing unused imports
uncertainty_reduction:
  - Which import style the project uses
  - Whether a formatter already does it
example_context_needs:
  - The formatter configuration
cost_estimate: low
---
Sort the imports of {{goal}}.
`;

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function library(): Promise<{ root: string; file: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ce-snapshot-'));
  dirs.push(root);
  await mkdir(path.join(root, 'quality'));
  const file = path.join(root, 'quality', 'tidy_imports.md');
  await writeFile(file, PROMPT);
  return { root, file };
}

describe('the built-in library snapshot', () => {
  it('gives the same docs as parsing every built-in file', async () => {
    const root = builtinPromptsDir();
    const parsed = await readPromptDir(root, 'built-in', null);
    const snapshot = await buildSnapshot(root, parsed.docs);
    expect(Object.keys(snapshot.files)).toHaveLength(parsed.docs.length);
    const fromSnapshot = await readPromptDir(root, 'built-in', snapshot);
    expect(fromSnapshot).toEqual(parsed);
  });

  it('is used only for a file whose bytes match it', async () => {
    const { root } = await library();
    const real = await buildSnapshot(root, (await readPromptDir(root, 'built-in', null)).docs);
    const entry = real.files['quality/tidy_imports.md']!;
    const marked: LibrarySnapshot = {
      version: 1,
      files: { 'quality/tidy_imports.md': { ...entry, doc: { ...entry.doc, purpose: 'from the snapshot' } } },
    };
    expect((await readPromptDir(root, 'built-in', marked)).docs[0]?.purpose).toBe('from the snapshot');
    // The file changed since: its entry no longer matches, and the file is parsed.
    const stale: LibrarySnapshot = {
      version: 1,
      files: {
        'quality/tidy_imports.md': {
          sha1: textHash('another text'),
          doc: marked.files['quality/tidy_imports.md']!.doc,
        },
      },
    };
    const r = await readPromptDir(root, 'built-in', stale);
    expect(r.docs[0]?.purpose).toBe('Sort and group the imports of the files the chain touched');
  });

  it('reports an invalid file as an issue even when an old snapshot had it', async () => {
    const { root, file } = await library();
    const snapshot = await buildSnapshot(root, (await readPromptDir(root, 'built-in', null)).docs);
    await writeFile(file, PROMPT.replace('cost_estimate: low', 'cost_estimate: cheap'));
    const r = await readPromptDir(root, 'built-in', snapshot);
    expect(r.docs).toEqual([]);
    expect(r.issues.map((i) => i.field)).toContain('cost_estimate');
  });

  const built = path.resolve(import.meta.dirname, '../../dist/library/builtin-prompts.json');
  it.skipIf(!existsSync(built))('the build wrote a snapshot of the shipped prompts as they are', async () => {
    const root = builtinPromptsDir();
    const expected = await buildSnapshot(root, (await readPromptDir(root, 'built-in', null)).docs);
    expect(JSON.parse(readFileSync(built, 'utf8'))).toEqual(expected);
  });
});
