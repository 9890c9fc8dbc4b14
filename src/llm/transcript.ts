/**
 * A step's saved conversation (`in_flight[].messages` of the context file), as both backends
 * write and read it. It is a list of Messages API messages (user / assistant, content blocks
 * with the workspace tools' own names), so either backend can continue a step the other began.
 * The Claude Code backend puts one session reference in front of them: the session the step
 * runs in and the entry to continue it from. Pure.
 */
import type Anthropic from '@anthropic-ai/sdk';

type MessageParam = Anthropic.Messages.MessageParam;

/** The Claude Code session a step's conversation continues in. */
export interface SessionRef {
  type: 'claude_code_session';
  session_id: string;
  /** uuid of the session entry that ends the last saved assistant message. */
  resume_at: string;
}

function isSessionRef(x: unknown): x is SessionRef {
  const r = x as Partial<SessionRef> | null;
  return (
    !!r &&
    r.type === 'claude_code_session' &&
    typeof r.session_id === 'string' &&
    typeof r.resume_at === 'string'
  );
}

/** The saved form: the session reference (when there is one) first, then the messages. */
export function saveTranscript(messages: readonly MessageParam[], session: SessionRef | null): unknown[] {
  return session ? [session, ...messages] : [...messages];
}

/** Splits a saved conversation into its session reference (or null) and its messages. */
export function splitTranscript(saved: readonly unknown[]): {
  session: SessionRef | null;
  messages: MessageParam[];
} {
  const session = saved.find(isSessionRef) ?? null;
  return { session, messages: saved.filter((m) => !isSessionRef(m)) as MessageParam[] };
}
