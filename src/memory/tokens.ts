/**
 * Token estimates for the memory budget (pure). An ESTIMATE, not a count: UTF-8 bytes / 4,
 * rounded up — the usual ~4 characters per token of English text and code, and the same rule the
 * project's fake Messages API counts with, so budgets and measured request sizes agree in tests.
 */

/** Estimated tokens of `text` (ceil(UTF-8 bytes / 4)). */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

/** `text` cut to at most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max).trimEnd()}…` : text;
}

/** Whitespace runs (newlines included) collapsed to one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
