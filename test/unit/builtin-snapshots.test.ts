/**
 * The build's snapshots of the built-in workflows (src/workflows/snapshot.ts) and of the default
 * rules block (src/config/rulesBlock.ts): an entry is used only for the exact bytes it was made
 * from, a stale one is not, and what comes from a snapshot equals what parsing gives.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rulesOverrides } from '../../src/config/load.js';
import type { RulesBlockSnapshot } from '../../src/config/rulesBlock.js';
import { loadLibrary } from '../../src/library/load.js';
import { textHash } from '../../src/library/snapshot.js';
import { builtinWorkflowsDir, readWorkflowFiles, workflowFilesIn } from '../../src/workflows/load.js';
import { buildWorkflowSnapshot, type WorkflowSnapshot } from '../../src/workflows/snapshot.js';

const root = path.resolve(import.meta.dirname, '../..');
const WORKFLOW = `name: review_only
description: Review the change
steps:
  - prompt: code_reviewer
  - gate: approval
`;
const known = new Set(['code_reviewer', 'status_reporter']);
const prompts = { has: (n: string) => known.has(n) };

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function workflowFile(text = WORKFLOW): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ce-wf-snapshot-'));
  dirs.push(dir);
  const file = path.join(dir, 'review_only.yaml');
  await writeFile(file, text);
  return file;
}

/** `real` with its one entry's description replaced, so that a doc taken from it can be told apart. */
function marked(real: WorkflowSnapshot, sha1?: string): WorkflowSnapshot {
  const entry = real.files['review_only.yaml']!;
  return {
    version: 1,
    files: {
      'review_only.yaml': {
        sha1: sha1 ?? entry.sha1,
        doc: { ...entry.doc, description: 'from the snapshot' },
      },
    },
  };
}

describe('the built-in workflows snapshot', () => {
  it('gives the same workflows and issues as parsing every built-in file', async () => {
    const files = await workflowFilesIn(builtinWorkflowsDir());
    const snapshot = await buildWorkflowSnapshot(files);
    expect(Object.keys(snapshot.files).length).toBe(files.length);
    const parsed = await readWorkflowFiles(files, 'built-in', prompts, null);
    expect(await readWorkflowFiles(files, 'built-in', prompts, snapshot)).toEqual(parsed);
    // Prompt names are checked against the library of the run, not the build's.
    expect(parsed.issues.length).toBeGreaterThan(0);
    const { catalog } = await loadLibrary({ workspace: root, workspaceLayer: false });
    const library = { has: (n: string) => catalog.get(n) !== undefined };
    const all = await readWorkflowFiles(files, 'built-in', library, null);
    expect(all.docs).toHaveLength(files.length);
    expect(await readWorkflowFiles(files, 'built-in', library, snapshot)).toEqual(all);
  });

  it('is used only for a file whose bytes match it', async () => {
    const file = await workflowFile();
    const real = await buildWorkflowSnapshot([file]);
    const used = await readWorkflowFiles([file], 'built-in', prompts, marked(real));
    expect(used.docs[0]?.description).toBe('from the snapshot');
    expect(used.docs[0]).toMatchObject({ file, layer: 'built-in', overrides: [] });
    // The file changed since the snapshot was made: its entry no longer matches, the file is parsed.
    const stale = marked(real, textHash('another text'));
    const r = await readWorkflowFiles([file], 'built-in', prompts, stale);
    expect(r.docs[0]?.description).toBe('Review the change');
  });

  it('still checks the prompt names of a workflow taken from it', async () => {
    const file = await workflowFile();
    const snapshot = await buildWorkflowSnapshot([file]);
    const r = await readWorkflowFiles([file], 'built-in', { has: () => false }, snapshot);
    expect(r.docs).toEqual([]);
    expect(r.issues).toEqual([
      { file, field: 'steps.0.prompt', problem: 'no prompt "code_reviewer" in the library' },
    ]);
  });

  it('leaves out a file with an issue, which is then parsed and reported', async () => {
    const file = await workflowFile(`${WORKFLOW}  - bogus: 1\n`);
    expect((await buildWorkflowSnapshot([file])).files).toEqual({});
  });

  it('as the build wrote it, matches the shipped files', async () => {
    const built = path.join(root, 'dist/workflows/builtin-workflows.json');
    if (!existsSync(built)) return; // no build in this checkout
    const files = await workflowFilesIn(builtinWorkflowsDir());
    expect(JSON.parse(readFileSync(built, 'utf8'))).toEqual(await buildWorkflowSnapshot(files));
  });
});

describe('the default rules block snapshot', () => {
  const block = 'thresholds:\n  overall_confidence: 0.7\n';
  const rules = (b: string) => `# Rules\n\n\`\`\`claude-exec\n${b}\`\`\`\n`;
  const snapshot: RulesBlockSnapshot = {
    version: 1,
    block,
    data: { thresholds: { overall_confidence: 0.55 } },
  };

  it('gives its values for a block of exactly its text, and a copy each time', () => {
    const a = rulesOverrides(rules(block), 'project_rules.md', snapshot);
    expect(a).toEqual({ thresholds: { overall_confidence: 0.55 } });
    (a.thresholds as Record<string, number>).overall_confidence = 0.1;
    expect(rulesOverrides(rules(block), 'project_rules.md', snapshot)).toEqual(snapshot.data);
  });

  it('is not used for any other block: that one is parsed', () => {
    const edited = 'thresholds:\n  overall_confidence: 0.75\n';
    expect(rulesOverrides(rules(edited), 'project_rules.md', snapshot)).toEqual({
      thresholds: { overall_confidence: 0.75 },
    });
    expect(rulesOverrides(rules(block), 'project_rules.md', null)).toEqual({
      thresholds: { overall_confidence: 0.7 },
    });
  });

  it('as the build wrote it, equals the parse of the package rules block', () => {
    const built = path.join(root, 'dist/config/rules-block.json');
    if (!existsSync(built)) return; // no build in this checkout
    const s = JSON.parse(readFileSync(built, 'utf8')) as RulesBlockSnapshot;
    const text = readFileSync(path.join(root, 'project_rules.md'), 'utf8');
    expect(text).toContain(`\`\`\`claude-exec\n${s.block}\`\`\``);
    expect(s.data).toEqual(rulesOverrides(text, 'project_rules.md', null));
  });
});
