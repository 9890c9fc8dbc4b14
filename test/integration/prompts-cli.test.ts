import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';
import { initWorkspace, ENV_EXAMPLE } from '../../src/features/init/init.js';
import {
  computePromptStats,
  listPrompts,
  openLibrary,
  promptStats,
  searchLibrary,
  showPrompt,
  validatePrompts,
} from '../../src/features/library/prompts.js';
import { newChainContext } from '../../src/chain/init.js';
import type { CallRecord, ChainContext, Step } from '../../src/chain/schema.js';
import { chainFileName } from '../../src/chain/names.js';
import { register } from '../../src/cli/commands/prompts.js';
import { UsageError } from '../../src/errors.js';
import { promptMarkdown, tempDir, writePrompt } from '../helpers/prompt-files.js';

const noUser = '/nonexistent/claude-exec-user-prompts';

async function workspaceWithPrompts() {
  const ws = await tempDir('claude-exec-ws-');
  await writePrompt(path.join(ws, 'prompts'), 'custom', {
    name: 'queue_mapper',
    purpose: 'Map queue consumers and their retry policies',
  });
  return ws;
}

describe('prompts list / show / search', () => {
  it('lists built-in and workspace prompts by category and marks an override', async () => {
    const ws = await workspaceWithPrompts();
    await writePrompt(path.join(ws, 'prompts'), 'discovery', {
      name: 'trace_existing_flow',
      purpose: 'Local flavour',
    });
    const { catalog, issues } = await openLibrary(ws, { userDir: noUser });
    expect(issues).toEqual([]);
    const all = listPrompts(catalog);
    expect(all.length).toBeGreaterThanOrEqual(84); // 83 built-in (88 seed names, 5 merged into others) + 1 custom
    expect(all.find((e) => e.name === 'queue_mapper')).toMatchObject({
      category: 'custom',
      layer: 'workspace',
      overrides: [],
    });
    expect(all.find((e) => e.name === 'trace_existing_flow')).toMatchObject({
      layer: 'workspace',
      overrides: ['built-in'],
      purpose: 'Local flavour',
    });
    const debug = listPrompts(catalog, { category: 'debug' });
    expect(debug.length).toBeGreaterThan(0);
    expect(debug.every((e) => e.category === 'debug')).toBe(true);
  });

  it('shows a prompt and refuses an unknown name with suggestions', async () => {
    const { catalog } = await openLibrary(await workspaceWithPrompts(), { userDir: noUser });
    expect(showPrompt(catalog, 'queue_mapper').body).toContain('{{goal}}');
    expect(() => showPrompt(catalog, 'queue_mapperz')).toThrow(UsageError);
  });

  it('ranks search results', async () => {
    const { catalog } = await openLibrary(await workspaceWithPrompts(), { userDir: noUser });
    const hits = searchLibrary(catalog, 'queue retry');
    expect(hits[0]).toMatchObject({ name: 'queue_mapper', category: 'custom' });
    expect(hits.every((h, i) => i === 0 || hits[i - 1]!.score >= h.score)).toBe(true);
  });
});

describe('prompts validate', () => {
  it('reports each problem as file, field, problem relative to the cwd', async () => {
    const ws = await tempDir('claude-exec-ws-');
    await writePrompt(path.join(ws, 'lib'), 'a', { name: 'good_one' });
    await writePrompt(path.join(ws, 'lib'), 'a', { name: 'bad_one', cost: 'free' });
    await writePrompt(path.join(ws, 'lib'), 'b', { name: 'good_one' });
    const report = await validatePrompts(['lib'], { cwd: ws });
    expect(report).toMatchObject({ ok: false, files: 3, valid: 1 });
    expect(report.issues).toEqual([
      expect.objectContaining({ file: path.join('lib', 'a', 'bad_one.md'), field: 'cost_estimate' }),
      {
        file: path.join('lib', 'b', 'good_one.md'),
        field: 'name',
        problem: `"good_one" is already defined in this layer by ${path.join(ws, 'lib', 'a', 'good_one.md')}`,
      },
    ]);
  });

  it('validates single files and category folders, and the workspace layers by default', async () => {
    const ws = await workspaceWithPrompts();
    expect(
      await validatePrompts(
        [path.join('prompts', 'custom', 'queue_mapper.md'), path.join('prompts', 'custom')],
        { cwd: ws },
      ),
    ).toMatchObject({ ok: true, files: 2 });
    const all = await validatePrompts([], { cwd: ws, userDir: noUser });
    expect(all).toMatchObject({ ok: true, issues: [] });
    expect(all.files).toBeGreaterThanOrEqual(84);
    expect((await validatePrompts(['missing-dir'], { cwd: ws })).issues).toEqual([
      { file: 'missing-dir', field: 'path', problem: 'does not exist' },
    ]);
  });

  it('as a command: prints file: field: problem on stderr and sets exit code 2', async () => {
    const ws = await tempDir('claude-exec-ws-');
    await fs.mkdir(path.join(ws, 'bad'));
    await fs.writeFile(
      path.join(ws, 'bad', 'oops.md'),
      promptMarkdown({ name: 'oops', body: 'Read {{files}}' }),
    );
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const program = new Command('claude-exec')
      .option('--json')
      .option('--cwd <dir>')
      .option('--contexts <dir...>')
      .exitOverride();
    register(program);
    try {
      await program.parseAsync(['node', 'claude-exec', 'prompts', 'validate', 'bad', '--cwd', ws]);
      expect(process.exitCode).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /^bad[/\\]oops\.md: body: unknown variable \{\{files\}\}/m,
      );
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('0 of 1 prompt files OK');
    } finally {
      process.exitCode = undefined;
      err.mockRestore();
      out.mockRestore();
    }
  });
});

describe('the built binary (run `npm run build` first)', () => {
  const bin = path.resolve(import.meta.dirname, '../../bin/claude-exec');

  it('prompts validate DIR exits 2 with file: field: problem lines on stderr', async () => {
    const ws = await tempDir('claude-exec-ws-');
    await fs.mkdir(path.join(ws, 'bad'));
    await fs.writeFile(path.join(ws, 'bad', 'oops.md'), '---\nname: oops\npurpose: p\n---\nRead {{files}}\n');
    const r = await execa('node', [bin, 'prompts', 'validate', 'bad', '--cwd', ws], { reject: false });
    expect(r.exitCode).toBe(2);
    const lines = r.stderr.split('\n');
    expect(lines).toContain(`${path.join('bad', 'oops.md')}: good_for: required field is missing`);
    expect(
      lines.some((l) => l.startsWith(`${path.join('bad', 'oops.md')}: body: unknown variable {{files}}`)),
    ).toBe(true);
  });

  it('prompts validate of a good file exits 0 and says so', async () => {
    const ws = await workspaceWithPrompts();
    const r = await execa('node', [bin, 'prompts', 'validate', 'prompts', '--cwd', ws], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('1 prompt OK');
  });
});

function chain(uid: string, steps: Partial<Step>[], calls: Partial<CallRecord>[]): ChainContext {
  const ctx = newChainContext({
    chainId: '001',
    chainUid: uid,
    goal: 'g',
    slug: 'g',
    workspace: '/w',
    model: 'm',
    models: { fast: 'f', default: 'm', smart: 's' },
    now: new Date('2026-01-01T00:00:00Z'),
  });
  ctx.steps = steps.map(
    (s, i): Step =>
      ({
        n: i + 1,
        phase: 'context-building',
        prompt: 'x',
        focus: null,
        status: 'complete',
        started_at: '',
        ended_at: null,
        summary: null,
        confidence_before: null,
        confidence_after: null,
        effect: 0,
        confidence_reported: null,
        confidence_gain: null,
        ...s,
      }) as Step,
  );
  ctx.calls = calls.map((c, i) => ({
    id: i + 1,
    step: 1,
    phase: 'context-building',
    prompt: 'x',
    model: 'm',
    request_id: null,
    started_at: '',
    latency_ms: 1,
    usage: { input_tokens: 0, output_tokens: 0 },
    cost_usd: 0,
    pricing_version: 'test',
    ...c,
  }));
  return ctx;
}

describe('prompts stats', () => {
  const a = chain(
    'uid-aaaaaaaa',
    [
      { prompt: 'trace_existing_flow', confidence_before: 0.4, confidence_after: 0.4, confidence_gain: 0.3 },
      { prompt: 'trace_existing_flow', status: 'failed', confidence_gain: null },
      { prompt: 'code_reviewer', confidence_before: 0.8, confidence_after: 0.9, confidence_gain: -0.1 },
    ],
    [
      {
        step: 1,
        usage: {
          input_tokens: 1000,
          output_tokens: 200,
          cache_creation_input_tokens: 300,
          cache_read_input_tokens: 500,
        },
        cost_usd: 0.01,
      },
      { step: 1, usage: { input_tokens: 100, output_tokens: 0 }, cost_usd: 0.002 },
      {
        step: 2,
        usage: { input_tokens: 400, output_tokens: 0, cache_read_input_tokens: null },
        cost_usd: null,
      },
      { step: 3, usage: { input_tokens: 50, output_tokens: 50 }, cost_usd: null },
    ],
  );

  it("aggregates runs, failures, tokens, cost and the steps' confidence gain per prompt (not the change of overall)", () => {
    const stats = computePromptStats([a, structuredClone(a)]);
    const trace = stats.find((s) => s.name === 'trace_existing_flow')!;
    expect(stats.map((s) => s.name)).toEqual(['trace_existing_flow', 'code_reviewer']);
    expect(trace).toMatchObject({
      runs: 2,
      failures: 1,
      avg_tokens: (2000 + 100 + 400) / 2,
      unpriced_calls: 1,
      confidence_samples: 1,
      median_tokens: 1000 + 200 + 300 + 100,
      cost_class: null,
    });
    expect(trace.avg_cost_usd).toBeCloseTo(0.006, 10);
    expect(trace.avg_confidence_gain).toBeCloseTo(0.3, 10);
    const review = stats.find((s) => s.name === 'code_reviewer')!;
    expect(review).toMatchObject({
      runs: 1,
      failures: 0,
      avg_tokens: 100,
      avg_cost_usd: null,
      unpriced_calls: 1,
    });
    expect(review.avg_confidence_gain).toBeCloseTo(-0.1, 10);
  });

  it('reads the contexts dirs and skips a corrupt file with its reason', async () => {
    const dir = await tempDir('claude-exec-ctx-');
    await fs.writeFile(
      path.join(dir, chainFileName('001', 'g', new Date('2026-01-01T00:00:00Z'))),
      JSON.stringify(a),
    );
    const broken = path.join(dir, chainFileName('002', 'h', new Date('2026-01-02T00:00:00Z')));
    await fs.writeFile(broken, '{ not json');
    const report = await promptStats([dir, path.join(dir, 'missing')]);
    expect(report.chains).toBe(1);
    expect(report.prompts.map((p) => [p.name, p.runs])).toEqual([
      ['trace_existing_flow', 2],
      ['code_reviewer', 1],
    ]);
    expect(report.skipped).toEqual([{ file: broken, error: expect.stringMatching(/not valid JSON/) }]);
  });
});

describe('init', () => {
  it('scaffolds a workspace, then skips everything on a second run', async () => {
    const ws = await tempDir('claude-exec-init-');
    const first = await initWorkspace(ws);
    expect(first.files.map((f) => [f.path, f.action])).toEqual([
      [path.join('prompts', 'custom', '.gitkeep'), 'created'],
      [path.join('contexts', '.gitkeep'), 'created'],
      ['.gitignore', 'created'],
      ['project_rules.md', 'created'],
      ['.env.example', 'created'],
    ]);
    expect(await fs.readFile(path.join(ws, '.gitignore'), 'utf8')).toMatch(
      /^\.env$[\s\S]*^\/contexts\/\*$[\s\S]*^!\/contexts\/\.gitkeep$/m,
    );
    expect(await fs.readFile(path.join(ws, 'project_rules.md'), 'utf8')).toBe(
      await fs.readFile(path.resolve(import.meta.dirname, '../../project_rules.md'), 'utf8'),
    );
    const env = await fs.readFile(path.join(ws, '.env.example'), 'utf8');
    expect(env).toBe(ENV_EXAMPLE);
    for (const key of [
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_BASE_URL',
      'COST_ALERT_THRESHOLD',
      'TOKEN_LIMIT_WARNING',
      'LOG_LEVEL',
    ])
      expect(env).toMatch(new RegExp(`^${key}=$`, 'm'));

    const second = await initWorkspace(ws);
    expect(second.files.every((f) => f.action === 'skipped')).toBe(true);
    expect((await fs.readFile(path.join(ws, '.gitignore'), 'utf8')).match(/contexts\/\*/g)).toHaveLength(1);
  });

  it('appends to an existing .gitignore without touching other files', async () => {
    const ws = await tempDir('claude-exec-init-');
    await fs.writeFile(path.join(ws, '.gitignore'), 'node_modules');
    await fs.writeFile(path.join(ws, 'project_rules.md'), 'my rules\n');
    const result = await initWorkspace(ws);
    expect(result.files.find((f) => f.path === '.gitignore')?.action).toBe('updated');
    expect(result.files.find((f) => f.path === 'project_rules.md')?.action).toBe('skipped');
    expect(result.files.find((f) => f.path === '.gitignore')?.note).toBe('added .env and contexts/');
    expect(await fs.readFile(path.join(ws, '.gitignore'), 'utf8')).toMatch(
      /^node_modules\n\n# secrets[^\n]*\n\.env\n\n# claude-exec[^\n]*\n\/contexts\/\*\n!\/contexts\/\.gitkeep\n$/,
    );
    expect(await fs.readFile(path.join(ws, 'project_rules.md'), 'utf8')).toBe('my rules\n');
  });

  it('leaves a .gitignore that already ignores .env and contexts/ alone, adds only what is missing, and refuses a missing workspace', async () => {
    const ws = await tempDir('claude-exec-init-');
    await fs.writeFile(path.join(ws, '.gitignore'), 'dist/\n.env\ncontexts/\n');
    expect((await initWorkspace(ws)).files.find((f) => f.path === '.gitignore')?.action).toBe('skipped');
    expect(await fs.readFile(path.join(ws, '.gitignore'), 'utf8')).toBe('dist/\n.env\ncontexts/\n');
    await fs.writeFile(path.join(ws, '.gitignore'), 'contexts/\n');
    expect((await initWorkspace(ws)).files.find((f) => f.path === '.gitignore')).toMatchObject({
      action: 'updated',
      note: 'added .env',
    });
    expect(await fs.readFile(path.join(ws, '.gitignore'), 'utf8')).toBe(
      'contexts/\n\n# secrets (API keys) stay out of git\n.env\n',
    );
    await expect(initWorkspace(path.join(ws, 'nope'))).rejects.toBeInstanceOf(UsageError);
  });
});
