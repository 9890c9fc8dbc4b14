/**
 * End to end on the claude-code backend: the built binary drives the JWT scenario on the Express
 * fixture through the real Agent SDK and Claude Code, which talk to the fake Messages API
 * (ANTHROPIC_BASE_URL). Asserts on what the fake received and sent: usage call by call, the
 * tools offered, no repeated call across a pause, the budget stop.
 */
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { PHASES } from '../../src/chain/schema.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { claudeConfigDir, describeClaudeCode } from '../helpers/claude-code.js';
import { jsonOut, onlyChain, phasesOf, setupE2e, spawnCli, waitForChain } from '../helpers/e2e.js';
import { GOAL, READS_FIRST, readTurn } from '../helpers/scenario.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { TOKEN_MODULE_PATH, TOKEN_TEST_PATH } from '../helpers/scenario-files.js';

/** Generous: every prompt run starts a Claude Code process, and other test files share the two cores. */
const CC_E2E_TIMEOUT_MS = 400_000;

const cc = (name: string) => `mcp__claude-exec__${name}`;
const READ_TOOLS = ['list_files', 'read_file', 'search_code'];
const OUR_TOOLS = [...READ_TOOLS, 'write_file', 'edit_file', 'run_tests', 'record_findings', 'choose_next_prompts'].map(cc);
/** Prompts whose stand-in model lists the workspace before it answers, whenever it is offered list_files. */
const EXPLORERS = ['new_case', 'requirement_disambiguator', 'prompt_selector'];

/**
 * The tools a step should be offered on Claude Code, in order: its prompt's frontmatter `tools`
 * (none → the result tool alone; write → read and write tools, in implementation only; else read
 * tools), then its result tool (prompt_selector: choose_next_prompts).
 */
function expectedTools(prompt: string, tools: string | undefined, phase: string): string[] {
  const result = prompt === 'prompt_selector' ? 'choose_next_prompts' : 'record_findings';
  const workspace = tools === 'none' || tools === undefined ? [] : tools === 'write' && phase === 'implementation' ? [...READ_TOOLS, 'write_file', 'edit_file', 'run_tests'] : READ_TOOLS;
  return [...workspace, result].map(cc);
}

async function claudeCodeE2e(opts: Parameters<typeof setupE2e>[0] = {}, env: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof setupE2e>>> {
  const e = await setupE2e(opts);
  Object.assign(e.env, { CLAUDE_CONFIG_DIR: claudeConfigDir(), ...env });
  return e;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request's conversation without what Claude Code adds per request (reminders) or for caching. */
function conversationOf(body: { messages: { role: string; content: unknown }[] }): unknown {
  return body.messages.map((m) => ({
    role: m.role,
    content: (Array.isArray(m.content) ? m.content : [{ type: 'text', text: m.content }])
      .filter((b: { text?: string }) => !b.text?.startsWith('<system-reminder>'))
      .map(({ cache_control: _c, ...b }: { cache_control?: unknown }) => b),
  }));
}

/** The index of the fake's reply a call record stands for (its message id `msg_fake_<i>`). */
const replyIndex = (messageId: string | null | undefined) => Number(/^msg_fake_(\d+)$/.exec(messageId ?? '')?.[1] ?? NaN);

describeClaudeCode('claude-exec --backend claude-code (built binary, Agent SDK, fake API)', () => {
  it('runs the whole chain with --yes (a model that reads before it answers): each step offered only its tools, usage equal to what the server sent, message by message', async () => {
    const e = await claudeCodeE2e({ readsFirst: EXPLORERS });
    try {
      const r = await e.run('--backend', 'claude-code', '--yes', '--json', GOAL);
      expect(r.exitCode, r.stderr).toBe(0);
      const out = jsonOut(r);
      expect(out).toMatchObject({ status: 'complete', exit_code: 0, billing: 'api' });

      const { file, ctx } = await onlyChain(e.ws.root);
      expect(phasesOf(ctx)).toEqual([...PHASES]);
      expect(ctx.session_memory.files_modified).toEqual([TOKEN_TEST_PATH, TOKEN_MODULE_PATH]);
      const suite = await execa('node', ['--test'], { cwd: e.ws.root, reject: false });
      expect(suite.exitCode, suite.stdout).toBe(0);

      // Claude Code's built-in tools are never offered; of ours, each step gets what its prompt's
      // `tools` allows in its phase, and a step whose result the API form forces gets only that.
      const sent = e.messages();
      expect(sent.length).toBeGreaterThan(15);
      const declared = new Map((await readPromptDir(builtinPromptsDir(), 'built-in')).docs.map((d) => [d.name, d.tools]));
      const offered = new Map<string, string[]>();
      for (const req of sent) {
        const t = readTurn(req.body)!;
        // Claude Code orders the tools itself: compared as sets.
        const names = req.body.tools.map((x: { name: string }) => x.name).sort();
        expect(names, `${t.prompt} in ${t.phase}`).toEqual(expectedTools(t.prompt, declared.get(t.prompt), t.phase).sort());
        offered.set(t.prompt, names);
      }
      // The explorers ran with and without read tools, and the chain still completed.
      expect(offered.get('prompt_selector')).toEqual([cc('choose_next_prompts')]);
      expect(offered.get('requirement_disambiguator')).toEqual([cc('record_findings')]);
      expect(offered.get('test_generator')).toEqual(OUR_TOOLS.filter((n) => n !== cc('choose_next_prompts')).sort());
      const explored = e.scenario.log.filter((l) => l.prompt === 'new_case').length;
      expect(explored).toBe(READS_FIRST + 1);
      // Every prompt ran through Claude Code, its instructions inside Claude Code's first message.
      expect(sent.every((req) => readTurn(req.body) !== null)).toBe(true);

      // One call record per reply the server sent, with that reply's usage exactly.
      expect(ctx.calls).toHaveLength(sent.length);
      expect(e.server.sentUsage).toHaveLength(sent.length);
      const replies = ctx.calls.map((c) => replyIndex(c.message_id));
      expect([...replies].sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
      for (const call of ctx.calls) {
        const i = replyIndex(call.message_id);
        expect(call.usage).toEqual(e.server.sentUsage[i]);
        expect(call.request_id).toBe(`req_fake_${i}`);
        expect(call.session_id).toEqual(expect.any(String));
        expect(call.billing).toBe('api');
        expect(call.cost_usd).toBeGreaterThan(0);
      }
      expect(ctx.cost_tracking).toEqual(deriveCostTracking(ctx.calls));
      expect(out.cost_usd).toBe(Math.round(ctx.cost_tracking.estimated_cost * 1e6) / 1e6);
      // The cached prefix (tools, system) is read from cache by the calls that send a tool set sent
      // before: a step is offered only its tools, so each of the few sets is written once.
      const toolSet = (call: (typeof ctx.calls)[number]) => sent[replyIndex(call.message_id)]!.body.tools.map((x: { name: string }) => x.name).sort().join(',');
      const seenSets = new Set<string>();
      const repeats = [...ctx.calls].sort((a, b) => replyIndex(a.message_id) - replyIndex(b.message_id)).filter((c) => {
        const key = toolSet(c);
        const seen = seenSets.has(key);
        seenSets.add(key);
        return seen;
      });
      expect(seenSets.size).toBeLessThanOrEqual(4);
      expect(repeats.filter((c) => (c.usage.cache_read_input_tokens ?? 0) > 0).length).toBeGreaterThan(repeats.length * 0.8);
      // Claude Code's own cost figure agreed with the price table on every step.
      expect(readFileSync(file.replace(/\.json$/, '.log'), 'utf8')).not.toContain('reports another cost');
    } finally {
      await e.close();
    }
  }, CC_E2E_TIMEOUT_MS);

  it('pauses at each gate (exit 3) and resumes in new processes without repeating a call', async () => {
    const e = await claudeCodeE2e({}, { CLAUDE_EXEC_BACKEND: 'claude-code' });
    try {
      const first = await e.run('--json', GOAL);
      expect(first.exitCode, first.stderr).toBe(3);
      const id = jsonOut(first).chain_id as string;
      expect(jsonOut(first)).toMatchObject({ status: 'awaiting-input', pending: { kind: 'questions' } });

      const answered = await e.run('answer', id, '--answer', 'q1=Yes, rotate on every use', '--answer', 'q2=Read it from JWT_SIGNING_KEY', '--json');
      expect(answered.exitCode, answered.stderr).toBe(3);
      expect(jsonOut(answered)).toMatchObject({ pending: { kind: 'approval' } });
      const approved = await e.run('approve', id, '--json');
      expect(approved.exitCode, approved.stderr).toBe(3);
      expect(jsonOut(approved)).toMatchObject({ pending: { kind: 'file-change', path: TOKEN_TEST_PATH } });
      const paused = (await onlyChain(e.ws.root)).ctx;
      const pausedStep = paused.in_flight.at(-1)!;
      expect(pausedStep.messages[0]).toMatchObject({ type: 'claude_code_session' });
      const before = e.messages().length;

      const done = await e.run('resume', id, '--yes', '--json');
      expect(done.exitCode, done.stderr).toBe(0);
      expect(jsonOut(done)).toMatchObject({ status: 'complete', files_modified: [TOKEN_TEST_PATH, TOKEN_MODULE_PATH] });
      const { ctx } = await onlyChain(e.ws.root);
      // Every request the server saw is one recorded call: nothing was sent twice.
      expect(ctx.calls).toHaveLength(e.messages().length);
      expect(new Set(ctx.calls.map((c) => c.message_id)).size).toBe(ctx.calls.length);
      // The first request after the pause continued the paused session with the approved write.
      const resumed = e.messages()[before]!;
      expect(readTurn(resumed.body)?.prompt).toBe('test_generator');
      const lastUser = JSON.stringify(resumed.body.messages.at(-1));
      expect(lastUser).toContain(`created ${TOKEN_TEST_PATH}`);
      expect(resumed.headers['x-claude-code-session-id']).toBe((pausedStep.messages[0] as { session_id: string }).session_id);
    } finally {
      await e.close();
    }
  }, CC_E2E_TIMEOUT_MS);

  it('kill -9 in the middle of a Claude Code step: no orphan goes on calling, and resume repeats no recorded call', async () => {
    const e = await claudeCodeE2e({ latencyMs: 150 });
    try {
      const child = spawnCli(['--backend', 'claude-code', '--yes', GOAL], e.ws.root, e.env);
      // Mid-step: a discovery prompt has made a call and continues in its session.
      await waitForChain(e.ws.root, (c) => c.in_flight.some((f) => c.calls.some((k) => k.step === f.step && k.prompt === 'trace_existing_flow')), 300_000);
      child.kill('SIGKILL');
      await child;
      const atKill = e.messages().length;
      await sleep(3000);
      // Claude Code died with claude-exec: no call after the kill but the ones already in flight.
      const before = e.messages().length;
      expect(before - atKill).toBeLessThanOrEqual(2);
      const crashed = (await onlyChain(e.ws.root)).ctx;
      const conversation = (i: number) => JSON.stringify(conversationOf(e.messages()[i]!.body));
      const recorded = new Set(crashed.calls.map((c) => conversation(replyIndex(c.message_id))));

      const resumed = await e.run('resume', crashed.chain_id, '--backend', 'claude-code', '--yes', '--json');
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      expect(jsonOut(resumed)).toMatchObject({ status: 'complete' });
      const { ctx } = await onlyChain(e.ws.root);
      expect(ctx.calls.slice(0, crashed.calls.length)).toEqual(crashed.calls);
      // No request after the crash sends a conversation already answered by a recorded call.
      const after = e.messages().map((_, i) => i).slice(before);
      expect(after.filter((i) => recorded.has(conversation(i)))).toEqual([]);
      // The interrupted step went on from what it had done: its next request carries those results.
      const step = crashed.in_flight.find((f) => crashed.calls.some((k) => k.step === f.step && k.prompt === 'trace_existing_flow'))!;
      const next = after.map((i) => e.messages()[i]!).find((r) => readTurn(r.body)?.prompt === 'trace_existing_flow' && readTurn(r.body)?.step === step.step)!;
      expect(readTurn(next.body)!.turn).toBeGreaterThan(0);
      expect(JSON.stringify(next.body.messages)).toContain("import session from 'express-session';");
      // Every request after the crash became a call.
      const inCalls = new Set(ctx.calls.map((c) => replyIndex(c.message_id)));
      expect(after.filter((i) => !inCalls.has(i))).toEqual([]);
    } finally {
      await e.close();
    }
  }, CC_E2E_TIMEOUT_MS);

  it('--max-cost stops before a call would pass the limit (exit 4); resume with a higher limit completes', async () => {
    const e = await claudeCodeE2e();
    try {
      const stopped = await e.run('--backend', 'claude-code', '--yes', '--json', '--max-cost', '0.2', GOAL);
      expect(stopped.exitCode, stopped.stderr).toBe(4);
      const out = jsonOut(stopped);
      expect(out).toMatchObject({ status: 'budget-exceeded' });
      expect(stopped.stderr).toMatch(/budget reached/);
      expect(out.calls as number).toBeGreaterThan(2);
      expect(out.cost_usd as number).toBeLessThanOrEqual(0.2);
      expect(e.messages()).toHaveLength(out.calls as number);

      const resumed = await e.run('resume', out.chain_id as string, '--backend', 'claude-code', '--max-cost', '50', '--yes', '--json');
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      expect(e.messages()).toHaveLength(jsonOut(resumed).calls as number);
    } finally {
      await e.close();
    }
  }, CC_E2E_TIMEOUT_MS);

  it('on a Claude subscription (OAuth token): tokens recorded, cost marked subscription, never $0', async () => {
    const e = await claudeCodeE2e({ questionRounds: 0 });
    try {
      delete e.env.ANTHROPIC_API_KEY;
      e.env.CLAUDE_CODE_OAUTH_TOKEN = 'sk-ant-oat01-e2e-subscription-token';
      const r = await e.run('--backend', 'claude-code', '--yes', '--json', '--max-cost', '0.01', '--until', 'uncertainty-analysis', GOAL);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain('--max-cost does not limit this chain');
      const out = jsonOut(r);
      expect(out).toMatchObject({ status: 'paused', cost_usd: null, billing: 'subscription' });
      const sent = e.messages();
      expect(sent.every((q) => q.headers.authorization === 'Bearer sk-ant-oat01-e2e-subscription-token')).toBe(true);
      const { ctx } = await onlyChain(e.ws.root);
      expect(ctx.calls).toHaveLength(sent.length);
      expect(ctx.calls.every((c) => c.billing === 'subscription' && c.cost_usd === null)).toBe(true);
      expect(ctx.cost_tracking).toMatchObject({ subscription_calls: sent.length, unpriced_calls: 0, estimated_cost: 0 });
      expect(ctx.cost_tracking.tokens_used).toBeGreaterThan(0);

      const cost = jsonOut(await e.run('chain-cost', ctx.chain_id, '--json'));
      expect(cost).toMatchObject({ schema: 'claude-exec/chain-cost@1', billing: 'subscription', cost_usd: null, cost_per_prompt_usd: null, subscription_calls: sent.length, unpriced_calls: 0 });
      const text = await e.run('chain-cost', ctx.chain_id);
      expect(text.stdout).toContain('Estimated cost: subscription');
      expect(text.stdout).not.toMatch(/\$0\.0000/);
      const report = jsonOut(await e.run('cost-report', '--json'));
      expect(report).toMatchObject({ totals: { cost_usd: null, subscription_calls: sent.length, unpriced_calls: 0 }, average_cost_per_chain_usd: null });
      expect(report.top_chains).toMatchObject([{ chain_id: ctx.chain_id, cost_usd: null, subscription_calls: sent.length }]);
      expect((await e.run('cost-report')).stdout).toContain('Total cost: subscription');
    } finally {
      await e.close();
    }
  }, CC_E2E_TIMEOUT_MS);
});
