/**
 * The one terminal sanitizer. Every line the CLI writes to a terminal passes through
 * `sanitizeTerminal` at the ui's write points (src/cli/io.ts, ./terminal.ts, ./progress.ts,
 * commander's output), because goals, summaries, questions, prompt names and test output come
 * from the model or the workspace, and a terminal obeys what it is sent: OSC 52 writes the
 * clipboard, OSC 0 the window title, CSI clears the screen or moves the cursor over what was
 * printed, bidi overrides reorder text.
 *
 * Removed: every escape sequence (CSI, OSC, DCS, SOS, PM, APC and two-byte ESC sequences, with
 * their parameters), 8-bit C1 controls (U+0080–U+009F, again with a CSI's or OSC's parameters),
 * every other C0 control and DEL, a lone carriage return (`\r\n` becomes `\n`), and the Unicode
 * bidi embedding, override and isolate marks. Kept: `\n`, `\t`, printable text, and, only with
 * `keepColors`, SGR sequences (`ESC [ digits ; … m`), which set colours and nothing else.
 */

/* eslint-disable no-control-regex */
const CONTROL = new RegExp(
  [
    '\\x1b\\[[0-?]*[ -/]*[@-~]', // CSI … final byte
    '\\x9b[0-?]*[ -/]*[@-~]', // 8-bit CSI
    '\\x1b[\\]PX^_][\\s\\S]*?(?:\\x07|\\x1b\\\\|\\x9c)', // OSC / DCS / SOS / PM / APC … BEL or ST
    '[\\x90\\x98\\x9d\\x9e\\x9f][\\s\\S]*?(?:\\x07|\\x1b\\\\|\\x9c)', // the same, 8-bit
    '\\x1b[ -/]*[0-~]?', // any other ESC sequence (an unterminated one: the ESC alone)
    // C0 but \n and \t (a carriage return rewrites the line; `\r\n` keeps its \n), DEL, C1, bidi marks
    '[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]',
  ].join('|'),
  'g',
);
const SGR = /^\x1b\[[0-9;:]*m$/;
/* eslint-enable no-control-regex */

/**
 * Pure: `text` with every terminal control sequence and control character removed except `\n`
 * and `\t` (`\r\n` → `\n`). With `keepColors`, SGR colour sequences stay (our own colours; a
 * colour cannot write the clipboard, the title or move the cursor).
 */
export function sanitizeTerminal(text: string, opts: { keepColors?: boolean } = {}): string {
  return text.replace(CONTROL, (seq) => (opts.keepColors && SGR.test(seq) ? seq : ''));
}

/**
 * Pure: a JSON text with the characters JSON.stringify leaves raw but a terminal obeys (DEL,
 * C1 controls, bidi marks) written as `\uXXXX` escapes: the same JSON value, safe to print.
 */
export function escapeJsonControls(json: string): string {
  return json.replace(
    /[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
