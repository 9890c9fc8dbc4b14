/**
 * Prompts the model writes (prompt_generator's `new_prompt.markdown`): validated with the same
 * rules as every prompt file, refused when the name is taken, and saved to
 * `<workspace>/prompts/custom/<name>.md` without ever replacing a file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { writeFileDurableSync } from '../durable.js';
import { FileSystemError, PromptValidationError, type PromptIssue } from '../errors.js';
import type { Catalog } from './catalog.js';
import { parsePromptFile, PROMPT_NAME_RE, type ParseResult, type PromptDoc } from './parse.js';

export const GENERATED_CATEGORY = 'custom';

function frontmatterName(markdown: string): string | undefined {
  try {
    const name = (
      matter(markdown, { language: 'yaml', engines: { javascript: () => ({}), js: () => ({}) } }).data as {
        name?: unknown;
      }
    ).name;
    return typeof name === 'string' && PROMPT_NAME_RE.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Validates a generated prompt file. The file name is derived from its frontmatter `name`
 * (`prompts/custom/<name>.md`, workspace layer). Beyond the usual rules it refuses a name already
 * in `catalog` and `tools: write` (a generated prompt runs during discovery, never with write access).
 * Returns the doc only when there are no issues.
 */
export function validateGeneratedPrompt(markdown: string, catalog: Catalog): ParseResult {
  const name = frontmatterName(markdown);
  const file = path.join('prompts', GENERATED_CATEGORY, `${name ?? '(generated)'}.md`);
  const result = parsePromptFile(markdown, file, GENERATED_CATEGORY, 'workspace');
  const issues: PromptIssue[] = name
    ? result.issues
    : result.issues.filter((i) => !i.problem.includes('file name stem'));
  const existing = name ? catalog.get(name) : undefined;
  if (existing) {
    issues.push({
      file,
      field: 'name',
      problem: `"${name}" already exists in the catalog (${existing.layer}: ${existing.file}); choose a new name`,
    });
  }
  if (result.doc?.tools === 'write') {
    issues.push({
      file,
      field: 'tools',
      problem: 'a generated prompt may use "none" or "read", not "write"',
    });
  }
  return issues.length ? { issues } : { doc: result.doc, issues };
}

/**
 * Writes `markdown` to `<workspace>/prompts/custom/<doc.name>.md` with a durable exclusive create and
 * returns the absolute path. Throws PromptValidationError when the name is not snake_case or the
 * file already exists (it is never overwritten), FileSystemError when it cannot be written.
 */
export async function saveGeneratedPrompt(
  workspace: string,
  doc: PromptDoc,
  markdown: string,
): Promise<string> {
  const dir = path.resolve(workspace, 'prompts', GENERATED_CATEGORY);
  const file = path.join(dir, `${doc.name}.md`);
  if (!PROMPT_NAME_RE.test(doc.name)) {
    throw new PromptValidationError([{ file, field: 'name', problem: 'must be snake_case' }]);
  }
  await fs.mkdir(dir, { recursive: true });
  try {
    writeFileDurableSync(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`, { exclusive: true });
  } catch (err) {
    if (err instanceof FileSystemError && err.code === 'EEXIST') {
      throw new PromptValidationError([
        {
          file,
          field: 'name',
          problem: 'a prompt file with this name already exists; it was not overwritten',
        },
      ]);
    }
    throw err;
  }
  return file;
}
