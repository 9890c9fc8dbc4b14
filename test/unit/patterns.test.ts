import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newChainContext } from '../../src/chain/init.js';
import type { ChainContext, Step } from '../../src/chain/schema.js';
import {
  matchPatterns,
  patternAdaptations,
  queuedDiscovery,
  seedChain,
  seededQuestionsOpen,
  SUGGEST_THRESHOLD,
} from '../../src/patterns/apply.js';
import { buildPattern, patternName, uncertaintyPath } from '../../src/patterns/build.js';
import {
  loadPatterns,
  parsePatternFile,
  serializePattern,
  type PatternFrontmatter,
} from '../../src/patterns/file.js';
import { tempDir } from '../helpers/prompt-files.js';

const fm = (over: Partial<PatternFrontmatter> = {}): PatternFrontmatter => ({
  name: 'session_to_token_auth',
  task_kind: 'Add token auth beside sessions',
  keywords: ['jwt'],
  source: { chain_id: '001', chain_uid: 'uid-00000001', goal: 'Add JWT auth' },
  created_at: '2026-01-01T00:00:00.000Z',
  questions: [{ question: 'Rotate refresh tokens?', answer: 'Yes', why: 'store' }],
  decisions: [{ key: 'token_format', choice: 'JWT', rationale: 'r' }],
  discovery_prompts: [{ name: 'trace_existing_flow', confidence_gain: 0.2 }],
  generated_prompts: [],
  uncertainty_path: [0.45, 0.68, 0.84, 0.95],
  approval_iterations: 1,
  duration_ms: 60_000,
  model_time_ms: 30_000,
  calls: 20,
  cost_usd: 0.4,
  lessons: ['l'],
  suggested_prompts: ['trace_existing_flow'],
  ...over,
});

describe('pattern files', () => {
  it('round-trips through serialize and parse', () => {
    const text = serializePattern(fm(), '# body\n\ntext');
    const r = parsePatternFile(text, '/w/patterns/session_to_token_auth.md', 'workspace');
    expect(r.issues).toEqual([]);
    expect(r.doc).toMatchObject({ ...fm(), body: '# body\n\ntext', layer: 'workspace' });
  });

  it.each([
    ['an unknown key', serializePattern(fm(), 'b').replace('name:', 'colour: red\nname:'), /colour/],
    [
      'a name that is not the stem',
      serializePattern(fm({ name: 'other_name' }), 'b'),
      /must equal the file name stem/,
    ],
    ['a name that is not snake_case', serializePattern(fm({ name: 'Bad-Name' }), 'b'), /snake_case/],
    ['a confidence above 1', serializePattern(fm({ uncertainty_path: [1.5] }), 'b'), /uncertainty_path/],
    ['no frontmatter', '# just markdown\n', /missing/],
    ['a javascript frontmatter', '---js\n{ name: "x" }\n---\nbody', /only YAML/],
  ])('refuses %s', (_what, text, problem) => {
    const r = parsePatternFile(text, '/w/patterns/session_to_token_auth.md', 'workspace');
    expect(r.doc).toBeUndefined();
    expect(r.issues.map((i) => `${i.field}: ${i.problem}`).join('\n')).toMatch(problem);
  });

  it('layers user < workspace and reports invalid files without loading them', async () => {
    const ws = await tempDir('claude-exec-patterns-');
    const user = await tempDir('claude-exec-user-patterns-');
    await fs.mkdir(path.join(ws, 'patterns'));
    await fs.writeFile(
      path.join(user, 'session_to_token_auth.md'),
      serializePattern(fm({ task_kind: 'user copy' }), 'u'),
    );
    await fs.writeFile(path.join(user, 'user_only.md'), serializePattern(fm({ name: 'user_only' }), 'u'));
    await fs.writeFile(
      path.join(ws, 'patterns', 'session_to_token_auth.md'),
      serializePattern(fm({ task_kind: 'workspace copy' }), 'w'),
    );
    await fs.writeFile(path.join(ws, 'patterns', 'broken.md'), '---\nname: broken\n---\n');
    const { patterns, issues } = await loadPatterns(ws, { userDir: user });
    expect(patterns.map((p) => [p.name, p.layer, p.task_kind])).toEqual([
      ['session_to_token_auth', 'workspace', 'workspace copy'],
      ['user_only', 'user', 'Add token auth beside sessions'],
    ]);
    expect(patterns[0]!.overrides).toBe(path.join(user, 'session_to_token_auth.md'));
    expect(issues.every((i) => i.file.endsWith('broken.md'))).toBe(true);
    expect(issues.length).toBeGreaterThan(0);
  });
});

function step(n: number, prompt: string, over: Partial<Step>): Step {
  return {
    n,
    phase: 'context-building',
    prompt,
    focus: null,
    status: 'complete',
    started_at: '',
    ended_at: null,
    summary: 's',
    confidence_before: null,
    confidence_after: null,
    effect: n,
    error: null,
    confidence_reported: null,
    confidence_gain: null,
    ...over,
  } as Step;
}

describe('building a pattern from a chain', () => {
  const base = newChainContext({
    chainId: '007',
    chainUid: 'uid-00000007',
    goal: 'Add JWT auth to the API',
    slug: 'add-jwt-auth',
    workspace: '/w',
    model: 'm',
    models: { fast: 'm', default: 'm', smart: 'm' },
    now: new Date('2026-01-01T00:00:00Z'),
  });
  const ctx: ChainContext = {
    ...base,
    status: 'complete',
    updated_at: '2026-01-01T00:10:00.000Z',
    steps: [
      step(1, 'new_case', {
        phase: 'requirements-clarification',
        confidence_before: 0.45,
        confidence_after: 0.45,
      }),
      step(2, 'trace_existing_flow', {
        confidence_before: 0.45,
        confidence_after: 0.45,
        confidence_gain: 0.05,
      }),
      step(3, 'dependency_analyzer', {
        confidence_before: 0.45,
        confidence_after: 0.45,
        confidence_gain: 0.3,
      }),
      step(4, 'prompt_selector', { confidence_gain: 0.9 }),
      step(5, 'uncertainty_analysis', {
        phase: 'uncertainty-analysis',
        confidence_before: 0.45,
        confidence_after: 0.683,
      }),
      step(6, 'confidence_calibrator', {
        phase: 'uncertainty-analysis',
        confidence_before: 0.683,
        confidence_after: 0.95,
      }),
    ],
    questions: [
      {
        id: 'q1',
        question: 'Rotate?',
        why: 'w',
        default_answer: 'Yes',
        answer: 'No',
        answered_by: 'user',
        round: 1,
      },
      {
        id: 'q2',
        question: 'Unanswered?',
        why: 'w',
        default_answer: 'd',
        answer: null,
        answered_by: null,
        round: 1,
      },
    ],
    decisions: { token_format: { choice: 'JWT', rationale: 'stateless' } },
    calls: [1, 2].map((i) => ({
      id: i,
      step: 1,
      phase: 'context-building' as const,
      prompt: 'x',
      model: 'm',
      request_id: null,
      started_at: '',
      latency_ms: 1000,
      usage: { input_tokens: 1, output_tokens: 1 },
      cost_usd: 0.25,
      pricing_version: 't',
    })),
    approval_history: [
      {
        phase: 'solution-approval',
        kind: 'solution',
        presented: 'p',
        user_response: 'rejected',
        note: 'n',
        timestamp: '',
      },
      {
        phase: 'solution-approval',
        kind: 'solution',
        presented: 'p',
        user_response: 'approved',
        note: null,
        timestamp: '',
      },
    ],
  };

  it('takes the facts from the record and the judgement from the extractor', () => {
    const { fm: p, body } = buildPattern(
      ctx,
      {
        summary: 'Sum.',
        discovered: {
          pattern_name: 'token_auth',
          task_shape: 'Tokens beside sessions',
          pattern_lessons: ['Ask about rotation'],
        },
        suggested_prompts: ['trace_existing_flow'],
        findings: ['wasted: none'],
      },
      { now: new Date('2026-02-01T00:00:00Z') },
    );
    expect(p).toMatchObject({
      name: 'token_auth',
      task_kind: 'Tokens beside sessions',
      questions: [{ question: 'Rotate?', answer: 'No', why: 'w' }],
      decisions: [{ key: 'token_format', choice: 'JWT', rationale: 'stateless' }],
      discovery_prompts: [
        { name: 'dependency_analyzer', confidence_gain: 0.3 },
        { name: 'trace_existing_flow', confidence_gain: 0.05 },
      ],
      uncertainty_path: [0.45, 0.68, 0.95],
      approval_iterations: 2,
      duration_ms: 600_000,
      model_time_ms: 2000,
      calls: 2,
      cost_usd: 0.5,
      lessons: ['Ask about rotation'],
      source: { chain_id: '007' },
    });
    expect(body).toContain('## Lessons\n- Ask about rotation');
    expect(body).toContain('## Wasted and missing steps\n- wasted: none');
  });

  it('names it from --name, else the extractor, else the slug; without an extraction it keeps the facts', () => {
    expect(buildPattern(ctx, null, { name: 'JWT with Session Migration!', now: new Date() }).fm.name).toBe(
      'jwt_with_session_migration',
    );
    const bare = buildPattern(ctx, null, { now: new Date() }).fm;
    expect(bare).toMatchObject({
      name: 'add_jwt_auth',
      task_kind: 'Add JWT auth to the API',
      lessons: [],
      questions: [{ question: 'Rotate?' }],
    });
    expect(patternName('123 !!')).toBeNull();
    expect(uncertaintyPath({ steps: [] })).toEqual([]);
  });
});

describe('matching a task against the saved patterns', () => {
  const doc = (name: string, goal: string, task_kind: string, keywords: string[] = []) => ({
    ...fm({ name, task_kind, keywords, source: { chain_id: '001', chain_uid: 'uid-00000001', goal } }),
    body: '',
    file: `/p/${name}.md`,
    layer: 'workspace' as const,
  });
  const patterns = [
    doc(
      'session_to_token_auth',
      'Add JWT authentication with refresh tokens to this Express app',
      'Add token authentication beside session login in a Node web app',
      ['jwt', 'token', 'session'],
    ),
    doc(
      'mysql_to_postgres',
      'Migrate the reporting database from MySQL to Postgres',
      'Move a relational database to another engine, keeping the queries working',
      ['database', 'migration', 'sql'],
    ),
    doc(
      'flaky_test_fix',
      'Fix the flaky login test',
      'Find and remove the nondeterminism behind an intermittently failing test',
    ),
    doc(
      'api_rate_limit',
      'Add rate limiting to the public API',
      'Throttle requests per client on an HTTP API',
      ['throttle', 'quota'],
    ),
  ];
  it.each([
    ['Add JWT auth with refresh tokens to my Express API', 'session_to_token_auth'],
    ['add jwt authentication to the admin express app', 'session_to_token_auth'],
    ['Adding token authentication to the Node web app', 'session_to_token_auth'],
    ['Migrate the billing database from MySQL to PostgreSQL', 'mysql_to_postgres'],
    ['Fix the flaky signup test', 'flaky_test_fix'],
    ['Throttle requests per client on the HTTP API', 'api_rate_limit'],
    ['Add rate limits to the public API', 'api_rate_limit'],
  ])('"%s" matches %s first', (task, name) => {
    const [best] = matchPatterns(task, patterns);
    expect(best?.pattern.name).toBe(name);
    expect(best!.similarity).toBeGreaterThanOrEqual(SUGGEST_THRESHOLD);
  });
  it.each([
    'Write a README for the project',
    'Add dark mode to the settings page',
    'Translate the error messages into French',
    'Add',
    'the and of',
  ])('"%s" matches nothing', (task) => {
    expect(matchPatterns(task, patterns)).toEqual([]);
  });
  it('does not suggest the JWT pattern for a database migration, nor the reverse', () => {
    expect(
      matchPatterns('Migrate sessions from MySQL to Postgres', patterns).map((m) => m.pattern.name),
    ).not.toContain('session_to_token_auth');
    expect(
      matchPatterns('Add JWT authentication to the Express app', patterns).map((m) => m.pattern.name),
    ).toEqual(['session_to_token_auth']);
  });
});

describe('applying a pattern to a new chain', () => {
  const doc = {
    ...fm({
      discovery_prompts: [
        { name: 'trace_existing_flow', confidence_gain: 0.2 },
        { name: 'no_such_prompt', confidence_gain: 0.1 },
      ],
      suggested_prompts: ['dependency_analyzer', 'trace_existing_flow'],
      generated_prompts: ['queue_mapper', 'gone_prompt'],
    }),
    body: '',
    file: '/p/session_to_token_auth.md',
    layer: 'workspace' as const,
  };
  const catalogNames = new Set(['trace_existing_flow', 'dependency_analyzer', 'queue_mapper']);
  const catalog = {
    get: (n: string) => (catalogNames.has(n) ? ({ name: n } as never) : undefined),
    prompts: [],
  } as unknown as Parameters<typeof seedChain>[2]['catalog'];
  const fresh = () =>
    newChainContext({
      chainId: '009',
      chainUid: 'uid-00000009',
      goal: 'Add JWT auth to the admin API',
      slug: 's',
      workspace: '/w',
      model: 'm',
      models: { fast: 'm', default: 'm', smart: 'm' },
      now: new Date('2026-01-01T00:00:00Z'),
    });

  it('seeds its questions (answers as defaults), decisions, known discovery prompts and generated prompts', () => {
    const ctx = seedChain(fresh(), doc, { similarity: 0.87, appliedBy: 'yes', catalog });
    expect(ctx.questions).toEqual([
      {
        id: 'q1',
        question: 'Rotate refresh tokens?',
        why: 'store',
        default_answer: 'Yes',
        answer: null,
        answered_by: null,
        round: 1,
      },
    ]);
    expect(ctx.pattern).toMatchObject({
      name: 'session_to_token_auth',
      similarity: 0.87,
      applied_by: 'yes',
      questions: ['q1'],
      discovery: ['trace_existing_flow', 'dependency_analyzer'],
      generated_loaded: ['queue_mapper'],
      generated_missing: ['gone_prompt'],
      queued: false,
    });
    expect(seededQuestionsOpen(ctx)).toBe(true);
    ctx.questions[0]!.answer = 'Yes';
    expect(seededQuestionsOpen(ctx)).toBe(false);
  });

  it('queues its discovery prompts once, only those the selector may choose', () => {
    const ctx = seedChain(fresh(), doc, { similarity: 0.9, appliedBy: 'flag', catalog });
    const first = queuedDiscovery(ctx, ['trace_existing_flow']);
    expect(first).toMatchObject({
      prompts: [{ name: 'trace_existing_flow' }],
      ready_for_analysis: false,
      need_new_prompt: false,
      rationale: 'queued by pattern session_to_token_auth',
    });
    expect(ctx.pattern!.queued).toBe(true);
    expect(queuedDiscovery(ctx, ['trace_existing_flow'])).toBeNull();
    expect(queuedDiscovery(fresh(), ['trace_existing_flow'])).toBeNull();
  });

  it('records how the chain departed from it', () => {
    const ctx = seedChain(fresh(), doc, { similarity: 0.9, appliedBy: 'confirmed', catalog });
    ctx.questions[0]!.answer = 'No';
    ctx.decisions = {
      token_format: { choice: 'PASETO', rationale: 'r' },
      storage: { choice: 'Redis', rationale: 'r' },
    };
    expect(patternAdaptations(ctx)).toEqual([
      'answer to "Rotate refresh tokens?" changed: "Yes" → "No"',
      'decision token_format revised: "JWT" → "PASETO"',
      'new decision storage: Redis',
      'discovery prompt trace_existing_flow did not run',
      'discovery prompt dependency_analyzer did not run',
    ]);
  });
});
