import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  builtinPromptsDir,
  defaultUserPromptsDir,
  libraryLayers,
  loadLibrary,
  readPromptDir,
} from '../../src/library/load.js';
import { tempDir, writePrompt } from '../helpers/prompt-files.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** A fake built-in layer is not possible (it is the package's folder), so layering is tested above it. */
async function layout() {
  const root = await tempDir();
  const user = path.join(root, 'user');
  const extra = path.join(root, 'extra');
  const workspace = path.join(root, 'ws');
  await fs.mkdir(path.join(workspace, 'prompts'), { recursive: true });
  return { root, user, extra, workspace, wsPrompts: path.join(workspace, 'prompts') };
}

describe('builtinPromptsDir / defaultUserPromptsDir', () => {
  it('points at the package prompts folder', () => {
    expect(builtinPromptsDir()).toBe(path.join(repoRoot, 'prompts'));
  });
  it('honours CLAUDE_EXEC_USER_PROMPTS, else ~/.config/claude-exec/prompts', () => {
    expect(defaultUserPromptsDir({ CLAUDE_EXEC_USER_PROMPTS: '/x/y' })).toBe('/x/y');
    expect(defaultUserPromptsDir({})).toMatch(/[/\\]\.config[/\\]claude-exec[/\\]prompts$/);
  });
});

describe('aliases', () => {
  it("rejects an alias that is another prompt's name or another prompt's alias in the same layer, and the own name", async () => {
    const { root } = await layout();
    await writePrompt(root, 'system', {
      name: 'cost_monitor',
      extra: 'aliases: [cost_optimizer, dependency_analyzer]',
    });
    await writePrompt(root, 'discovery', { name: 'dependency_analyzer' });
    await writePrompt(root, 'system', { name: 'spend_watcher', extra: 'aliases: [cost_optimizer]' });
    await writePrompt(root, 'meta', { name: 'self_named', extra: 'aliases: [self_named]' });
    const { issues } = await readPromptDir(root, 'user');
    const problems = issues.map((i) => `${path.basename(i.file)}: ${i.field}: ${i.problem}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^cost_monitor\.md: aliases: "dependency_analyzer" is the name of another prompt/,
        ),
        expect.stringMatching(
          /^spend_watcher\.md: aliases: "cost_optimizer" is already an alias of cost_monitor/,
        ),
        expect.stringMatching(/^self_named\.md: aliases: "self_named" is the prompt's own name/),
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it("lets a later layer define a prompt under a merged prompt's old name (the name wins)", async () => {
    const { user, workspace, wsPrompts } = await layout();
    await writePrompt(user, 'system', { name: 'cost_watch', extra: 'aliases: [cost_optimizer]' });
    await writePrompt(wsPrompts, 'custom', { name: 'cost_optimizer', purpose: 'Our own' });
    const { catalog, issues } = await loadLibrary({ workspace, userDir: user });
    expect(issues).toEqual([]);
    expect(catalog.get('cost_optimizer')?.purpose).toBe('Our own');
  });
});

describe('readPromptDir', () => {
  it('reads <category>/<name>.md, skipping top-level files, dot entries, README.md and non-md files', async () => {
    const { root } = await layout();
    await writePrompt(root, 'discovery', { name: 'alpha' });
    await writePrompt(root, 'debug', { name: 'beta' });
    await fs.writeFile(path.join(root, 'stray.md'), 'not a prompt');
    await fs.writeFile(path.join(root, 'debug', 'README.md'), 'about this folder');
    await fs.writeFile(path.join(root, 'debug', 'notes.txt'), 'x');
    await fs.writeFile(path.join(root, 'debug', '.gitkeep'), '');
    await fs.mkdir(path.join(root, '.git', 'x'), { recursive: true });
    await fs.writeFile(path.join(root, '.git', 'x', 'bad.md'), 'nope');
    const { docs, issues } = await readPromptDir(root, 'user');
    expect(issues).toEqual([]);
    expect(docs.map((d) => [d.category, d.name, d.layer])).toEqual([
      ['debug', 'beta', 'user'],
      ['discovery', 'alpha', 'user'],
    ]);
    expect(docs[0]!.file).toBe(path.join(root, 'debug', 'beta.md'));
  });

  it('gives nothing for a missing directory', async () => {
    expect(await readPromptDir('/definitely/not/here', 'user')).toEqual({ docs: [], issues: [] });
  });

  it('reports a name defined twice in one layer and keeps the first', async () => {
    const { root } = await layout();
    const first = await writePrompt(root, 'alpha_cat', { name: 'dup', purpose: 'first' });
    const second = await writePrompt(root, 'beta_cat', { name: 'dup', purpose: 'second' });
    const { docs, issues } = await readPromptDir(root, 'workspace');
    expect(docs.map((d) => d.purpose)).toEqual(['first']);
    expect(issues).toEqual([
      { file: second, field: 'name', problem: `"dup" is already defined in this layer by ${first}` },
    ]);
  });
});

describe('loadLibrary', () => {
  it('layers user < extra < workspace, records what was overridden, and reports invalid files', async () => {
    const l = await layout();
    await writePrompt(l.user, 'custom', { name: 'shared', purpose: 'from user' });
    await writePrompt(l.user, 'custom', { name: 'only_user' });
    await writePrompt(l.extra, 'team', { name: 'shared', purpose: 'from extra' });
    await writePrompt(l.wsPrompts, 'custom', { name: 'shared', purpose: 'from workspace' });
    const bad = await writePrompt(l.wsPrompts, 'custom', { name: 'broken', cost: 'free' });
    const { catalog, issues } = await loadLibrary({
      workspace: l.workspace,
      userDir: l.user,
      extraDirs: [l.extra],
    });
    const shared = catalog.get('shared');
    expect(shared?.purpose).toBe('from workspace');
    expect(shared?.layer).toBe('workspace');
    expect(shared?.overrides).toEqual([
      { layer: 'user', file: path.join(l.user, 'custom', 'shared.md') },
      { layer: 'extra', file: path.join(l.extra, 'team', 'shared.md') },
    ]);
    expect(catalog.get('only_user')?.layer).toBe('user');
    expect(catalog.get('only_user')?.overrides).toBeUndefined();
    expect(catalog.has('broken')).toBe(false);
    expect(issues).toEqual([expect.objectContaining({ file: bad, field: 'cost_estimate' })]);
  });

  it('overrides a built-in prompt from the workspace', async () => {
    const l = await layout();
    const builtin = (await readPromptDir(builtinPromptsDir(), 'built-in')).docs[0];
    expect(builtin).toBeDefined();
    await writePrompt(l.wsPrompts, builtin!.category, { name: builtin!.name, purpose: 'local version' });
    const { catalog } = await loadLibrary({ workspace: l.workspace, userDir: l.user });
    expect(catalog.get(builtin!.name)).toMatchObject({
      purpose: 'local version',
      layer: 'workspace',
      overrides: [{ layer: 'built-in', file: builtin!.file }],
    });
  });

  it('does not load the package prompts twice when the workspace is this repository', async () => {
    const layers = await libraryLayers({ workspace: repoRoot, userDir: '/nowhere' });
    expect(layers.map((x) => x.layer)).toEqual(['built-in', 'user']);
    const { catalog } = await loadLibrary({ workspace: repoRoot, userDir: '/nowhere' });
    expect(catalog.prompts.every((d) => d.layer === 'built-in' && !d.overrides)).toBe(true);
  });

  it('resolves relative extra dirs against the workspace', async () => {
    const l = await layout();
    await writePrompt(path.join(l.workspace, 'team-prompts'), 'team', { name: 'team_only' });
    const { catalog } = await loadLibrary({
      workspace: l.workspace,
      userDir: l.user,
      extraDirs: ['team-prompts'],
    });
    expect(catalog.get('team_only')?.layer).toBe('extra');
  });
});
