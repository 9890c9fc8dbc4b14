/**
 * End to end: patterns. A complete chain is saved as a pattern (pattern_extractor runs against
 * the fake server as one more step of that chain, given the chain's record), the file is valid
 * and holds the record's questions and answers; list/show/validate/remove work on it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchPatterns } from '../../src/patterns/apply.js';
import { loadPatterns, parsePatternFile, serializePattern } from '../../src/patterns/file.js';
import { contextFiles, jsonOut, readContext, setupE2e, type E2e } from '../helpers/e2e.js';
import { GOAL, QUESTION_ROUNDS, readTurn } from '../helpers/scenario.js';

const E2E_TIMEOUT_MS = 300_000;
let e: E2e;
let id: string;

beforeAll(async () => {
  e = await setupE2e();
  const r = await e.run('--yes', '--json', GOAL);
  expect(r.exitCode, r.stderr).toBe(0);
  id = jsonOut(r).chain_id as string;
}, E2E_TIMEOUT_MS);
afterAll(async () => e?.close());

const promptOf = (body: unknown) => readTurn((body ?? {}) as Record<string, unknown>)?.prompt;

describe('save-pattern and patterns', () => {
  it(
    'runs pattern_extractor on the chain record and saves a valid pattern with its answers',
    async () => {
      const before = e.messages().length;
      const r = await e.run('save-pattern', id, '--json');
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = jsonOut(r) as {
        name: string;
        file: string;
        reused: boolean;
        extraction_cost_usd: number;
        pattern: Record<string, unknown>;
      };
      expect(doc).toMatchObject({
        name: 'session_to_token_auth',
        reused: false,
        file: path.join(e.ws.root, 'patterns', 'session_to_token_auth.md'),
      });
      expect(doc.extraction_cost_usd).toBeGreaterThan(0);

      // The extractor's request carried the chain's record: the answered questions are in it.
      const sent = e.messages().slice(before);
      expect(sent.map((m) => promptOf(m.body))).toEqual(['pattern_extractor']);
      const instructions = JSON.stringify(sent[0]!.body);
      for (const q of QUESTION_ROUNDS[0]!) expect(instructions).toContain(q.question);

      const p = doc.pattern as {
        questions: { question: string; answer: string }[];
        discovery_prompts: { name: string }[];
        uncertainty_path: number[];
        calls: number;
        lessons: string[];
        task_kind: string;
        source: { chain_id: string };
      };
      expect(p.questions.map((q) => [q.question, q.answer])).toEqual(
        QUESTION_ROUNDS[0]!.map((q) => [q.question, q.default_answer]),
      );
      expect(p.discovery_prompts.map((d) => d.name).sort()).toEqual([
        'dependency_analyzer',
        'trace_existing_flow',
      ]);
      expect(p.uncertainty_path.length).toBeGreaterThan(1);
      expect(p.task_kind).toBe(
        'Add JWT token authentication with refresh tokens beside session login in an Express app',
      );
      expect(p.lessons).toEqual(
        QUESTION_ROUNDS[0]!.map((q) => `Ask up front: ${q.question} (last answer: ${q.default_answer})`),
      );
      expect(p.source.chain_id).toBe(id);

      // The step is the chain's (with its cost); the chain stays complete; the pattern counts every call.
      const [file] = await contextFiles(e.ws.root);
      const ctx = readContext(file!);
      expect(ctx.status).toBe('complete');
      expect(ctx.steps.at(-1)).toMatchObject({ prompt: 'pattern_extractor', status: 'complete' });
      expect(p.calls).toBe(ctx.calls.length);

      const text = await fs.readFile(doc.file, 'utf8');
      expect(text).toMatch(/^---\nname: session_to_token_auth\n/);
      expect(text).toContain('## Lessons');
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses to overwrite a saved pattern; --replace reuses the extraction without a call',
    async () => {
      const before = e.messages().length;
      const again = await e.run('save-pattern', id);
      expect(again.exitCode).toBe(2);
      expect(again.stderr).toContain('a pattern named session_to_token_auth is already saved');
      const replaced = jsonOut(await e.run('save-pattern', id, '--replace', '--json'));
      expect(replaced).toMatchObject({ reused: true, extraction_cost_usd: 0 });
      const renamed = jsonOut(
        await e.run('save-pattern', id, '--name', 'JWT with session migration', '--json'),
      );
      expect(renamed).toMatchObject({ name: 'jwt_with_session_migration', reused: true });
      expect(e.messages().length).toBe(before);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses a chain that is not complete (exit 2, no call)',
    async () => {
      const before = e.messages().length;
      const paused = await e.run(
        '--json',
        '--until',
        'requirements-clarification',
        'Add a health check endpoint to the Express app',
      );
      const pid = jsonOut(paused).chain_id as string;
      const r = await e.run('save-pattern', pid);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/only a complete chain makes a pattern/);
      expect(
        e
          .messages()
          .slice(before)
          .some((m) => promptOf(m.body) === 'pattern_extractor'),
      ).toBe(false);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'lists, shows, validates and removes patterns; a broken file is reported, not loaded',
    async () => {
      const list = jsonOut(await e.run('patterns', 'list', '--json')) as {
        patterns: { name: string; layer: string; source_chain: string }[];
      };
      expect(list.patterns.map((p) => [p.name, p.layer, p.source_chain])).toEqual([
        ['jwt_with_session_migration', 'workspace', id],
        ['session_to_token_auth', 'workspace', id],
      ]);
      const show = await e.run('patterns', 'show', 'session_to_token_auth');
      expect(show.stdout).toContain(
        `${QUESTION_ROUNDS[0]![0]!.question} → ${QUESTION_ROUNDS[0]![0]!.default_answer}`,
      );
      expect((await e.run('patterns', 'show', 'session_to_token')).stderr).toContain(
        'Did you mean: session_to_token_auth',
      );
      expect((await e.run('patterns', 'validate')).stdout).toBe('2 patterns OK');

      await fs.writeFile(
        path.join(e.ws.root, 'patterns', 'broken.md'),
        '---\nname: broken\nextra_key: 1\n---\nbody\n',
      );
      const bad = await e.run('patterns', 'validate');
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toMatch(/patterns\/broken\.md: .*extra_key/);
      const listed = await e.run('patterns', 'list', '--json');
      expect((jsonOut(listed) as { patterns: unknown[] }).patterns).toHaveLength(2);
      // Written by the test, not by claude-exec: left in place it would need trust before the next run.
      await fs.rm(path.join(e.ws.root, 'patterns', 'broken.md'));

      const removed = jsonOut(await e.run('patterns', 'remove', 'jwt_with_session_migration', '--json'));
      expect(removed).toMatchObject({ name: 'jwt_with_session_migration', layer: 'workspace' });
      await expect(
        fs.access(path.join(e.ws.root, 'patterns', 'jwt_with_session_migration.md')),
      ).rejects.toThrow();
      expect((await e.run('patterns', 'remove', 'nope')).exitCode).toBe(2);
    },
    E2E_TIMEOUT_MS,
  );
});

describe('a similar task suggests and applies the saved pattern', () => {
  const SIMILAR = 'Add JWT auth with refresh tokens to the Express API';
  const requestsOf = (from: number) =>
    e
      .messages()
      .slice(from)
      .map((m) => ({ prompt: promptOf(m.body), text: JSON.stringify(m.body) }));

  it(
    'without a terminal or --yes: reported, not applied',
    async () => {
      const before = e.messages().length;
      const r = await e.run('--json', '--until', 'requirements-clarification', SIMILAR);
      expect(r.stderr).toMatch(
        /Similar pattern: session_to_token_auth \(\d+% match\) — not applied: without a terminal pass --pattern session_to_token_auth/,
      );
      const ctx = readContext((await contextFiles(e.ws.root)).at(-1)!);
      expect(ctx.pattern).toBeNull();
      expect(requestsOf(before).some((q) => q.prompt === 'clarification_generator')).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'with --yes: applied — its answers reach the first request, its discovery runs first, the synthesizer sees its decisions',
    async () => {
      const before = e.messages().length;
      const r = await e.run('--yes', '--json', SIMILAR);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Similar pattern: session_to_token_auth \(\d+% match\) — applied \(--yes\)/);
      expect(r.stderr).toContain(
        'Applying pattern session_to_token_auth: 2 question(s) with its answers as defaults',
      );
      const sent = requestsOf(before);
      // The first request (new_case) already carries the pattern's questions with its answers.
      expect(sent[0]!.prompt).toBe('new_case');
      for (const q of QUESTION_ROUNDS[0]!)
        expect(sent[0]!.text).toContain(`- ${q.question} → ${q.default_answer}`);
      // Requirements were clear at once: no clarification round.
      expect(sent.some((q) => q.prompt === 'clarification_generator')).toBe(false);
      // Context building starts with the pattern's discovery prompts, before any selector call.
      const firstDiscovery = sent.findIndex(
        (q) => q.prompt === 'trace_existing_flow' || q.prompt === 'dependency_analyzer',
      );
      const firstSelector = sent.findIndex((q) => q.prompt === 'prompt_selector');
      expect(firstDiscovery).toBeGreaterThan(0);
      expect(firstSelector === -1 || firstSelector > firstDiscovery).toBe(true);
      const synth = sent.find((q) => q.prompt === 'solution_synthesizer')!;
      expect(synth.text).toContain('Pattern applied: session_to_token_auth');

      const ctx = readContext((await contextFiles(e.ws.root)).at(-1)!);
      expect(ctx.status).toBe('complete');
      expect(ctx.pattern).toMatchObject({
        name: 'session_to_token_auth',
        applied_by: 'yes',
        questions: ['q1', 'q2'],
        queued: true,
        discovery: expect.arrayContaining(['trace_existing_flow', 'dependency_analyzer']),
      });
      expect(ctx.pattern!.similarity).toBeGreaterThanOrEqual(0.5);
      expect(ctx.questions.slice(0, 2).map((q) => [q.question, q.default_answer, q.answered_by])).toEqual(
        QUESTION_ROUNDS[0]!.map((q) => [q.question, q.default_answer, 'assumed']),
      );
      expect(Array.isArray(ctx.pattern!.adaptations)).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a dissimilar task is not matched; an unknown --pattern is refused before anything starts',
    async () => {
      const files = (await contextFiles(e.ws.root)).length;
      const before = e.messages().length;
      const bad = await e.run('--pattern', 'session_to_token', 'Add JWT auth to the admin API');
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain('no pattern named "session_to_token"');
      expect(e.messages().length).toBe(before);
      expect((await contextFiles(e.ws.root)).length).toBe(files);

      const other = await e.run(
        '--yes',
        '--json',
        '--until',
        'requirements-clarification',
        'Translate the error messages into French',
      );
      expect(other.stderr).not.toContain('Similar pattern');
      expect(readContext((await contextFiles(e.ws.root)).at(-1)!).pattern).toBeNull();
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'without a terminal and without --yes, --pattern applies it and the chain waits for its questions before any call',
    async () => {
      const before = e.messages().length;
      const r = await e.run(
        '--json',
        '--pattern',
        'session_to_token_auth',
        'Add token refresh to the mobile login',
      );
      expect(r.exitCode).toBe(3);
      const doc = jsonOut(r) as {
        chain_id: string;
        pending: { kind: string; questions: { id: string; default_answer: string }[] };
      };
      expect(doc.pending.kind).toBe('questions');
      expect(doc.pending.questions.map((q) => [q.id, q.default_answer])).toEqual(
        QUESTION_ROUNDS[0]!.map((q, i) => [`q${i + 1}`, q.default_answer]),
      );
      expect(e.messages().length).toBe(before);
      const pending = jsonOut(await e.run('pending', doc.chain_id, '--json')) as {
        pending: { questions: { id: string; default_answer: string }[] };
      };
      expect(pending.pending.questions.map((q) => q.default_answer)).toEqual(
        QUESTION_ROUNDS[0]!.map((q) => q.default_answer),
      );
      // Answered differently: the answer reaches the first request, and the chain records the adaptation.
      const answered = await e.run(
        'answer',
        doc.chain_id,
        '--answer',
        'q1=No, keep one refresh token per device',
        '--answer',
        `q2=${QUESTION_ROUNDS[0]![1]!.default_answer}`,
        '--yes',
        '--json',
      );
      expect(answered.exitCode, answered.stderr).toBe(0);
      const first = requestsOf(before)[0]!;
      expect(first.prompt).toBe('new_case');
      expect(first.text).toContain(
        `- ${QUESTION_ROUNDS[0]![0]!.question} → No, keep one refresh token per device`,
      );
      const ctx = readContext((await contextFiles(e.ws.root)).at(-1)!);
      expect(ctx).toMatchObject({
        chain_id: doc.chain_id,
        status: 'complete',
        pattern: { name: 'session_to_token_auth', applied_by: 'flag' },
      });
      expect(ctx.pattern!.adaptations).toContain(
        `answer to "${QUESTION_ROUNDS[0]![0]!.question}" changed: "${QUESTION_ROUNDS[0]![0]!.default_answer}" → "No, keep one refresh token per device"`,
      );
    },
    E2E_TIMEOUT_MS,
  );
});

describe('a task in other words: new_case is shown the saved patterns and names the one that applies', () => {
  const OAUTH = 'Add OAuth login to this Express app';
  const JWT = 'jwt_refresh_tokens';

  // The saved pattern as in the report: from "Add JWT authentication with refresh tokens", sharing
  // no word with the task but "add" (the scenario's own pattern also names Express and sessions).
  beforeAll(async () => {
    const dir = path.join(e.ws.root, 'patterns');
    const saved = parsePatternFile(
      await fs.readFile(path.join(dir, 'session_to_token_auth.md'), 'utf8'),
      'session_to_token_auth.md',
      'workspace',
    ).doc!;
    const { body: text, file: _f, layer: _l, overrides: _o, ...fm } = saved;
    const jwt = {
      ...fm,
      name: JWT,
      task_kind: 'JWT authentication with refresh tokens',
      keywords: ['jwt', 'refresh', 'tokens'],
      source: { ...fm.source, goal: 'Add JWT authentication with refresh tokens' },
    };
    await fs.writeFile(path.join(dir, `${JWT}.md`), serializePattern(jwt, text));
    await fs.rm(path.join(dir, 'session_to_token_auth.md'));
    const { patterns } = await loadPatterns(e.ws.root, { userDir: e.env.CLAUDE_EXEC_USER_PATTERNS! });
    expect(patterns.map((p) => p.name)).toEqual([JWT]);
    // No match by words: only new_case can find it.
    expect(matchPatterns(OAUTH, patterns)).toEqual([]);
    // Written by the test, not by claude-exec: the user trusts it, as they would a pattern they wrote.
    const trusted = await e.run('trust', '--json');
    expect(trusted.exitCode, trusted.stderr).toBe(0);
    expect(jsonOut(trusted)).toMatchObject({
      action: 'trusted',
      files: [{ file: `patterns/${JWT}.md`, kind: 'pattern' }],
    });
  });
  const sentFrom = (from: number) =>
    e
      .messages()
      .slice(from)
      .map((m) => ({
        prompt: promptOf(m.body),
        text: readTurn((m.body ?? {}) as Record<string, unknown>)?.instructions ?? '',
      }));

  it('the first chain (no pattern saved yet) showed new_case no pattern list', () => {
    const first = sentFrom(0)[0]!;
    expect(first.prompt).toBe('new_case');
    expect(first.text).not.toContain('## Saved patterns');
  });

  it(
    'without a terminal or --yes: new_case names it, it is reported, not applied',
    async () => {
      const before = e.messages().length;
      const r = await e.run('--json', '--until', 'requirements-clarification', OAUTH);
      // Not a match by words …
      expect(r.stderr).not.toContain('Similar pattern');
      // … but new_case was shown the saved pattern and named it.
      const newCase = sentFrom(before)[0]!;
      expect(newCase.prompt).toBe('new_case');
      expect(newCase.text).toMatch(
        new RegExp(`## Saved patterns\\n[\\s\\S]*\\n- ${JWT}: JWT authentication with refresh tokens`),
      );
      expect(r.stderr).toContain(
        `Pattern ${JWT} fits this task (new_case: both change how users authenticate`,
      );
      expect(r.stderr).toContain(`— not applied: without a terminal pass --pattern ${JWT}`);
      const ctx = readContext((await contextFiles(e.ws.root)).at(-1)!);
      expect(ctx.pattern).toBeNull();
      expect(ctx.pattern_candidates).toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'with --yes: "Add OAuth login" applies the pattern saved from the JWT chain — its questions, discovery and decisions',
    async () => {
      const before = e.messages().length;
      const r = await e.run('--yes', '--json', OAUTH);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('Similar pattern');
      expect(r.stderr).toMatch(
        new RegExp(
          `Pattern ${JWT} fits this task \\(new_case: both change how users authenticate.*\\) — applied \\(--yes\\)`,
        ),
      );
      expect(r.stderr).toContain(`Applying pattern ${JWT}: 2 question(s) with its answers as defaults`);
      const sent = sentFrom(before);
      expect(sent[0]!.prompt).toBe('new_case');
      expect(sent[0]!.text).toContain(`- ${JWT}: `);
      // Only new_case is shown the list.
      expect(sent.slice(1).some((q) => q.text.includes('## Saved patterns'))).toBe(false);
      // The pattern's answers reach the prompts after new_case; its discovery runs before any selector call.
      for (const q of QUESTION_ROUNDS[0]!)
        expect(sent[1]!.text).toContain(`- ${q.question} → ${q.default_answer}`);
      const firstDiscovery = sent.findIndex(
        (q) => q.prompt === 'trace_existing_flow' || q.prompt === 'dependency_analyzer',
      );
      const firstSelector = sent.findIndex((q) => q.prompt === 'prompt_selector');
      expect(firstDiscovery).toBeGreaterThan(0);
      expect(firstSelector === -1 || firstSelector > firstDiscovery).toBe(true);
      expect(sent.find((q) => q.prompt === 'solution_synthesizer')!.text).toContain(
        `Pattern applied: ${JWT} (named by new_case: both change how users authenticate`,
      );

      const ctx = readContext((await contextFiles(e.ws.root)).at(-1)!);
      expect(ctx.status).toBe('complete');
      expect(ctx.pattern).toMatchObject({
        name: JWT,
        applied_by: 'yes',
        queued: true,
        reason: expect.stringContaining('authenticate'),
      });
      expect(ctx.pattern!.questions).toHaveLength(2);
      expect(
        ctx.questions
          .filter((q) => ctx.pattern!.questions.includes(q.id))
          .map((q) => [q.question, q.answered_by]),
      ).toEqual(QUESTION_ROUNDS[0]!.map((q) => [q.question, 'assumed']));
    },
    E2E_TIMEOUT_MS,
  );
});
