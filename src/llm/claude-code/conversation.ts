/**
 * Follows one Claude Code query's message stream: each model call (from the raw stream events,
 * so its usage is exactly what the Messages API sent: `message_start` usage updated by
 * `message_delta`), and the step's conversation as Messages API messages with the workspace
 * tools' own names (what `in_flight` saves and either backend can continue). Pure: the caller
 * passes the clock.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { Usage } from '../../chain/schema.js';
import type { LlmCallResult } from '../types.js';
import type { SdkMessage } from './sdk.js';

type MessageParam = Anthropic.Messages.MessageParam;
type Block = Record<string, unknown>;

/** The in-process MCP server's name: Claude Code offers its tools as `mcp__claude-exec__<name>`. */
export const MCP_SERVER = 'claude-exec';
const PREFIX = `mcp__${MCP_SERVER}__`;

/** A tool's name as Claude Code offers it. */
export const wireName = (name: string): string => PREFIX + name;
/** A tool's own name, from the name the model called. */
export const ownName = (wire: string): string => (wire.startsWith(PREFIX) ? wire.slice(PREFIX.length) : wire);

export interface Clock {
  /** Monotonic ms (performance.now()). */
  ms: number;
  iso: string;
}

interface OpenCall {
  id: string | null;
  model: string | null;
  usage: Record<string, unknown>;
  t0: number;
  startedAt: string;
  requestId: string | null;
}

/** A content block of an assistant message as a request param, or null for kinds not kept (thinking). */
function assistantBlock(b: Block): Block | null {
  if (b.type === 'text') return { type: 'text', text: b.text };
  if (b.type === 'tool_use')
    return { type: 'tool_use', id: b.id, name: ownName(String(b.name)), input: b.input };
  return null;
}

function userBlock(b: Block): Block | null {
  if (b.type === 'tool_result')
    return {
      type: 'tool_result',
      tool_use_id: b.tool_use_id,
      content: b.content,
      ...(b.is_error ? { is_error: true } : {}),
    };
  if (b.type === 'text') return { type: 'text', text: b.text };
  return null;
}

export class Conversation {
  readonly messages: MessageParam[];
  sessionId: string | null = null;
  /** uuid of the session entry that ends the last assistant message (where a resume continues). */
  resumeAt: string | null = null;
  /** Model calls seen starting (message_start), completed or not. */
  started = 0;
  /** The error kind of a synthetic assistant message Claude Code made for a failed call. */
  apiError: string | null = null;
  private requesting: Clock | null = null;
  private open: OpenCall | null = null;
  private lastAssistantId: string | null = null;

  constructor(
    messages: MessageParam[],
    private readonly model: string,
  ) {
    this.messages = messages;
  }

  /** A model call has started (message_start) and not finished (message_stop). */
  get inCall(): boolean {
    return this.open !== null;
  }

  /** Whether an assistant message of the conversation has the tool_use `id`. */
  hasToolUse(id: string): boolean {
    return this.messages.some(
      (m) =>
        m.role === 'assistant' &&
        Array.isArray(m.content) &&
        m.content.some((b) => b.type === 'tool_use' && b.id === id),
    );
  }

  /**
   * Takes one message of the stream. Returns the model call it completed (`message_stop`),
   * streamed text for progress, or nothing. Messages of subagents are not part of the step's
   * conversation (with no Agent tool there are none), but their calls are still returned.
   */
  feed(m: SdkMessage, now: Clock): { call?: LlmCallResult; text?: string } {
    if (typeof m.session_id === 'string') this.sessionId = m.session_id;
    if (m.type === 'system' && m.subtype === 'status' && m.status === 'requesting') this.requesting = now;
    else if (m.type === 'stream_event') return this.event(m.event as Block, now);
    else if (m.type === 'assistant' && m.parent_tool_use_id == null) this.assistant(m);
    else if (m.type === 'user' && m.parent_tool_use_id == null && !m.isReplay) this.user(m);
    return {};
  }

  private event(e: Block, now: Clock): { call?: LlmCallResult; text?: string } {
    if (e.type === 'message_start') {
      const msg = (e.message ?? {}) as Block;
      const since = this.requesting ?? now;
      this.open = {
        id: (msg.id as string) ?? null,
        model: (msg.model as string) ?? null,
        usage: structuredClone((msg.usage ?? {}) as Block),
        t0: since.ms,
        startedAt: since.iso,
        requestId: null,
      };
      this.requesting = null;
      this.started += 1;
    } else if (e.type === 'message_delta' && this.open) {
      for (const [k, v] of Object.entries((e.usage ?? {}) as Block))
        if (v !== null && v !== undefined) this.open.usage[k] = v;
    } else if (e.type === 'content_block_delta') {
      const d = e.delta as Block | undefined;
      if (d?.type === 'text_delta' && typeof d.text === 'string') return { text: d.text };
    } else if (e.type === 'message_stop' && this.open) {
      const o = this.open;
      this.open = null;
      return {
        call: {
          model: o.model ?? this.model,
          request_id: o.requestId,
          session_id: this.sessionId,
          message_id: o.id,
          started_at: o.startedAt,
          latency_ms: Math.round((now.ms - o.t0) * 1000) / 1000,
          usage: o.usage as unknown as Usage,
        },
      };
    }
    return {};
  }

  private assistant(m: SdkMessage): void {
    const msg = (m.message ?? {}) as Block;
    if (m.error) {
      this.apiError = String(m.error);
      return;
    }
    if (this.open && this.open.id === msg.id && typeof m.request_id === 'string')
      this.open.requestId = m.request_id;
    const blocks = ((msg.content ?? []) as Block[]).map(assistantBlock).filter((b): b is Block => b !== null);
    const last = this.messages.at(-1);
    if (last?.role === 'assistant' && this.lastAssistantId !== null && this.lastAssistantId === msg.id) {
      (last.content as unknown as Block[]).push(...blocks);
    } else {
      this.messages.push({ role: 'assistant', content: blocks } as unknown as MessageParam);
      this.lastAssistantId = (msg.id as string) ?? null;
    }
    if (typeof m.uuid === 'string') this.resumeAt = m.uuid;
  }

  private user(m: SdkMessage): void {
    const content = m.message?.content;
    const blocks = (
      typeof content === 'string' ? [{ type: 'text', text: content }] : ((content ?? []) as Block[])
    )
      .map(userBlock)
      .filter((b): b is Block => b !== null);
    if (blocks.length === 0) return;
    const last = this.messages.at(-1);
    const results = blocks.every((b) => b.type === 'tool_result');
    if (
      results &&
      last?.role === 'user' &&
      Array.isArray(last.content) &&
      last.content.every((b) => b.type === 'tool_result')
    ) {
      (last.content as unknown as Block[]).push(...blocks);
    } else {
      this.messages.push({ role: 'user', content: blocks } as unknown as MessageParam);
    }
    this.lastAssistantId = null;
  }
}
