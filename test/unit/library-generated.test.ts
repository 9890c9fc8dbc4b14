import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PromptValidationError } from '../../src/errors.js';
import { createCatalog } from '../../src/library/catalog.js';
import { saveGeneratedPrompt, validateGeneratedPrompt } from '../../src/library/generated.js';
import { loadLibrary } from '../../src/library/load.js';
import { parsePromptFile } from '../../src/library/parse.js';
import { promptMarkdown, tempDir } from '../helpers/prompt-files.js';

const existing = parsePromptFile(
  promptMarkdown({ name: 'trace_existing_flow' }),
  'discovery/trace_existing_flow.md',
  'discovery',
).doc!;
const catalog = createCatalog([existing]);

describe('validateGeneratedPrompt', () => {
  it('accepts a good file as a custom workspace prompt', () => {
    const { doc, issues } = validateGeneratedPrompt(
      promptMarkdown({ name: 'queue_retry_mapper', extra: 'tools: read' }),
      catalog,
    );
    expect(issues).toEqual([]);
    expect(doc).toMatchObject({
      name: 'queue_retry_mapper',
      category: 'custom',
      layer: 'workspace',
      file: path.join('prompts', 'custom', 'queue_retry_mapper.md'),
    });
  });

  it('refuses bad frontmatter with field-level issues', () => {
    const { doc, issues } = validateGeneratedPrompt(
      promptMarkdown({ name: 'queue_retry_mapper', cost: 'cheap', extra: 'owner: model' }),
      catalog,
    );
    expect(doc).toBeUndefined();
    expect(issues.map((i) => i.field).sort()).toEqual(['cost_estimate', 'owner']);
  });

  it('refuses a name that is not snake_case without a confusing file-stem issue', () => {
    const { issues } = validateGeneratedPrompt(promptMarkdown({ name: 'Queue Mapper' }), catalog);
    expect(issues).toEqual([
      expect.objectContaining({ field: 'name', problem: expect.stringMatching(/snake_case/) }),
    ]);
  });

  it('refuses a name already in the catalog, write tools and unknown variables', () => {
    expect(validateGeneratedPrompt(promptMarkdown({ name: 'trace_existing_flow' }), catalog).issues).toEqual([
      expect.objectContaining({
        field: 'name',
        problem: expect.stringMatching(/already exists in the catalog/),
      }),
    ]);
    expect(
      validateGeneratedPrompt(promptMarkdown({ name: 'fixer', extra: 'tools: write' }), catalog).issues,
    ).toEqual([expect.objectContaining({ field: 'tools' })]);
    expect(
      validateGeneratedPrompt(promptMarkdown({ name: 'fixer', body: 'Look at {{repo}}' }), catalog).issues,
    ).toEqual([expect.objectContaining({ field: 'body', problem: expect.stringMatching(/\{\{repo\}\}/) })]);
  });
});

describe('saveGeneratedPrompt', () => {
  it('writes prompts/custom/<name>.md, which a later loadLibrary picks up, and never overwrites it', async () => {
    const ws = await tempDir();
    const markdown = promptMarkdown({
      name: 'queue_retry_mapper',
      purpose: 'Map retry policies of queue consumers',
    });
    const { doc } = validateGeneratedPrompt(markdown, catalog);
    const file = await saveGeneratedPrompt(ws, doc!, markdown);
    expect(file).toBe(path.join(ws, 'prompts', 'custom', 'queue_retry_mapper.md'));
    expect(await fs.readFile(file, 'utf8')).toBe(markdown);

    const { catalog: loaded, issues } = await loadLibrary({
      workspace: ws,
      userDir: path.join(ws, 'no-user'),
    });
    expect(issues).toEqual([]);
    expect(loaded.get('queue_retry_mapper')).toMatchObject({
      category: 'custom',
      layer: 'workspace',
      purpose: 'Map retry policies of queue consumers',
      file,
    });

    await expect(saveGeneratedPrompt(ws, doc!, 'other text')).rejects.toBeInstanceOf(PromptValidationError);
    expect(await fs.readFile(file, 'utf8')).toBe(markdown);
  });
});
