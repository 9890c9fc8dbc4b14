/**
 * End to end: patterns. A complete chain is saved as a pattern (pattern_extractor runs against
 * the fake server as one more step of that chain, given the chain's record), the file is valid
 * and holds the record's questions and answers; list/show/validate/remove work on it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  it('runs pattern_extractor on the chain record and saves a valid pattern with its answers', async () => {
    const before = e.messages().length;
    const r = await e.run('save-pattern', id, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = jsonOut(r) as { name: string; file: string; reused: boolean; extraction_cost_usd: number; pattern: Record<string, unknown> };
    expect(doc).toMatchObject({ name: 'session_to_token_auth', reused: false, file: path.join(e.ws.root, 'patterns', 'session_to_token_auth.md') });
    expect(doc.extraction_cost_usd).toBeGreaterThan(0);

    // The extractor's request carried the chain's record: the answered questions are in it.
    const sent = e.messages().slice(before);
    expect(sent.map((m) => promptOf(m.body))).toEqual(['pattern_extractor']);
    const instructions = JSON.stringify(sent[0]!.body);
    for (const q of QUESTION_ROUNDS[0]!) expect(instructions).toContain(q.question);

    const p = doc.pattern as { questions: { question: string; answer: string }[]; discovery_prompts: { name: string }[]; uncertainty_path: number[]; calls: number; lessons: string[]; task_kind: string; source: { chain_id: string } };
    expect(p.questions.map((q) => [q.question, q.answer])).toEqual(QUESTION_ROUNDS[0]!.map((q) => [q.question, q.default_answer]));
    expect(p.discovery_prompts.map((d) => d.name).sort()).toEqual(['dependency_analyzer', 'trace_existing_flow']);
    expect(p.uncertainty_path.length).toBeGreaterThan(1);
    expect(p.task_kind).toBe('Add JWT token authentication with refresh tokens beside session login in an Express app');
    expect(p.lessons).toEqual(QUESTION_ROUNDS[0]!.map((q) => `Ask up front: ${q.question} (last answer: ${q.default_answer})`));
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
  }, E2E_TIMEOUT_MS);

  it('refuses to overwrite a saved pattern; --replace reuses the extraction without a call', async () => {
    const before = e.messages().length;
    const again = await e.run('save-pattern', id);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('a pattern named session_to_token_auth is already saved');
    const replaced = jsonOut(await e.run('save-pattern', id, '--replace', '--json'));
    expect(replaced).toMatchObject({ reused: true, extraction_cost_usd: 0 });
    const renamed = jsonOut(await e.run('save-pattern', id, '--name', 'JWT with session migration', '--json'));
    expect(renamed).toMatchObject({ name: 'jwt_with_session_migration', reused: true });
    expect(e.messages().length).toBe(before);
  }, E2E_TIMEOUT_MS);

  it('refuses a chain that is not complete (exit 2, no call)', async () => {
    const before = e.messages().length;
    const paused = await e.run('--json', '--until', 'requirements-clarification', 'Add a health check endpoint to the Express app');
    const pid = jsonOut(paused).chain_id as string;
    const r = await e.run('save-pattern', pid);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/only a complete chain makes a pattern/);
    expect(e.messages().slice(before).some((m) => promptOf(m.body) === 'pattern_extractor')).toBe(false);
  }, E2E_TIMEOUT_MS);

  it('lists, shows, validates and removes patterns; a broken file is reported, not loaded', async () => {
    const list = jsonOut(await e.run('patterns', 'list', '--json')) as { patterns: { name: string; layer: string; source_chain: string }[] };
    expect(list.patterns.map((p) => [p.name, p.layer, p.source_chain])).toEqual([['jwt_with_session_migration', 'workspace', id], ['session_to_token_auth', 'workspace', id]]);
    const show = await e.run('patterns', 'show', 'session_to_token_auth');
    expect(show.stdout).toContain(`${QUESTION_ROUNDS[0]![0]!.question} → ${QUESTION_ROUNDS[0]![0]!.default_answer}`);
    expect((await e.run('patterns', 'show', 'session_to_token')).stderr).toContain('Did you mean: session_to_token_auth');
    expect((await e.run('patterns', 'validate')).stdout).toBe('2 patterns OK');

    await fs.writeFile(path.join(e.ws.root, 'patterns', 'broken.md'), '---\nname: broken\nextra_key: 1\n---\nbody\n');
    const bad = await e.run('patterns', 'validate');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/patterns\/broken\.md: .*extra_key/);
    const listed = await e.run('patterns', 'list', '--json');
    expect((jsonOut(listed) as { patterns: unknown[] }).patterns).toHaveLength(2);

    const removed = jsonOut(await e.run('patterns', 'remove', 'jwt_with_session_migration', '--json'));
    expect(removed).toMatchObject({ name: 'jwt_with_session_migration', layer: 'workspace' });
    await expect(fs.access(path.join(e.ws.root, 'patterns', 'jwt_with_session_migration.md'))).rejects.toThrow();
    expect((await e.run('patterns', 'remove', 'nope')).exitCode).toBe(2);
  }, E2E_TIMEOUT_MS);
});
