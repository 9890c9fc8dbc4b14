/**
 * Workflow files: the parser's problems (`file: path: problem`, table-driven), Markdown with
 * frontmatter, the layering built-in < user < workspace, and the shipped built-ins.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLibrary } from '../../src/library/load.js';
import { parseWorkflowFile } from '../../src/workflows/parse.js';
import { builtinWorkflowsDir, loadWorkflows } from '../../src/workflows/load.js';
import { walkSteps } from '../../src/workflows/parse.js';
import { PHASES } from '../../src/chain/schema.js';

const known = new Set(['code_reviewer', 'security_scanner', 'status_reporter']);
const prompts = { has: (n: string) => known.has(n) };
const issuesOf = (text: string, file = 'workflows/w.yaml') =>
  parseWorkflowFile(text, file, 'workspace', prompts).issues.map((i) => `${i.field}: ${i.problem}`);

const head = 'name: w\ndescription: d\n';

describe('parseWorkflowFile: one clear problem per mistake, with its path', () => {
  const table: [string, string, string[]][] = [
    ['valid', `${head}steps:\n  - prompt: code_reviewer\n`, []],
    [
      "a split's parts step takes only `planned` (the approved plan)",
      `${head}steps:\n  - plan_split: no_such_planner\n  - gate: split\n  - sub_chains: all\n`,
      ['steps.2.sub_chains: Invalid input: expected "planned"'],
    ],
    [
      'a split with an unknown planner',
      `${head}steps:\n  - plan_split: no_such_planner\n  - gate: split\n  - sub_chains: planned\n`,
      ['steps.0.plan_split: no prompt "no_such_planner" in the library'],
    ],
    [
      'not YAML',
      'name: [x\n',
      [
        '(file): not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1',
      ],
    ],
    ['not a mapping', '- a\n- b\n', ['(file): a workflow is a mapping with name, description and steps']],
    ['no steps', head, ['steps: required (array)']],
    ['empty steps', `${head}steps: []\n`, ['steps: Too small: expected array to have >=1 items']],
    [
      'name differs from file',
      'name: other\ndescription: d\nsteps:\n  - prompt: code_reviewer\n',
      ['name: "other" differs from the file name "w"'],
    ],
    [
      'unknown top key',
      `${head}stepz: 1\nsteps:\n  - prompt: code_reviewer\n`,
      ['(file): unknown key(s) stepz'],
    ],
    [
      'a step of no kind',
      `${head}steps:\n  - frobnicate: 1\n`,
      [
        'steps.0: a step needs one of: prompt, phase, gate, tests, chain, plan_split, sub_chains, if, switch, loop, parallel',
      ],
    ],
    [
      'unknown key on a step',
      `${head}steps:\n  - prompt: code_reviewer\n    focuss: x\n`,
      ['steps.0: unknown key(s) focuss for a prompt step'],
    ],
    [
      'loop without max',
      `${head}steps:\n  - loop:\n      until: { tests: passed }\n      steps:\n        - prompt: code_reviewer\n`,
      ['steps.0.loop.max: required (number)'],
    ],
    [
      'loop max too high',
      `${head}steps:\n  - loop:\n      max: 100\n      until: { tests: passed }\n      steps:\n        - prompt: code_reviewer\n`,
      ['steps.0.loop.max: Too big: expected number to be <=20'],
    ],
    [
      'bad condition',
      `${head}steps:\n  - if: { confidense: { below: 0.5 } }\n    then:\n      - prompt: code_reviewer\n`,
      [
        'steps.0.if: not a condition: use one of confidence, verdict, tests, finding, git_commits, all, any, not',
      ],
    ],
    [
      'nested bad phase',
      `${head}steps:\n  - if: { tests: failed }\n    then:\n      - phase: coding\n`,
      [
        'steps.0.then.0.phase: Invalid option: expected one of "requirements-clarification"|"context-building"|"uncertainty-analysis"|"solution-approval"|"implementation"|"deployment-readiness"',
      ],
    ],
    [
      'max_concurrency 0',
      `${head}steps:\n  - parallel:\n      max_concurrency: 0\n      branches:\n        - prompt: code_reviewer\n`,
      ['steps.0.parallel.max_concurrency: Too small: expected number to be >=1'],
    ],
    [
      'unknown prompt',
      `${head}steps:\n  - prompt: no_such\n`,
      ['steps.0.prompt: no prompt "no_such" in the library'],
    ],
    [
      'a branch twice, merge is a branch',
      `${head}steps:\n  - parallel:\n      max_concurrency: 2\n      branches:\n        - prompt: code_reviewer\n        - prompt: code_reviewer\n      merge: code_reviewer\n`,
      [
        'steps.0.parallel.branches.1.prompt: "code_reviewer" is already a branch of this step: run it once, or in another step',
        'steps.0.parallel.merge: "code_reviewer" is also a branch; the merge must be another prompt',
      ],
    ],
    [
      'duplicate ids',
      `${head}steps:\n  - { id: a, prompt: code_reviewer }\n  - { id: a, prompt: security_scanner }\n`,
      ['steps.1.id: "a" is already the id of steps.0'],
    ],
    [
      'negative budget, bad tier',
      `${head}steps:\n  - { prompt: code_reviewer, budget_usd: -1, model: huge }\n`,
      [
        'steps.0.budget_usd: Too small: expected number to be >0',
        'steps.0.model: Invalid option: expected one of "fast"|"default"|"smart"',
      ],
    ],
  ];
  it.each(table)('%s', (_name, text, want) => {
    expect(issuesOf(text)).toEqual(want);
  });

  it('reports the file with each problem', () => {
    const r = parseWorkflowFile(
      `${head}steps:\n  - frobnicate: 1\n`,
      '/x/workflows/w.yaml',
      'workspace',
      prompts,
    );
    expect(r.doc).toBeNull();
    expect(r.issues[0]!.file).toBe('/x/workflows/w.yaml');
  });

  it('Markdown: the frontmatter is the workflow, the body its description when none is given', () => {
    const r = parseWorkflowFile(
      '---\nname: w\nsteps:\n  - prompt: code_reviewer\n    model: smart\n---\nReview with the smart model.\n',
      'w.md',
      'user',
      prompts,
    );
    expect(r.issues).toEqual([]);
    expect(r.doc).toMatchObject({
      name: 'w',
      description: 'Review with the smart model.',
      layer: 'user',
      steps: [{ prompt: 'code_reviewer', model: 'smart' }],
    });
    expect(issuesOf('# no frontmatter\n', 'w.md')).toEqual([
      '(file): a Markdown workflow starts with YAML frontmatter between --- lines',
    ]);
  });
});

describe('loadWorkflows: built-in < user < workspace', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-wf-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dir = (name: string, files: Record<string, string>) => {
    const d = path.join(root, name);
    mkdirSync(d, { recursive: true });
    for (const [f, t] of Object.entries(files)) writeFileSync(path.join(d, f), t);
    return d;
  };
  const wfText = (name: string, prompt: string) =>
    `name: ${name}\ndescription: ${name} from here\nsteps:\n  - prompt: ${prompt}\n`;

  it('a later layer replaces a name and records what it overrides; an invalid file is reported and the lower one kept', async () => {
    const builtinDir = dir('builtin', {
      'a.yaml': wfText('a', 'code_reviewer'),
      'b.yaml': wfText('b', 'code_reviewer'),
      'README.md': '# not a workflow',
    });
    const userDir = dir('user', { 'a.yml': wfText('a', 'security_scanner') });
    const ws = path.join(root, 'ws');
    dir('ws/workflows', {
      'a.md': `---\nname: a\nsteps:\n  - prompt: status_reporter\n---\nworkspace a\n`,
      'b.yaml': 'name: b\nsteps: nope\n',
      '.hidden.yaml': 'x',
    });
    const { workflows, issues } = await loadWorkflows({ workspace: ws, prompts, builtinDir, userDir });
    expect(workflows.map((w) => [w.name, w.layer])).toEqual([
      ['a', 'workspace'],
      ['b', 'built-in'],
    ]);
    expect(workflows[0]!.overrides.map((o) => o.layer)).toEqual(['built-in', 'user']);
    expect(workflows[0]!.steps).toEqual([{ prompt: 'status_reporter' }]);
    expect(issues.map((i) => [path.relative(root, i.file), i.field])).toEqual([
      ['ws/workflows/b.yaml', 'description'],
      ['ws/workflows/b.yaml', 'steps'],
    ]);
  });

  it('two files of one name in one layer: the second is an issue', async () => {
    const builtinDir = dir('dup', {
      'a.yaml': wfText('a', 'code_reviewer'),
      'a.yml': wfText('a', 'security_scanner'),
    });
    const { workflows, issues } = await loadWorkflows({
      workspace: path.join(root, 'none'),
      prompts,
      builtinDir,
      userDir: path.join(root, 'nouser'),
    });
    expect(workflows.map((w) => w.file)).toEqual([path.join(builtinDir, 'a.yaml')]);
    expect(issues).toEqual([
      {
        file: path.join(builtinDir, 'a.yml'),
        field: 'name',
        problem: `"a" is already defined in this layer by ${path.join(builtinDir, 'a.yaml')}`,
      },
    ]);
  });

  it('only: reads just the files of that name in each layer (the rest are not even parsed)', async () => {
    const builtinDir = dir('only-builtin', {
      'a.yaml': wfText('a', 'code_reviewer'),
      'b.yaml': 'name: b\nsteps: nope\n',
    });
    const userDir = dir('only-user', {
      'a.md': `---\nname: a\nsteps:\n  - prompt: status_reporter\n---\nuser a\n`,
    });
    const opts = { workspace: path.join(root, 'none'), prompts, builtinDir, userDir };
    const one = await loadWorkflows({ ...opts, only: 'a' });
    expect(one.workflows.map((w) => [w.name, w.layer, w.overrides.map((o) => o.layer)])).toEqual([
      ['a', 'user', ['built-in']],
    ]);
    expect(one.issues).toEqual([]);
    expect((await loadWorkflows({ ...opts, only: 'b' })).issues.map((i) => i.field)).toEqual([
      'description',
      'steps',
    ]);
    expect(await loadWorkflows({ ...opts, only: 'c' })).toEqual({ workflows: [], issues: [] });
    expect((await loadWorkflows(opts)).issues.length).toBe(2);
  });
});

describe('the shipped workflows', () => {
  it('are valid against the shipped library, and feature is the six phases in order', async () => {
    const { catalog } = await loadLibrary({ workspace: '/nonexistent', userDir: '/nonexistent' });
    const { workflows, issues } = await loadWorkflows({
      workspace: '/nonexistent',
      prompts: { has: (n) => catalog.get(n) !== undefined },
      userDir: '/nonexistent',
    });
    expect(issues).toEqual([]);
    expect(workflows.map((w) => w.name)).toEqual([
      'bugfix',
      'docs',
      'feature',
      'plan',
      'refactor',
      'review',
      'split',
    ]);
    expect(workflows.every((w) => w.file.startsWith(builtinWorkflowsDir()))).toBe(true);
    const feature = workflows.find((w) => w.name === 'feature')!;
    expect(feature.steps).toEqual(PHASES.map((phase) => ({ phase })));
    // The issue's prompts are reachable from the built-ins.
    const used = new Set(
      workflows.flatMap((w) =>
        walkSteps(w.steps).flatMap(({ step }) =>
          'prompt' in step
            ? [step.prompt]
            : 'parallel' in step && step.parallel.merge
              ? [step.parallel.merge]
              : [],
        ),
      ),
    );
    for (const p of [
      'stack_trace_analyzer',
      'log_pattern_finder',
      'bisect_assistant',
      'refactoring_planner',
      'api_doc_generator',
      'adr_generator',
      'release_notes_generator',
    ])
      expect(used).toContain(p);
  });
});

describe('the README', () => {
  it('its Workflows example is a valid workflow file', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Workflows'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const { catalog } = await loadLibrary({ workspace: '/nonexistent', userDir: '/nonexistent' });
    const r = parseWorkflowFile(yaml, 'workflows/triage.yaml', 'workspace', {
      has: (n) => catalog.get(n) !== undefined,
    });
    expect(r.issues).toEqual([]);
    expect(
      r.doc!.steps.map((s) =>
        Object.keys(s).find((k) => ['prompt', 'parallel', 'if', 'loop', 'gate', 'phase'].includes(k)),
      ),
    ).toEqual(['prompt', 'parallel', 'if', 'loop', 'gate', 'phase']);
  });
});
