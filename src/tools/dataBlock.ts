/**
 * Workspace text is data (DESIGN §5b, §7): file contents, listings, search hits, test output and
 * diffs reach the model inside labelled, delimited blocks, and the phase controller's standing
 * orders say that text inside them is never an instruction. Pure.
 *
 *   <workspace_file path="src/app.js" lines="1-63">
 *   …the file's text…
 *   </workspace_file>
 *
 * A closing tag of the same kind inside the text (`</workspace_file`, any case) is escaped as
 * `<\/workspace_file`, so planted text cannot end the block early and speak as the orchestrator.
 * Attribute values are escaped as in XML (`&`, `<`, `>`, `"`).
 */

/** The kinds of data block; each names where its text came from. */
export type DataBlockKind =
  | 'workspace_file'
  | 'workspace_listing'
  | 'search_results'
  | 'test_output'
  | 'check_output'
  | 'diff'
  | 'mcp_result'
  | 'repository_map';

const escapeAttr = (v: string): string =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Pure: `text` with every closing tag of `kind` escaped (see the module doc). */
export function escapeClosingTag(kind: DataBlockKind, text: string): string {
  return text.replace(new RegExp(`</(${kind})`, 'gi'), '<\\/$1');
}

/**
 * Pure: `text` wrapped in a `<kind attr="…">` block. `attrs` label the source (path, command,
 * pattern); undefined values are left out. The text starts on the line after the opening tag and
 * the closing tag has a line of its own.
 */
export function dataBlock(
  kind: DataBlockKind,
  attrs: Record<string, string | number | undefined>,
  text: string,
): string {
  const attributes = Object.entries(attrs)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');
  const body = escapeClosingTag(kind, text);
  return `<${kind}${attributes}>\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}</${kind}>`;
}
