/**
 * The pure parts of the claude-code backend: how a call is billed, the install command, reading
 * a query's stream into calls and a conversation, the replay prompt, the saved transcript.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LlmApiError, StepFailedError } from '../../src/errors.js';
import { billingOf } from '../../src/llm/claude-code/billing.js';
import { failureOf } from '../../src/llm/claude-code/failure.js';
import { claudeEnv } from '../../src/llm/claude-code/options.js';
import { Conversation, ownName, wireName } from '../../src/llm/claude-code/conversation.js';
import { REPLAY_HEADING, replayPrompt } from '../../src/llm/claude-code/resume.js';
import { continueConversation, ITERATION_PREFIX } from '../../src/llm/conversation.js';
import { installCommand } from '../../src/llm/claude-code/sdk.js';
import { saveTranscript, splitTranscript, type SessionRef } from '../../src/llm/transcript.js';
import type { StructuredRunSpec } from '../../src/llm/types.js';
import { FindingsSchema } from '../../src/phases/protocol.js';
import { readTurn } from '../helpers/scenario.js';

describe('billingOf (Claude Code account → how calls are paid)', () => {
  it.each([
    [{ apiKeySource: 'ANTHROPIC_API_KEY', apiProvider: 'firstParty' }, 'api'],
    [{ apiKeySource: '/login managed key', tokenSource: 'claude.ai' }, 'api'],
    [{ apiKeySource: 'apiKeyHelper' }, 'api'],
    [{ subscriptionType: 'max', apiProvider: 'firstParty' }, 'subscription'],
    [{ tokenSource: 'CLAUDE_CODE_OAUTH_TOKEN', apiProvider: 'firstParty' }, 'subscription'],
    [{ tokenSource: 'claude.ai' }, 'subscription'],
    [{ tokenSource: 'ANTHROPIC_AUTH_TOKEN' }, 'api'],
    [{ apiProvider: 'bedrock', subscriptionType: 'max' }, 'api'],
    [{}, 'api'],
  ] as const)('%j → %s', (info, expected) => {
    expect(billingOf(info)).toBe(expected);
  });

  it('a configured billing wins over the account', () => {
    expect(billingOf({ apiKeySource: 'ANTHROPIC_API_KEY' }, 'subscription')).toBe('subscription');
    expect(billingOf({ subscriptionType: 'pro' }, 'api')).toBe('api');
  });
});

describe('installCommand', () => {
  const g = path.resolve('/usr/lib/node_modules');
  it('installs globally next to a global claude-exec', () => {
    expect(installCommand(path.join(g, 'claude-exec'), g, '1.2.3')).toBe(
      'npm install -g @anthropic-ai/claude-agent-sdk@1.2.3',
    );
  });
  it('installs into the project whose dependency claude-exec is', () => {
    expect(installCommand('/work/app/node_modules/claude-exec', g, '1.2.3')).toBe(
      'cd /work/app && npm install @anthropic-ai/claude-agent-sdk@1.2.3',
    );
  });
  it('installs without touching the lockfile in a checkout', () => {
    expect(installCommand('/src/claude-exec', g, '1.2.3')).toBe(
      'cd /src/claude-exec && npm install --no-save @anthropic-ai/claude-agent-sdk@1.2.3',
    );
  });
});

const at = (ms: number) => ({ ms, iso: new Date(1_800_000_000_000 + ms).toISOString() });
const stream = (event: Record<string, unknown>) => ({
  type: 'stream_event',
  event,
  parent_tool_use_id: null,
  session_id: 'sess-1',
});

describe('Conversation (a query stream → calls and messages)', () => {
  it('builds each call from its stream events: message_start usage updated by message_delta, ids, timing', () => {
    const conv = new Conversation(
      [{ role: 'user', content: [{ type: 'text', text: 'Prompt: x' }] }],
      'claude-sonnet-4-6',
    );
    expect(conv.feed({ type: 'system', subtype: 'init', session_id: 'sess-1' }, at(0))).toEqual({});
    conv.feed({ type: 'system', subtype: 'status', status: 'requesting', session_id: 'sess-1' }, at(10));
    const startUsage = {
      input_tokens: 5,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 2000,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 0 },
      output_tokens: 1,
      service_tier: 'standard',
    };
    conv.feed(
      stream({
        type: 'message_start',
        message: { id: 'msg_1', model: 'claude-sonnet-4-6-20260101', usage: startUsage },
      }),
      at(30),
    );
    expect(conv.inCall).toBe(true);
    expect(
      conv.feed(
        stream({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Look' } }),
        at(31),
      ),
    ).toEqual({ text: 'Look' });
    conv.feed(
      {
        type: 'assistant',
        parent_tool_use_id: null,
        session_id: 'sess-1',
        uuid: 'u-a',
        request_id: 'req_1',
        message: { id: 'msg_1', content: [{ type: 'text', text: 'Looking.', citations: null }] },
      },
      at(40),
    );
    conv.feed(
      {
        type: 'assistant',
        parent_tool_use_id: null,
        session_id: 'sess-1',
        uuid: 'u-b',
        request_id: 'req_1',
        message: {
          id: 'msg_1',
          content: [
            { type: 'thinking', thinking: '…' },
            { type: 'tool_use', id: 'tu_1', name: wireName('read_file'), input: { path: 'a' } },
          ],
        },
      },
      at(45),
    );
    conv.feed(
      stream({
        type: 'message_delta',
        delta: { stop_reason: 'tool_use' },
        usage: { output_tokens: 42, input_tokens: 5, cache_read_input_tokens: null },
      }),
      at(50),
    );
    const out = conv.feed(stream({ type: 'message_stop' }), at(60.5));
    expect(out.call).toEqual({
      model: 'claude-sonnet-4-6-20260101',
      request_id: 'req_1',
      session_id: 'sess-1',
      message_id: 'msg_1',
      started_at: at(10).iso,
      latency_ms: 50.5,
      usage: { ...startUsage, output_tokens: 42 },
    });
    expect(conv.inCall).toBe(false);
    // One assistant message per API message, our tool names, no thinking blocks.
    expect(conv.messages.at(-1)).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Looking.' },
        { type: 'tool_use', id: 'tu_1', name: 'read_file', input: { path: 'a' } },
      ],
    });
    expect(conv.hasToolUse('tu_1')).toBe(true);
    expect(conv.resumeAt).toBe('u-b');
    expect(conv.sessionId).toBe('sess-1');
  });

  it('joins the tool results of one turn into one user message; keeps correction text; skips replays and subagents', () => {
    const conv = new Conversation([{ role: 'user', content: 'go' }], 'm');
    conv.feed(
      {
        type: 'assistant',
        parent_tool_use_id: null,
        uuid: 'u1',
        message: {
          id: 'msg_1',
          content: [
            { type: 'tool_use', id: 't1', name: wireName('list_files'), input: {} },
            { type: 'tool_use', id: 't2', name: wireName('read_file'), input: { path: 'b' } },
          ],
        },
      },
      at(0),
    );
    conv.feed(
      {
        type: 'user',
        parent_tool_use_id: null,
        message: {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'a/' }] }],
        },
      },
      at(1),
    );
    conv.feed(
      {
        type: 'user',
        parent_tool_use_id: null,
        message: {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 't2', content: 'missing', is_error: true }],
        },
      },
      at(2),
    );
    conv.feed(
      {
        type: 'user',
        parent_tool_use_id: 'task_1',
        message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'sub' }] },
      },
      at(3),
    );
    conv.feed(
      { type: 'user', parent_tool_use_id: null, isReplay: true, message: { role: 'user', content: 'old' } },
      at(4),
    );
    conv.feed(
      {
        type: 'user',
        parent_tool_use_id: null,
        isSynthetic: true,
        message: {
          role: 'user',
          content: [{ type: 'text', text: 'Stop hook feedback:\nCall record_findings now.' }],
        },
      },
      at(5),
    );
    expect(conv.messages.slice(2)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'a/' }] },
          { type: 'tool_result', tool_use_id: 't2', content: 'missing', is_error: true },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Stop hook feedback:\nCall record_findings now.' }] },
    ]);
  });

  it("notes Claude Code's message for a failed call, which is no part of the conversation", () => {
    const conv = new Conversation([], 'm');
    conv.feed(
      {
        type: 'assistant',
        parent_tool_use_id: null,
        error: 'rate_limit',
        message: { id: 'x', content: [{ type: 'text', text: 'API Error: 429' }] },
      },
      at(0),
    );
    expect(conv.apiError).toBe('rate_limit');
    expect(conv.messages).toEqual([]);
  });

  it('maps tool names both ways', () => {
    expect(wireName('read_file')).toBe('mcp__claude-exec__read_file');
    expect(ownName('mcp__claude-exec__read_file')).toBe('read_file');
    expect(ownName('read_file')).toBe('read_file');
  });
});

describe('saved transcripts', () => {
  const ref: SessionRef = { type: 'claude_code_session', session_id: 's', resume_at: 'u' };
  const messages = [{ role: 'user' as const, content: 'hi' }];
  it('put the session first and split back; the API backend sees plain messages', () => {
    expect(saveTranscript(messages, ref)).toEqual([ref, ...messages]);
    expect(splitTranscript(saveTranscript(messages, ref))).toEqual({ session: ref, messages });
    expect(splitTranscript(saveTranscript(messages, null))).toEqual({ session: null, messages });
  });
});

describe('replayPrompt (restarting a step in a new session)', () => {
  const spec = {
    instructions: 'Prompt: trace_existing_flow · phase: context-building · step 3\n\nTrace it.',
    result: { name: 'record_findings', description: '', schema: FindingsSchema },
  } as unknown as StructuredRunSpec<unknown>;
  const saved = [
    { role: 'user' as const, content: [{ type: 'text' as const, text: spec.instructions }] },
    {
      role: 'assistant' as const,
      content: [
        { type: 'tool_use' as const, id: 't1', name: 'list_files', input: { path: 'src' } },
        { type: 'tool_use' as const, id: 't2', name: 'read_file', input: { path: 'src/app.js' } },
      ],
    },
    {
      role: 'user' as const,
      content: [
        { type: 'tool_result' as const, tool_use_id: 't1', content: 'src/app.js' },
        {
          type: 'tool_result' as const,
          tool_use_id: 't2',
          content: [{ type: 'text' as const, text: 'x'.repeat(5000) }],
          is_error: false,
        },
      ],
    },
    {
      role: 'assistant' as const,
      content: [
        { type: 'tool_use' as const, id: 't3', name: 'search_code', input: { pattern: 'req.session' } },
      ],
    },
    {
      role: 'user' as const,
      content: [{ type: 'tool_result' as const, tool_use_id: 't3', content: 'bad regex', is_error: true }],
    },
  ];

  it('gives the instructions and every tool call with its result, turn by turn, capped', () => {
    const r = replayPrompt(spec, saved, { turns: 2, corrections: 0, toolCalls: 0 });
    expect(r).toMatchObject({ kind: 'replay', turns: 2, corrections: 0, toolCalls: 0 });
    expect(r.prompt.startsWith(spec.instructions)).toBe(true);
    expect(r.prompt).toContain(REPLAY_HEADING);
    expect(r.prompt).toContain('### Turn 1: list_files {"path":"src"}\nsrc/app.js');
    expect(r.prompt).toContain('### Turn 2: search_code {"pattern":"req.session"} (error)\nbad regex');
    expect(r.prompt).toContain('[cut at 4000 characters]');
    expect(r.prompt).not.toContain('x'.repeat(4001));
  });

  it('is read back by the scripted model as the turns already taken', () => {
    const t = readTurn({
      messages: [
        {
          role: 'user',
          content: replayPrompt(spec, saved, { turns: 2, corrections: 0, toolCalls: 0 }).prompt,
        },
      ],
    });
    expect(t).toMatchObject({ prompt: 'trace_existing_flow', step: 3, turn: 2 });
    expect(t!.results.map((x) => [x.name, x.isError])).toEqual([
      ['list_files', false],
      ['read_file', false],
      ['search_code', true],
    ]);
  });

  it('a conversation continued with a new failure ends with that failure', () => {
    const continued = continueConversation(
      [
        ...saved,
        {
          role: 'assistant' as const,
          content: [{ type: 'tool_use' as const, id: 't4', name: 'record_findings', input: {} }],
        },
      ],
      'record_findings',
      'tests fail: 404 !== 200',
    );
    const r = replayPrompt(spec, continued, { turns: 0, corrections: 0, toolCalls: 0 });
    expect(r.prompt.endsWith(`${ITERATION_PREFIX} tests fail: 404 !== 200`)).toBe(true);
    expect(r.prompt).toContain(REPLAY_HEADING);
  });

  it('without tool calls is just the instructions', () => {
    expect(replayPrompt(spec, saved.slice(0, 1), { turns: 0, corrections: 0, toolCalls: 0 }).prompt).toBe(
      spec.instructions,
    );
  });
});

describe('failureOf (why a query ended without a result)', () => {
  const spec = {
    result: { name: 'record_findings' },
    maxTurns: 8,
    maxCorrections: 2,
    maxCalls: 40,
  } as unknown as StructuredRunSpec<unknown>;
  const env = { ANTHROPIC_API_KEY: 'sk-ant-secret-0123456789' };
  it('a failed call is an LlmApiError (exit 5) with a hint, never carrying the key', () => {
    const err = failureOf({
      result: {
        type: 'result',
        subtype: 'success',
        is_error: true,
        api_error_status: 429,
        result: 'API Error: 429 for key sk-ant-secret-0123456789',
      },
      thrown: null,
      apiError: 'rate_limit',
      spec,
      env,
    });
    expect(err).toBeInstanceOf(LlmApiError);
    expect((err as LlmApiError).exitCode).toBe(5);
    expect((err as LlmApiError).status).toBe(429);
    expect(err.message).toBe(
      "Claude Code's call to the Messages API failed (429): API Error: 429 for key [redacted]",
    );
    expect((err as LlmApiError).hint).toMatch(/claude-exec resume ID/);
  });
  it('no login is said as such', () => {
    const err = failureOf({
      result: {
        type: 'result',
        subtype: 'success',
        is_error: true,
        result: 'Not logged in · Please run /login',
      },
      thrown: null,
      apiError: 'authentication_failed',
      spec,
      env,
    });
    expect(err.message).toBe('Claude Code could not authenticate: Not logged in · Please run /login');
  });
  it('the call cap is a failed step (exit 1); a stop without result too', () => {
    const capped = failureOf({
      result: { type: 'result', subtype: 'error_max_turns', is_error: true, errors: [] },
      thrown: null,
      apiError: null,
      spec,
      env,
    });
    expect(capped).toBeInstanceOf(StepFailedError);
    expect(capped.message).toContain("within the step's 11 calls");
    expect(
      failureOf({
        result: { type: 'result', subtype: 'success', is_error: false, result: '' },
        thrown: null,
        apiError: null,
        spec,
        env,
      }),
    ).toBeInstanceOf(StepFailedError);
  });
  it('a Claude Code process that died says what its log said last', () => {
    const err = failureOf({
      result: null,
      thrown: new Error('Claude Code process exited with code 1'),
      apiError: null,
      stderr: 'starting\nfatal: bad flag\n',
      spec,
      env,
    });
    expect(err).toBeInstanceOf(LlmApiError);
    expect(err.message).toBe('Claude Code stopped without a result: Claude Code process exited with code 1');
    expect(
      failureOf({
        result: null,
        thrown: null,
        apiError: null,
        stderr: 'starting\nfatal: bad flag\n',
        spec,
        env,
      }).message,
    ).toBe('Claude Code stopped without a result: fatal: bad flag');
  });
});

describe("claudeEnv (Claude Code's environment)", () => {
  const opts = { workspace: '/w', maxRetries: 3, timeoutMs: 1000, toolTimeoutMs: 5000, version: '9.9.9' };
  const spec = { maxTokens: 4096 } as unknown as StructuredRunSpec<unknown>;
  it('keeps ours, turns non-essential traffic and compaction off, ties the process to ours', () => {
    const env = claudeEnv({ ...opts, env: { PATH: '/bin', ANTHROPIC_API_KEY: 'k' } }, spec);
    expect(env).toMatchObject({
      PATH: '/bin',
      ANTHROPIC_API_KEY: 'k',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTO_COMPACT: '1',
      BUN_FEATURE_FLAG_NO_ORPHANS: '1',
      CLAUDE_CODE_MAX_OUTPUT_TOKENS: '4096',
      CLAUDE_CODE_MAX_RETRIES: '3',
      MCP_TOOL_TIMEOUT: '5000',
      CLAUDE_AGENT_SDK_CLIENT_APP: 'claude-exec/9.9.9',
    });
    expect(env.CLAUDE_CODE_ATTRIBUTION_HEADER).toBeUndefined();
  });
  it("drops the per-request billing line only towards a server that is not Anthropic's", () => {
    expect(
      claudeEnv({ ...opts, env: { ANTHROPIC_BASE_URL: 'https://api.anthropic.com' } }, spec)
        .CLAUDE_CODE_ATTRIBUTION_HEADER,
    ).toBeUndefined();
    expect(
      claudeEnv({ ...opts, env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8080' } }, spec)
        .CLAUDE_CODE_ATTRIBUTION_HEADER,
    ).toBe('0');
  });
});
