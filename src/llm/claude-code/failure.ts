/**
 * Why a Claude Code query ended without a result, as the error the rest of claude-exec knows:
 * `LlmApiError` (exit 5) for a failed Messages API call or a Claude Code process that failed,
 * `StepFailedError` (exit 1) when the model used up the step's calls. Messages never carry a
 * credential.
 */
import { LlmApiError, StepFailedError } from '../../errors.js';
import { capReached, noResult } from '../agent-loop.js';
import { redact } from '../errors.js';
import type { StructuredRunSpec } from '../types.js';
import type { SdkMessage } from './sdk.js';

const RESUME = 'Try again later; `claude-exec resume ID` continues the chain where it stopped.';
const CREDENTIALS = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'];

/** Claude Code's error kinds of a failed call (`SDKAssistantMessageError`), with what to do. */
const HINTS: Record<string, string> = {
  authentication_failed: 'Log in with `claude` (or set ANTHROPIC_API_KEY for Claude Code), then resume.',
  oauth_org_not_allowed:
    'This Claude login may not be used here; log in with another account or use --backend api.',
  billing_error: 'Check the billing of the account Claude Code uses.',
  rate_limit: RESUME,
  overloaded: RESUME,
  server_error: RESUME,
  model_not_found: 'Check the model name (--model or the model tiers in config).',
  invalid_request: 'Run with --verbose for details.',
};

export interface FailureFacts {
  result: SdkMessage | null;
  thrown: unknown;
  /** The error kind of Claude Code's synthetic message for a failed call, if any. */
  apiError: string | null;
  /** The end of Claude Code's stderr. */
  stderr?: string;
  spec: StructuredRunSpec<unknown>;
  env: Record<string, string | undefined>;
}

/**
 * The hard bound on a step's model calls on Claude Code, independent of the model: the agent
 * turns, the result call and its corrections, and never more than `spec.maxCalls`.
 */
export function callCap(spec: StructuredRunSpec<unknown>): number {
  return Math.min(spec.maxTurns + spec.maxCorrections + 1, spec.maxCalls);
}

/** The error to throw for a query that ended without a valid result. */
export function failureOf(f: FailureFacts): Error {
  const secrets = CREDENTIALS.map((k) => f.env[k]).filter((s): s is string => !!s);
  const r = f.result;
  const said = r
    ? [r.subtype === 'success' ? r.result : '', ...((r.errors as string[] | undefined) ?? [])]
        .filter((s) => typeof s === 'string' && s.trim())
        .join('; ')
    : '';
  const lastLine = (f.stderr ?? '').trim().split('\n').at(-1) ?? '';
  const detail = redact(
    said || (f.thrown instanceof Error ? f.thrown.message : f.thrown ? String(f.thrown) : '') || lastLine,
    secrets,
  ).slice(0, 400);
  const status = typeof r?.api_error_status === 'number' ? (r.api_error_status as number) : undefined;
  if (f.apiError || status !== undefined) {
    const kind = f.apiError ?? 'api_error';
    const what =
      kind === 'authentication_failed'
        ? 'Claude Code could not authenticate'
        : `Claude Code's call to the Messages API failed (${status ?? kind})`;
    return new LlmApiError(`${what}${detail ? `: ${detail}` : ''}`, {
      ...(status !== undefined ? { status } : {}),
      hint: HINTS[kind] ?? RESUME,
    });
  }
  if (r?.subtype === 'error_max_turns') {
    if (callCap(f.spec) === f.spec.maxCalls)
      return capReached(
        f.spec,
        `${f.spec.maxCalls} calls`,
        'caps.step_calls (or caps.chain_calls for the whole chain)',
      );
    return new StepFailedError(
      `the model did not finish ${f.spec.result.name} within the step's ${callCap(f.spec)} calls`,
      'Resume to retry the step, or raise caps.agent_turns.',
    );
  }
  if (r && !r.is_error) return noResult(f.spec, 'did not call any tool');
  return new LlmApiError(`Claude Code stopped without a result${detail ? `: ${detail}` : ''}`, {
    hint: 'Check that Claude Code runs and is logged in (`claude`), or run with --verbose; `claude-exec resume ID` continues the chain.',
  });
}
