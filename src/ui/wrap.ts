/** Word wrapping for terminal lines. Pure. */

/**
 * Pure: `text` as lines of at most `width` characters broken between words (a word longer than
 * `width` stays whole on its own line), each line after `indent`.
 */
export function wrapBelow(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const w of para.split(/\s+/).filter(Boolean)) {
      if (line && [...line].length + 1 + [...w].length > width) {
        out.push(indent + line);
        line = w;
      } else line = line ? `${line} ${w}` : w;
    }
    if (line) out.push(indent + line);
  }
  return out;
}
