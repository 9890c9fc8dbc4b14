/**
 * What code a step is shown beside its memory (the I/O half of src/memory/codeView.ts):
 *
 * - a step that writes code in implementation (test_generator, tdd_flow_controller, …) gets the
 *   current text of every file of the approved plan and every test written so far;
 * - a step that judges the change once code was written (code_reviewer, security_scanner, the
 *   quality gates, deployment_checker, pr_description_writer, …) gets the diff of every file the
 *   chain changed against its pre-implementation checkpoint — new and deleted files included —
 *   or, without git, against the originals the chain kept.
 *
 * Files are read through the same path guard as the tools (`.env*`, `.git/`, symlinks leaving the
 * workspace are refused), so nothing reaches the model here that `read_file` would not give it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { ChainContext, Phase } from '../chain/schema.js';
import type { PromptDoc } from '../library/parse.js';
import { approvedSolution, currentSolution } from '../memory/fold.js';
import { renderDiffView, renderFilesView, type FileDiff, type ViewedFile } from '../memory/codeView.js';
import { readAtRef } from '../tools/git.js';
import { resolveInWorkspace } from '../tools/pathGuard.js';
import { originalsDir } from './originals.js';

/** Budgets of the two views, in UTF-8 bytes (config limits.code_view_bytes / diff_view_bytes). */
export interface CodeViewLimits {
  codeViewBytes: number;
  diffViewBytes: number;
}

/** Files larger than this are never read into a request (they are named instead). */
const MAX_FILE_BYTES = 256_000;

/** The file's text as the tools would read it, or why it is not shown. */
async function readViewed(root: string, rel: string): Promise<{ text: string | null; absent?: string }> {
  const check = await resolveInWorkspace(root, rel);
  if (!check.ok) return { text: null, absent: `refused: ${check.reason}` };
  const buf = await readFile(check.abs).catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' ? null : err,
  );
  if (buf === null) return { text: null, absent: 'does not exist yet' };
  if (buf instanceof Error) return { text: null, absent: `unreadable (${buf.message})` };
  if (buf.length > MAX_FILE_BYTES)
    return {
      text: null,
      absent: `${buf.length.toLocaleString('en-US')} bytes, too large to show — read it with read_file`,
    };
  if (buf.includes(0)) return { text: null, absent: 'binary' };
  return { text: buf.toString('utf8') };
}

/** Whether `doc` writes code in `phase` (it then sees the files; a reviewer sees the diff). */
function writesCode(doc: PromptDoc, phase: Phase): boolean {
  return doc.tools === 'write' && phase === 'implementation';
}

/**
 * The files section for a code-writing step: the approved plan's files (created and modified ones;
 * deleted ones named), then the tests written so far, each once. "" when there are none.
 */
async function filesInView(ctx: ChainContext, budgetBytes: number): Promise<string> {
  const solution = approvedSolution(ctx) ?? currentSolution(ctx);
  const wanted: { path: string; why: string }[] = [];
  const seen = new Set<string>();
  const want = (p: string, why: string) => {
    const key = path.posix.normalize(p.replace(/\\/g, '/'));
    if (seen.has(key)) return;
    seen.add(key);
    wanted.push({ path: key, why });
  };
  for (const t of ctx.session_memory.tests_written) want(t, 'test written in this chain');
  for (const f of solution?.file_plan ?? []) want(f.path, `plan: ${f.action}`);
  for (const f of ctx.session_memory.files_modified) want(f, 'changed in this chain');
  const files: ViewedFile[] = [];
  for (const w of wanted) {
    const planned = solution?.file_plan?.find((f) => f.path === w.path);
    if (planned?.action === 'delete') {
      files.push({ ...w, text: null, absent: 'to be deleted' });
      continue;
    }
    files.push({ ...w, ...(await readViewed(ctx.workspace, w.path)) });
  }
  return renderFilesView(files, budgetBytes);
}

/**
 * The diffs of every file the chain changed (session_memory.files_modified) against what it was
 * before implementation: the git checkpoint, else the originals kept beside the context file.
 * Files whose earlier text is unknown (no checkpoint, no original) are left out.
 */
async function chainDiffs(
  ctx: ChainContext,
  contextFile: string,
): Promise<{ diffs: FileDiff[]; base: string }> {
  const checkpoint = ctx.checkpoints.find((k) => k.phase === 'implementation');
  const base = checkpoint
    ? `against the checkpoint ${checkpoint.git_ref}`
    : 'against the originals kept before the first change';
  const diffs: FileDiff[] = [];
  for (const rel of [...new Set(ctx.session_memory.files_modified)]) {
    let before: string | null | undefined;
    if (checkpoint) before = await readAtRef(ctx.workspace, checkpoint.git_ref, rel);
    else {
      const kept = ctx.originals.find((o) => o.path === rel);
      if (!kept) continue;
      before = kept.existed
        ? await readFile(path.join(originalsDir(contextFile), rel), 'utf8').catch(() => undefined)
        : null;
    }
    if (before === undefined) continue;
    const now = await readViewed(ctx.workspace, rel);
    if (now.text === null && now.absent !== 'does not exist yet') continue;
    const after = now.text;
    if (before === after) continue;
    const change = before === null ? 'created' : after === null ? 'deleted' : 'modified';
    const patch = createTwoFilesPatch(
      before === null ? '/dev/null' : `a/${rel}`,
      after === null ? '/dev/null' : `b/${rel}`,
      before ?? '',
      after ?? '',
      '',
      '',
      { context: 3 },
    );
    // The "Index:"/"====" preamble of the diff package is noise for the reader.
    diffs.push({ path: rel, change, patch: patch.replace(/^(?:Index: .*\n)?=+\n/, '') });
  }
  return { diffs, base };
}

/**
 * The code section appended to a step's first message, or "": the files for a step that writes
 * code in implementation, the diff for any other step in implementation or deployment readiness
 * once the chain has changed files.
 */
export async function codeInView(
  ctx: ChainContext,
  contextFile: string,
  doc: PromptDoc,
  phase: Phase,
  limits: CodeViewLimits,
): Promise<string> {
  if (phase !== 'implementation' && phase !== 'deployment-readiness') return '';
  if (writesCode(doc, phase)) return filesInView(ctx, limits.codeViewBytes);
  if (!ctx.session_memory.files_modified.length) return '';
  const { diffs, base } = await chainDiffs(ctx, contextFile);
  return renderDiffView(diffs, limits.diffViewBytes, base);
}
