/** Builders for prompt files in tests: valid by default, any frontmatter line replaceable. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PromptFixture {
  name: string;
  purpose?: string;
  extra?: string;
  body?: string;
  /** Replaces the whole frontmatter (between the --- lines). */
  frontmatter?: string;
  cost?: string;
  goodFor?: string[];
}

export function promptMarkdown(f: PromptFixture): string {
  const goodFor = f.goodFor ?? ['Finding the thing', 'Checking the other thing', 'Planning a change'];
  const fm =
    f.frontmatter ??
    [
      `name: ${f.name}`,
      `purpose: ${f.purpose ?? `Purpose of ${f.name}`}`,
      'good_for:',
      ...goodFor.map((g) => `  - ${g}`),
      'uncertainty_reduction:',
      '  - Where the code lives',
      '  - How it is wired',
      'example_context_needs:',
      '  - An entry point',
      `cost_estimate: ${f.cost ?? 'low'}`,
      ...(f.extra ? [f.extra] : []),
    ].join('\n');
  const body =
    f.body ??
    `# ${f.name}\n\nWork on {{goal}} with {{context}}; focus {{focus}}.\n\nEnd with record_findings.`;
  return `---\n${fm}\n---\n${body}\n`;
}

export async function tempDir(prefix = 'claude-exec-lib-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Writes `<root>/<category>/<file>` (file defaults to `<name>.md`). */
export async function writePrompt(
  root: string,
  category: string,
  f: PromptFixture,
  file?: string,
): Promise<string> {
  const dir = path.join(root, category);
  await fs.mkdir(dir, { recursive: true });
  const p = path.join(dir, file ?? `${f.name}.md`);
  await fs.writeFile(p, promptMarkdown(f));
  return p;
}
