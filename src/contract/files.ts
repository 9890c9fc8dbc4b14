/**
 * The JSON Schema files of the contract (draft 2020-12, from the zod definitions), as written to
 * `schemas/` by `npm run schemas` and compared with the committed files by a test, plus the
 * schema of workflow files (`workflow-file.schema.json`).
 */
import { z } from 'zod';
import { workflowJsonSchema } from '../workflows/schema.js';
import { OUTPUTS } from './index.js';

/** File name → file text (`<name>.schema.json`, 2-space JSON, trailing newline). */
export function jsonSchemaFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, { schema, description }] of Object.entries(OUTPUTS)) {
    const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
    const doc = {
      title: name === 'context' ? 'context file' : `claude-exec/${name}@1`,
      description,
      ...json,
    };
    files[`${name}.schema.json`] = `${JSON.stringify(doc, null, 2)}\n`;
  }
  // Not an output: the format of workflow files, for editors (yaml-language-server, VS Code).
  const wf = {
    title: 'claude-exec workflow file',
    description: 'A workflow: YAML, or the YAML frontmatter of a Markdown file (README "Workflows")',
    ...workflowJsonSchema(),
  };
  files['workflow-file.schema.json'] = `${JSON.stringify(wf, null, 2)}\n`;
  return files;
}
