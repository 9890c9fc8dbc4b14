/**
 * The code a step is shown beside its memory (pure): the current text of the files an
 * implementation step works on, or the diff a review step judges. Files and diffs are workspace
 * text, so they reach the model inside labelled data blocks (src/tools/dataBlock.ts).
 *
 * Both views have a byte budget (config `limits.code_view_bytes`, `limits.diff_view_bytes`): files
 * are taken in the order given until the budget is spent; the rest are named with a hint to read
 * them with `read_file`. A diff longer than its share is cut at a line boundary with a note.
 */
import { dataBlock } from '../tools/dataBlock.js';

/** One file as read from the workspace: its text, or why it is not shown. */
export interface ViewedFile {
  /** Workspace-relative path. */
  path: string;
  /** The file's text; null when it does not exist (yet) or cannot be shown. */
  text: string | null;
  /** Why `text` is null: "does not exist yet", "binary", "refused: …". */
  absent?: string;
  /** Why the file is in view: "plan: modify", "test written". */
  why: string;
}

/** One changed file: its unified diff against the checkpoint. */
export interface FileDiff {
  path: string;
  /** "created", "modified" or "deleted". */
  change: 'created' | 'modified' | 'deleted';
  /** Unified diff text (---/+++ headers and hunks). */
  patch: string;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** `text` cut to at most `max` UTF-8 bytes at a line boundary (a lone long line is cut mid-line). */
function cutAtLine(text: string, max: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  const head = buf
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  const nl = head.lastIndexOf('\n');
  return nl > max / 2 ? head.slice(0, nl + 1) : head;
}

/**
 * Pure: the files section of an implementation request. Every file of `files` whose text fits
 * what is left of `budgetBytes` is shown whole in a `<workspace_file>` block; a file that does not
 * fit is named with a `read_file` hint (never cut: half a file invites edits against lines that are
 * not shown). Files without text are listed with the reason. Returns "" for no files.
 */
export function renderFilesView(files: ViewedFile[], budgetBytes: number): string {
  if (!files.length) return '';
  const shown: string[] = [];
  const named: string[] = [];
  let left = budgetBytes;
  for (const f of files) {
    if (f.text === null) {
      named.push(`- ${f.path} (${f.why}): ${f.absent ?? 'not shown'}`);
      continue;
    }
    const lines = f.text === '' ? 0 : f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0);
    const block = dataBlock(
      'workspace_file',
      { path: f.path, lines: lines ? `1-${lines}` : undefined },
      f.text,
    );
    if (bytes(block) > left) {
      named.push(
        `- ${f.path} (${f.why}): ${bytes(f.text).toLocaleString('en-US')} bytes, not shown to stay within ${budgetBytes.toLocaleString('en-US')} bytes — read it with read_file`,
      );
      continue;
    }
    left -= bytes(block);
    shown.push(`${f.path} (${f.why}):\n${block}`);
  }
  const out = ['## The code you work on (current text, read from the workspace when this step started)'];
  if (shown.length) out.push('', ...shown.flatMap((s) => [s, '']));
  if (named.length) out.push(shown.length ? 'Not shown above:' : '', ...named);
  return out.join('\n').trimEnd();
}

/**
 * Pure: the diff section of a review request — every file the chain changed since its checkpoint,
 * in one `<diff>` block per file. Each file gets an equal share of what is left of `budgetBytes`
 * (smaller diffs first, so their unused share goes to the larger ones); a diff over its share is cut
 * with a note naming how much was left out. Returns "" when nothing changed.
 */
export function renderDiffView(diffs: FileDiff[], budgetBytes: number, base: string): string {
  if (!diffs.length) return '';
  const order = [...diffs].sort((a, b) => bytes(a.patch) - bytes(b.patch));
  const blocks = new Map<string, string>();
  let left = budgetBytes;
  order.forEach((d, i) => {
    const share = Math.floor(left / (order.length - i));
    const whole = bytes(d.patch);
    const cut = whole <= share ? d.patch : cutAtLine(d.patch, Math.max(0, share - 120));
    const more = (whole - bytes(cut)).toLocaleString('en-US');
    const text =
      whole <= share
        ? d.patch
        : `${cut}… diff cut: ${more} more bytes (read_file ${d.path} for the current text)\n`;
    left -= bytes(text);
    blocks.set(d.path, dataBlock('diff', { path: d.path, change: d.change }, text));
  });
  const summary = diffs.map((d) => `${d.change} ${d.path}`).join(', ');
  return [
    `## The change under review (${base}; ${diffs.length} file${diffs.length === 1 ? '' : 's'}: ${summary})`,
    '',
    ...diffs.map((d) => blocks.get(d.path)!),
  ].join('\n');
}
