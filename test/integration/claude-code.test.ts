/**
 * The claude-code backend: runStructured through the real Agent SDK and Claude Code against the
 * fake Messages API (ANTHROPIC_BASE_URL), asserting on what the fake received and sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { loadPriceTable } from '../../src/cost/prices.js';
import { reportedCostMismatch } from '../../src/cost/reported.js';
import { AwaitingInputError, BudgetExceededError } from '../../src/errors.js';
import { createClaudeCodeClient } from '../../src/llm/claude-code/index.js';
import { splitTranscript } from '../../src/llm/transcript.js';
import type { LlmCallResult, RunHooks, StructuredRunSpec } from '../../src/llm/types.js';
import { FindingsSchema, RECORD_FINDINGS, type Findings } from '../../src/phases/protocol.js';
import type { AgentTool } from '../../src/tools/types.js';
import { claudeConfigDir, describeClaudeCode, messagesOf } from '../helpers/claude-code.js';
import { offeredName as offered } from '../helpers/scenario.js';
import {
  startFakeAnthropic,
  type FakeReply,
  type FakeServer,
  type RecordedRequest,
} from '../helpers/fake-anthropic.js';

const MODEL = 'claude-sonnet-4-6';
/** Each test starts Claude Code once or twice; generous for a busy machine. */
const CC_TIMEOUT_MS = 90_000;

let server: FakeServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

let gateOpen = false;
const reads: string[] = [];
const readFile: AgentTool<{ path: string }> = {
  name: 'read_file',
  description: 'Read a workspace file',
  inputSchema: z.object({ path: z.string().min(1) }),
  run: async ({ path: p }) => {
    reads.push(p);
    return { content: `contents of ${p}` };
  },
};
const writeFile: AgentTool<{ path: string; content: string }> = {
  name: 'write_file',
  description: 'Write a workspace file (approval gate)',
  inputSchema: z.object({ path: z.string(), content: z.string() }),
  run: async ({ path: p }) => {
    if (!gateOpen) throw new AwaitingInputError(`waiting for approval of ${p}`);
    return { content: `created ${p}` };
  },
};

function spec(over: Partial<StructuredRunSpec<Findings>> = {}): StructuredRunSpec<Findings> {
  return {
    model: MODEL,
    prefix: { rules: 'PROJECT RULES', catalog: 'PROMPT CATALOG' },
    instructions: 'Prompt: trace_existing_flow · phase: context-building · step 1\n\nTrace the login flow.',
    result: { name: RECORD_FINDINGS, description: 'Record the result.', schema: FindingsSchema },
    allTools: [readFile as AgentTool, writeFile as AgentTool],
    enabledTools: ['read_file', 'write_file'],
    maxTurns: 4,
    maxCorrections: 2,
    maxCalls: 20,
    maxToolCalls: 40,
    maxTokens: 2000,
    ...over,
  };
}

type Script = (req: RecordedRequest, turn: number) => FakeReply;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const assistantTurns = (body: any) =>
  (body?.messages ?? []).filter((m: { role: string }) => m.role === 'assistant').length;

async function setup(script: Script) {
  server = await startFakeAnthropic({ responder: (req) => script(req, assistantTurns(req.body)) });
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-cc-ws-'));
  const config = claudeConfigDir();
  dirs.push(workspace, config);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_API_KEY: 'sk-ant-cc-test-0123456789',
    CLAUDE_CONFIG_DIR: config,
  };
  const client = await createClaudeCodeClient({
    workspace,
    env,
    billing: 'auto',
    maxRetries: 0,
    timeoutMs: 30_000,
  });
  return { server, client };
}

function recorder(extra: RunHooks = {}) {
  const calls: { call: LlmCallResult; messages: unknown[] }[] = [];
  const hooks: RunHooks = { ...extra, onCall: (call, messages) => void calls.push({ call, messages }) };
  return { calls, hooks };
}

const use = (req: RecordedRequest, name: string, input: unknown): FakeReply => ({
  toolUses: [{ name: offered(req.body, name), input }],
});
const findings = (req: RecordedRequest, summary: unknown) => use(req, RECORD_FINDINGS, { summary });
const lastUser = (req: RecordedRequest) => JSON.stringify(req.body.messages.at(-1));

describeClaudeCode('claude-code backend: runStructured', () => {
  it(
    'serves only our tools, records each call with the usage the server sent, and ends on the result tool',
    async () => {
      reads.length = 0;
      const { server, client } = await setup((req, turn) =>
        turn === 0
          ? {
              text: 'Reading the entry.',
              toolUses: [{ name: offered(req.body, 'read_file'), input: { path: 'src/app.js' } }],
            }
          : findings(req, 'Login uses sessions.'),
      );
      const texts: string[] = [];
      const { calls, hooks } = recorder({
        onProgress: (e) => void (e.type === 'text' && texts.push(e.text)),
      });
      const out = await client.runStructured(spec(), hooks);

      expect(out.value).toEqual({ summary: 'Login uses sessions.' });
      expect(reads).toEqual(['src/app.js']);
      expect(texts.join('')).toBe('Reading the entry.');
      const sent = messagesOf(server.requests);
      expect(sent).toHaveLength(2);
      // Claude Code's own tools are never offered; of ours, the step's own and its result tool, under the MCP server's prefix.
      for (const r of sent) {
        expect(r.body.tools.map((t: { name: string }) => t.name).sort()).toEqual(
          ['read_file', 'record_findings', 'write_file'].map((n) => `mcp__claude-exec__${n}`),
        );
        expect(r.body.system.map((b: { text: string }) => b.text).join('\n')).toContain('PROJECT RULES');
      }
      // The instructions reach the model verbatim, inside Claude Code's first user message.
      expect(JSON.stringify(sent[0]!.body.messages[0])).toContain(
        'Prompt: trace_existing_flow · phase: context-building · step 1',
      );
      // One record per call, with the usage exactly as the server sent it.
      expect(calls.map((c) => c.call.message_id)).toEqual(['msg_fake_0', 'msg_fake_1']);
      expect(calls.map((c) => c.call.request_id)).toEqual(['req_fake_0', 'req_fake_1']);
      calls.forEach((c, i) => expect(c.call.usage).toEqual(server.sentUsage[i]));
      expect(calls.every((c) => c.call.billing === 'api' && typeof c.call.session_id === 'string')).toBe(
        true,
      );
      expect(out.calls).toEqual(calls.map((c) => c.call));
      // The saved conversation: the session to resume, then Messages API messages with our tool names.
      const saved = splitTranscript(calls[0]!.messages);
      expect(saved.session).toMatchObject({
        type: 'claude_code_session',
        session_id: calls[0]!.call.session_id,
      });
      expect(saved.messages.at(-1)).toMatchObject({
        role: 'assistant',
        content: [
          { type: 'text', text: 'Reading the entry.' },
          { type: 'tool_use', name: 'read_file', input: { path: 'src/app.js' } },
        ],
      });
      // Claude Code's own figure agrees with our price table.
      expect(out.reportedCostUsd).toBeGreaterThan(0);
      expect(reportedCostMismatch(out.calls, out.reportedCostUsd!, loadPriceTable())).toBeNull();
    },
    CC_TIMEOUT_MS,
  );

  it(
    'sends zod issues back for correction, does not offer (nor run) tools the step may not use, and corrects a reply without a tool call',
    async () => {
      const { server, client } = await setup((req, turn) => {
        if (turn === 0) return use(req, 'write_file', { path: 'x.js', content: 'x' });
        if (turn === 1) return findings(req, 42);
        if (turn === 2) return { text: 'I think I am done.' };
        return findings(req, 'Fixed.');
      });
      const out = await client.runStructured(
        spec({ enabledTools: ['read_file'], maxCorrections: 3 }),
        recorder().hooks,
      );
      expect(out.value).toEqual({ summary: 'Fixed.' });
      const sent = messagesOf(server.requests);
      expect(sent).toHaveLength(4);
      expect(sent[0]!.body.tools.map((t: { name: string }) => t.name).sort()).toEqual([
        'mcp__claude-exec__read_file',
        'mcp__claude-exec__record_findings',
      ]);
      // The call of a tool not offered fails in Claude Code: ours never ran (its closed gate would have paused the step).
      expect(lastUser(sent[1]!)).toContain('"is_error":true');
      expect(lastUser(sent[2]!)).toMatch(
        /record_findings input is invalid; call record_findings again with these fixed:.*summary/,
      );
      expect(lastUser(sent[3]!)).toContain('Call record_findings now to finish this step.');
    },
    CC_TIMEOUT_MS,
  );

  it(
    'stops before the next call when beforeCall throws (the budget): the call is not made',
    async () => {
      const { server, client } = await setup((req) => use(req, 'read_file', { path: 'a.js' }));
      let n = 0;
      const { calls, hooks } = recorder({
        beforeCall: () => {
          if (++n === 2) throw new BudgetExceededError(0.01, 0.02, 0.02);
        },
      });
      await expect(client.runStructured(spec(), hooks)).rejects.toBeInstanceOf(BudgetExceededError);
      expect(messagesOf(server.requests)).toHaveLength(1);
      expect(calls).toHaveLength(1);
    },
    CC_TIMEOUT_MS,
  );

  it(
    'pauses at a gate without another call, and resumes the same session without repeating one',
    async () => {
      gateOpen = false;
      const { server, client } = await setup((req, turn) =>
        turn === 0
          ? use(req, 'write_file', { path: 'src/token.js', content: 'export {}' })
          : findings(req, 'Wrote the module.'),
      );
      const first = recorder();
      await expect(client.runStructured(spec(), first.hooks)).rejects.toBeInstanceOf(AwaitingInputError);
      expect(messagesOf(server.requests)).toHaveLength(1);
      const saved = first.calls.at(-1)!.messages;

      gateOpen = true;
      const second = recorder();
      const out = await client.runStructured(spec({ resumeMessages: saved }), second.hooks);
      expect(out.value).toEqual({ summary: 'Wrote the module.' });
      const sent = messagesOf(server.requests);
      expect(sent).toHaveLength(2);
      // The resumed request continues the first conversation with the write's real result.
      expect(JSON.stringify(sent[1]!.body.messages)).toContain(
        JSON.stringify(sent[0]!.body.messages.at(-1).content.at(-1).text),
      );
      expect(lastUser(sent[1]!)).toContain('created src/token.js');
      expect(lastUser(sent[1]!)).toContain('"tool_use_id":"toolu_fake_0_0"');
      expect(JSON.stringify(sent[1]!.body.messages.at(-2))).toContain('"id":"toolu_fake_0_0"');
      expect(lastUser(sent[1]!)).not.toContain('This step stops here');
      expect(second.calls.map((c) => c.call.session_id)).toEqual([first.calls[0]!.call.session_id]);
    },
    CC_TIMEOUT_MS,
  );

  it(
    'after the agent turns are spent only the result tool runs, and Claude Code stops at the hard call cap',
    async () => {
      reads.length = 0;
      const { server, client } = await setup((req) =>
        use(req, 'read_file', { path: `f${assistantTurns(req.body)}.js` }),
      );
      await expect(
        client.runStructured(spec({ maxTurns: 1, maxCorrections: 1 }), recorder().hooks),
      ).rejects.toThrow(/did not finish record_findings within the step's 3 calls/);
      expect(reads).toEqual(['f0.js']);
      const sent = messagesOf(server.requests);
      expect(sent).toHaveLength(3);
      expect(lastUser(sent[2]!)).toContain('The tool turns of this step are spent: call record_findings now');
    },
    CC_TIMEOUT_MS,
  );

  it(
    'the last call the step may make is told to submit, though agent turns remain (the call cap binds first)',
    async () => {
      reads.length = 0;
      const { server, client } = await setup((req) =>
        use(req, 'read_file', { path: `g${assistantTurns(req.body)}.js` }),
      );
      await expect(
        client.runStructured(spec({ maxTurns: 4, maxCorrections: 2, maxCalls: 2 }), recorder().hooks),
      ).rejects.toThrow(/limit of 2 calls/);
      const sent = messagesOf(server.requests);
      expect(sent).toHaveLength(2);
      expect(reads).toEqual(['g0.js']);
      expect(lastUser(sent[1]!)).toContain('call record_findings now');
    },
    CC_TIMEOUT_MS,
  );
});
