/**
 * End to end on the claude-code backend: the built binary drives the JWT scenario on the Express
 * fixture through the real Agent SDK and Claude Code, which talk to the fake Messages API
 * (ANTHROPIC_BASE_URL). Asserts on what the fake received and sent: usage call by call, the
 * tools offered, no call repeated after a kill -9. The gates and the subscription are in
 * claude-code-gates.test.ts, the budget stop in claude-code-budget.test.ts: three files, so the
 * slowest end-to-end tests run side by side.
 */
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { PHASES } from '../../src/chain/schema.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { CC_E2E_TIMEOUT_MS, claudeCodeE2e, describeClaudeCode } from '../helpers/claude-code.js';
import { jsonOut, onlyChain, phasesOf, spawnCli, waitForChain } from '../helpers/e2e.js';
import { GOAL, READS_FIRST, readTurn } from '../helpers/scenario.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { TOKEN_MODULE_PATH, TOKEN_TEST_PATH } from '../helpers/scenario-files.js';

const cc = (name: string) => `mcp__claude-exec__${name}`;
const READ_TOOLS = ['list_files', 'read_file', 'search_code'];
const OUR_TOOLS = [
  ...READ_TOOLS,
  'write_file',
  'edit_file',
  'run_tests',
  'record_findings',
  'choose_next_prompts',
].map(cc);
/** Prompts whose stand-in model lists the workspace before it answers, whenever it is offered list_files. */
const EXPLORERS = ['new_case', 'requirement_disambiguator', 'prompt_selector'];

/**
 * The tools a step should be offered on Claude Code, in order: its prompt's frontmatter `tools`
 * (none → the result tool alone; write → read and write tools, in implementation only; else read
 * tools), then its result tool (prompt_selector: choose_next_prompts).
 */
function expectedTools(prompt: string, tools: string | undefined, phase: string): string[] {
  const result = prompt === 'prompt_selector' ? 'choose_next_prompts' : 'record_findings';
  const workspace =
    tools === 'none' || tools === undefined
      ? []
      : tools === 'write' && phase === 'implementation'
        ? [...READ_TOOLS, 'write_file', 'edit_file', 'run_tests']
        : READ_TOOLS;
  return [...workspace, result].map(cc);
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
const replyIndex = (messageId: string | null | undefined) =>
  Number(/^msg_fake_(\d+)$/.exec(messageId ?? '')?.[1] ?? NaN);

describeClaudeCode('claude-exec --backend claude-code (built binary, Agent SDK, fake API)', () => {
  it(
    'runs the whole chain with --yes (a model that reads before it answers): each step offered only its tools, usage equal to what the server sent, message by message',
    async () => {
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
        const declared = new Map(
          (await readPromptDir(builtinPromptsDir(), 'built-in')).docs.map((d) => [d.name, d.tools]),
        );
        const offered = new Map<string, string[]>();
        for (const req of sent) {
          const t = readTurn(req.body)!;
          // Claude Code orders the tools itself: compared as sets.
          const names = req.body.tools.map((x: { name: string }) => x.name).sort();
          expect(names, `${t.prompt} in ${t.phase}`).toEqual(
            expectedTools(t.prompt, declared.get(t.prompt), t.phase).sort(),
          );
          offered.set(t.prompt, names);
        }
        // The explorers ran with and without read tools, and the chain still completed.
        expect(offered.get('prompt_selector')).toEqual([cc('choose_next_prompts')]);
        expect(offered.get('requirement_disambiguator')).toEqual([cc('record_findings')]);
        expect(offered.get('test_generator')).toEqual(
          OUR_TOOLS.filter((n) => n !== cc('choose_next_prompts')).sort(),
        );
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
        const toolSet = (call: (typeof ctx.calls)[number]) =>
          sent[replyIndex(call.message_id)]!.body.tools.map((x: { name: string }) => x.name)
            .sort()
            .join(',');
        const seenSets = new Set<string>();
        const repeats = [...ctx.calls]
          .sort((a, b) => replyIndex(a.message_id) - replyIndex(b.message_id))
          .filter((c) => {
            const key = toolSet(c);
            const seen = seenSets.has(key);
            seenSets.add(key);
            return seen;
          });
        expect(seenSets.size).toBeLessThanOrEqual(4);
        expect(repeats.filter((c) => (c.usage.cache_read_input_tokens ?? 0) > 0).length).toBeGreaterThan(
          repeats.length * 0.8,
        );
        // Claude Code's own cost figure agreed with the price table on every step.
        expect(readFileSync(file.replace(/\.json$/, '.log'), 'utf8')).not.toContain('reports another cost');
      } finally {
        await e.close();
      }
    },
    CC_E2E_TIMEOUT_MS,
  );

  it(
    'kill -9 in the middle of a Claude Code step: no orphan goes on calling, and resume repeats no recorded call',
    async () => {
      const e = await claudeCodeE2e({ latencyMs: 150 });
      try {
        const child = spawnCli(['--backend', 'claude-code', '--yes', GOAL], e.ws.root, e.env);
        // Mid-step: a discovery prompt has made a call and continues in its session.
        await waitForChain(
          e.ws.root,
          (c) =>
            c.in_flight.some((f) =>
              c.calls.some((k) => k.step === f.step && k.prompt === 'trace_existing_flow'),
            ),
          300_000,
        );
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

        const resumed = await e.run(
          'resume',
          crashed.chain_id,
          '--backend',
          'claude-code',
          '--yes',
          '--json',
        );
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        expect(jsonOut(resumed)).toMatchObject({ status: 'complete' });
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.calls.slice(0, crashed.calls.length)).toEqual(crashed.calls);
        // No request after the crash sends a conversation already answered by a recorded call.
        const after = e
          .messages()
          .map((_, i) => i)
          .slice(before);
        expect(after.filter((i) => recorded.has(conversation(i)))).toEqual([]);
        // The interrupted step went on from what it had done: its next request carries those results.
        const step = crashed.in_flight.find((f) =>
          crashed.calls.some((k) => k.step === f.step && k.prompt === 'trace_existing_flow'),
        )!;
        const next = after
          .map((i) => e.messages()[i]!)
          .find(
            (r) => readTurn(r.body)?.prompt === 'trace_existing_flow' && readTurn(r.body)?.step === step.step,
          )!;
        expect(readTurn(next.body)!.turn).toBeGreaterThan(0);
        expect(JSON.stringify(next.body.messages)).toContain("import session from 'express-session';");
        // Every request after the crash became a call.
        const inCalls = new Set(ctx.calls.map((c) => replyIndex(c.message_id)));
        expect(after.filter((i) => !inCalls.has(i))).toEqual([]);
      } finally {
        await e.close();
      }
    },
    CC_E2E_TIMEOUT_MS,
  );
});
