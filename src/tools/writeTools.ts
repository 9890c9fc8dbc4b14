/**
 * Write tools: write_file and edit_file. Each change is shown as a unified diff to an injected
 * approver (the app decides: `--yes`, a terminal prompt, or an `AwaitingInputError`, which
 * propagates), then written durably (src/durable.ts: temp file, every byte checked, fsync, rename).
 * A rejection goes back to the model as an error outcome carrying the human's reason.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { z } from 'zod';
import { writeFileDurableSync } from '../durable.js';
import type { ParseOutcome } from './parseCheck.js';
import { resolveInWorkspace } from './pathGuard.js';
import { fsErrorsAsOutcome, looksBinary } from './text.js';
import type { AgentTool, ToolOutcome } from './types.js';

/** A file change awaiting approval; `diff` is a unified diff (`a/<path>` → `b/<path>`). */
export interface ProposedChange {
  /** `/`-separated, relative to the workspace root. */
  path: string;
  diff: string;
  isNew: boolean;
}

export type ApprovalDecision = { approved: true } | { approved: false; reason: string };

/** Decides on a change; may throw (e.g. `AwaitingInputError`), which the tool lets propagate. */
export type ApproveChange = (change: ProposedChange) => Promise<ApprovalDecision>;

/** Called after a change was written, e.g. to record it in `session_memory.files_modified`. */
/** After a write; `unchanged`: write_file was given the content the file already has (nothing was written). */
export type OnWritten = (
  relPath: string,
  info: { isTest: boolean; unchanged?: boolean },
) => void | Promise<void>;

/**
 * Asked before a change is shown for approval (before_file_change hooks): a string refuses the
 * change and is the reason the model is given; null lets it go on to approval.
 */
export type BeforeChange = (
  change: ProposedChange & { tool: 'write_file' | 'edit_file' },
) => Promise<string | null>;

export interface WriteToolContext {
  root: string;
  approve: ApproveChange;
  onWritten: OnWritten;
  beforeChange?: BeforeChange;
  /**
   * Checks a written file still parses (./parseCheck.ts). A problem keeps the write and makes the
   * tool result an error naming line:col, so the model fixes it; a note is appended to the result.
   */
  parseCheck?: (rel: string, text: string) => Promise<ParseOutcome>;
}

export const WriteFileInput = z.object({
  path: z
    .string()
    .min(1)
    .describe('File path relative to the workspace root; missing directories are created.'),
  content: z.string().describe('The complete new content of the file.'),
});
export type WriteFileInput = z.infer<typeof WriteFileInput>;

export const EditFileInput = z.object({
  path: z.string().min(1).describe('Existing file, relative to the workspace root.'),
  old_string: z
    .string()
    .min(1)
    .describe('Exact text to replace, whitespace included; must occur exactly once in the file.'),
  new_string: z.string().describe('Replacement text.'),
});
export type EditFileInput = z.infer<typeof EditFileInput>;

/**
 * Pure: is this a test file? True under a `test/`, `tests/`, `__tests__/` or `spec/` directory, or
 * when the name follows a runner's convention: `*.test.*` / `*.spec.*` (JavaScript), `test_*.py` /
 * `*_test.py` (pytest), `*_test.go` (go test), `*_spec.rb` / `*_test.rb` (RSpec, minitest),
 * `*Test.java` / `*Tests.java` / `*Test.kt` (JUnit), `*Tests.cs` / `*Test.cs` (.NET), `*Test.php` (PHPUnit).
 */
export function isTestPath(relPath: string): boolean {
  const segments = relPath.split(/[\\/]/);
  const base = segments.pop() ?? '';
  if (segments.some((s) => s === 'test' || s === 'tests' || s === '__tests__' || s === 'spec')) return true;
  return (
    /\.(test|spec)\./.test(base) ||
    /^test_.*\.py$|_test\.(py|go|rb)$|_spec\.rb$|Tests?\.(java|kt|cs|php)$/.test(base)
  );
}

/** Pure: occurrences of `needle` in `haystack`, overlapping ones included (so "aa" in "aaa" is 2). */
export function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) count++;
  return count;
}

const fail = (content: string): ToolOutcome => ({ content, isError: true });

/** write_file: create a file or replace its whole content. */
export function writeFileTool(ctx: WriteToolContext): AgentTool<WriteFileInput> {
  return {
    name: 'write_file',
    description:
      'Create a file or replace its entire content. The change is shown to the user as a diff and applied only if ' +
      'approved; a rejection returns the reason, so adapt and try again. Prefer edit_file for changing part of an ' +
      'existing file. Files under .git/ and secrets files (.env, .env.*) cannot be written; use .env.example.',
    inputSchema: WriteFileInput,
    pathArgs: ['path'],
    run(input) {
      return fsErrorsAsOutcome(input.path ?? '.', async () => {
        const target = await resolveInWorkspace(ctx.root, input.path);
        if (!target.ok) return fail(`${input.path}: ${target.reason}`);
        let before = '';
        if (target.exists) {
          if ((await stat(target.abs)).isDirectory()) return fail(`${target.rel} is a directory`);
          const buf = await readFile(target.abs);
          if (looksBinary(buf))
            return fail(`${target.rel} is a binary file; it cannot be replaced with write_file`);
          before = buf.toString('utf8');
          if (before === input.content) {
            // The file is as the model wants it (a test already in place counts as written for the red run).
            await ctx.onWritten(target.rel, { isTest: isTestPath(target.rel), unchanged: true });
            return { content: `${target.rel} already has this content; nothing written` };
          }
        }
        return applyChange(
          ctx,
          'write_file',
          target.abs,
          target.rel,
          target.exists ? before : null,
          input.content,
        );
      });
    },
  };
}

/** edit_file: replace one exact, unique occurrence of a string in an existing file. */
export function editFileTool(ctx: WriteToolContext): AgentTool<EditFileInput> {
  return {
    name: 'edit_file',
    description:
      'Replace one exact occurrence of old_string with new_string in an existing file. old_string must match the ' +
      'file byte for byte (copy it from read_file output without the line-number prefix) and occur exactly once; ' +
      'include surrounding lines to make it unique. The change is shown to the user as a diff and applied only if ' +
      'approved; a rejection returns the reason.',
    inputSchema: EditFileInput,
    pathArgs: ['path'],
    run(input) {
      return fsErrorsAsOutcome(input.path ?? '.', async () => {
        const target = await resolveInWorkspace(ctx.root, input.path);
        if (!target.ok) return fail(`${input.path}: ${target.reason}`);
        if (!target.exists) return fail(`${target.rel}: file not found; use write_file to create a file`);
        if ((await stat(target.abs)).isDirectory()) return fail(`${target.rel} is a directory`);
        const buf = await readFile(target.abs);
        if (looksBinary(buf)) return fail(`${target.rel} is a binary file`);
        const before = buf.toString('utf8');
        if (input.old_string === input.new_string)
          return fail('old_string and new_string are identical; nothing to change');
        const count = countOccurrences(before, input.old_string);
        if (count === 0) {
          return fail(
            `old_string was not found in ${target.rel}; read the file again and copy the exact text, whitespace included`,
          );
        }
        if (count > 1) {
          return fail(
            `old_string occurs ${count} times in ${target.rel}; include more surrounding lines so it matches exactly once`,
          );
        }
        const at = before.indexOf(input.old_string);
        const after = before.slice(0, at) + input.new_string + before.slice(at + input.old_string.length);
        return applyChange(ctx, 'edit_file', target.abs, target.rel, before, after);
      });
    },
  };
}

/** Diff → before-change check → approval → (unchanged since read?) → atomic write → onWritten → parse check. `before` null = new file. */
async function applyChange(
  ctx: WriteToolContext,
  tool: 'write_file' | 'edit_file',
  abs: string,
  rel: string,
  before: string | null,
  after: string,
): Promise<ToolOutcome> {
  const isNew = before === null;
  const diff = createTwoFilesPatch(isNew ? '/dev/null' : `a/${rel}`, `b/${rel}`, before ?? '', after);
  const refused = ctx.beforeChange ? await ctx.beforeChange({ path: rel, diff, isNew, tool }) : null;
  if (refused !== null)
    return fail(`the change to ${rel} was blocked by a before_file_change hook: ${refused}`);
  const decision = await ctx.approve({ path: rel, diff, isNew });
  if (!decision.approved) {
    return fail(`the change to ${rel} was rejected by the user: ${decision.reason || '(no reason given)'}`);
  }
  // The human may have edited the file while the approval was pending; never overwrite that.
  const now = await readFile(abs, 'utf8').catch(() => null);
  if (now !== before)
    return fail(
      `${rel} changed on disk while the change awaited approval; read it again and redo the change`,
    );
  await mkdir(path.dirname(abs), { recursive: true });
  writeFileDurableSync(abs, after);
  await ctx.onWritten(rel, { isTest: isTestPath(rel) });
  const stats = diffStats(diff);
  const done = `${isNew ? 'created' : 'updated'} ${rel} (+${stats.added} -${stats.removed} lines)`;
  const parsed = ctx.parseCheck ? await ctx.parseCheck(rel, after) : { ok: true as const };
  if (!parsed.ok)
    return fail(
      `${done}, but it no longer parses: ${rel}:${parsed.problem}. The write was kept; fix the file (edit_file) before anything else.`,
    );
  return { content: parsed.note ? `${done} (${parsed.note})` : done };
}

function diffStats(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  const lines = diff.split('\n');
  for (const line of lines.slice(lines.findIndex((l) => l.startsWith('@@')))) {
    if (line.startsWith('+')) added++;
    else if (line.startsWith('-')) removed++;
  }
  return { added, removed };
}
