/**
 * `claude-exec patterns list|show|validate|remove`: the saved patterns of a workspace (layers
 * user < workspace, ./file.ts). Each returns data; src/cli/commands/patterns.ts renders it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import leven from 'leven';
import { UsageError, type PromptIssue } from '../errors.js';
import {
  loadPatterns,
  parsePatternFile,
  readPatternDir,
  userPatternsDir,
  workspacePatternsDir,
  type PatternDoc,
} from './file.js';

/** One pattern by name. Throws UsageError naming the closest names when there is none. */
export function findPattern(patterns: readonly PatternDoc[], name: string): PatternDoc {
  const hit = patterns.find((p) => p.name === name);
  if (hit) return hit;
  const near = [...patterns]
    .sort((a, b) => leven(a.name, name) - leven(b.name, name))
    .slice(0, 3)
    .map((p) => p.name);
  throw new UsageError(
    `no pattern named "${name}"`,
    near.length
      ? `Did you mean: ${near.join(', ')}? (\`claude-exec patterns list\`)`
      : 'No pattern is saved yet: `claude-exec save-pattern ID` saves one from a complete chain.',
  );
}

/**
 * Validates pattern files: `paths` (files or directories, relative to `cwd`), or with none both
 * layers of the workspace `cwd`. Returns `{ok, files, valid, issues}`.
 */
export async function validatePatterns(
  paths: string[],
  cwd: string,
  userDir?: string,
): Promise<{ ok: boolean; files: number; valid: number; issues: PromptIssue[] }> {
  let files = 0;
  let valid = 0;
  const issues: PromptIssue[] = [];
  const dirs = paths.length ? [] : [userDir ?? userPatternsDir(), workspacePatternsDir(cwd)];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    const stat = await fs.stat(abs).catch(() => null);
    if (!stat) issues.push({ file: p, field: 'path', problem: 'does not exist' });
    else if (stat.isDirectory()) dirs.push(abs);
    else {
      files += 1;
      const r = parsePatternFile(await fs.readFile(abs, 'utf8'), abs, 'workspace');
      issues.push(...r.issues);
      if (r.doc) valid += 1;
    }
  }
  for (const dir of dirs) {
    const r = await readPatternDir(dir, 'workspace');
    files += r.files;
    valid += r.docs.length;
    issues.push(...r.issues);
  }
  const rel = (f: string) => {
    const r = path.relative(cwd, f);
    return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : f;
  };
  return { ok: issues.length === 0, files, valid, issues: issues.map((i) => ({ ...i, file: rel(i.file) })) };
}

/**
 * Removes pattern `name` (the file of the layer that wins: the workspace one when both have it).
 * Throws UsageError for an unknown name.
 */
export async function removePattern(
  cwd: string,
  name: string,
  userDir?: string,
): Promise<{ name: string; file: string; layer: PatternDoc['layer'] }> {
  const { patterns } = await loadPatterns(cwd, { userDir });
  const p = findPattern(patterns, name);
  await fs.rm(p.file);
  return { name: p.name, file: p.file, layer: p.layer };
}
