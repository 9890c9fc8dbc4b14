/**
 * Pure helpers for what tools send back to the model: byte caps (limits.tool_output_bytes)
 * and binary detection.
 */
import { FATAL_FS_CODES, FileSystemError } from '../errors.js';

/**
 * Keeps the first `maxBytes` bytes of `text` (UTF-8), cut at the last full line that fits when
 * there is one, and says how much was left out. Returns `text` unchanged when it fits.
 */
export function capHead(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return { text, truncated: false };
  let kept = buf
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  const lastNewline = kept.lastIndexOf('\n');
  if (lastNewline > 0) kept = kept.slice(0, lastNewline + 1);
  return { text: kept, truncated: true };
}

/**
 * Keeps the last `maxBytes` bytes of `text` (UTF-8), starting at a line boundary when there is
 * one; used for test output, whose end (the summary, the failures) matters most.
 */
export function capTail(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return { text, truncated: false };
  const start = buf.length - maxBytes;
  let kept = buf
    .subarray(start)
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
  const firstNewline = kept.indexOf('\n');
  const cutMidLine = buf[start - 1] !== 0x0a;
  if (cutMidLine && firstNewline >= 0 && firstNewline < kept.length - 1) kept = kept.slice(firstNewline + 1);
  return { text: kept, truncated: true };
}

/** Same heuristic as git: a NUL byte in the first 8,000 bytes means binary. */
export function looksBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

/**
 * Runs a tool body and turns a file-system error the model can react to (EACCES, EISDIR, ENOENT,
 * …: anything with an `E…` code) into an error outcome. A full disk, a quota, a read-only file
 * system or a short write (`FATAL_FS_CODES`) is not the model's to fix: it propagates and stops
 * the chain, as do other errors (an `AwaitingInputError` from an approver, a bug).
 */
export async function fsErrorsAsOutcome(
  label: string,
  body: () => Promise<{ content: string; isError?: boolean }>,
): Promise<{ content: string; isError?: boolean }> {
  try {
    return await body();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && !FATAL_FS_CODES.has(code)) {
      return { content: `${label}: ${code}: ${(err as Error).message}`, isError: true };
    }
    if (typeof code === 'string' && FATAL_FS_CODES.has(code) && !(err instanceof FileSystemError)) {
      throw new FileSystemError('write', label, code, { cause: err });
    }
    throw err;
  }
}
