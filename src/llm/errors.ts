/**
 * Maps the SDK's error classes to `LlmApiError`: one line saying what failed, one hint saying how
 * to fix it. The SDK has already retried (408/409/429/5xx and connection errors, `maxRetries`
 * times) by the time an error reaches us; we never retry again.
 */
import Anthropic from '@anthropic-ai/sdk';
import { LlmApiError } from '../errors.js';

export interface ErrorContext {
  /** The base URL the client talks to (credentials in it are never shown). */
  baseURL: string;
  /** API keys / tokens that must never appear in a message. */
  secrets: readonly string[];
  maxRetries: number;
  timeoutMs: number;
}

const RESUME = 'Try again later; `claude-exec resume ID` continues the chain where it stopped.';

/** `baseURL` without user info, query or trailing slash, for messages. */
export function displayUrl(baseURL: string): string {
  try {
    const u = new URL(baseURL);
    return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/$/, '');
  } catch {
    return '(invalid base URL)';
  }
}

/** Replaces every secret (≥ 4 characters) in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

function detail(err: InstanceType<typeof Anthropic.APIError>): string {
  const msg = err.apiMessage ?? '';
  return msg ? `: ${msg}` : '';
}

function isOverloaded(err: InstanceType<typeof Anthropic.APIError>): boolean {
  return err.status === 529 || err.type === 'overloaded_error';
}

/**
 * Returns an `LlmApiError` for an SDK error (`Anthropic.AnthropicError` and subclasses), or `err`
 * unchanged for anything else (our own errors, hook errors). The message and hint never contain
 * a secret from `ctx.secrets`.
 */
export function toLlmApiError(err: unknown, ctx: ErrorContext): unknown {
  if (!(err instanceof Anthropic.AnthropicError)) return err;
  const made = describe(err, ctx);
  const status = err instanceof Anthropic.APIError ? err.status : undefined;
  const requestId = err instanceof Anthropic.APIError ? (err.requestID ?? undefined) : undefined;
  return new LlmApiError(redact(made.message, ctx.secrets), {
    ...(status !== undefined ? { status } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    hint: redact(made.hint, ctx.secrets),
    cause: err,
  });
}

function describe(
  err: InstanceType<typeof Anthropic.AnthropicError>,
  ctx: ErrorContext,
): { message: string; hint: string } {
  const url = displayUrl(ctx.baseURL);
  const retries = `after ${ctx.maxRetries} ${ctx.maxRetries === 1 ? 'retry' : 'retries'}`;
  if (err instanceof Anthropic.APIConnectionTimeoutError) {
    return {
      message: `request to ${url} timed out after ${ctx.timeoutMs} ms (${retries})`,
      hint: 'Raise limits.request_timeout_ms, or check ANTHROPIC_BASE_URL and your network.',
    };
  }
  if (err instanceof Anthropic.APIConnectionError) {
    return {
      message: `could not reach ${url} (${retries})`,
      hint: 'Check ANTHROPIC_BASE_URL or your network.',
    };
  }
  if (err instanceof Anthropic.APIUserAbortError) {
    return { message: 'the request to the Messages API was aborted', hint: RESUME };
  }
  if (!(err instanceof Anthropic.APIError)) {
    // Not an HTTP error, e.g. a stream cut off or malformed mid-response: not a credentials problem.
    return {
      message: `the exchange with ${url} failed: ${err.message}`,
      hint: `Check the server at ${url} and your network. ${RESUME}`,
    };
  }
  if (err instanceof Anthropic.AuthenticationError) {
    return {
      message: 'the Messages API rejected the credentials (401)',
      hint: 'Check ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN).',
    };
  }
  if (err instanceof Anthropic.PermissionDeniedError) {
    return {
      message: `the Messages API denied access (403)${detail(err)}`,
      hint: 'Check that the key may use this model and workspace.',
    };
  }
  if (err instanceof Anthropic.NotFoundError) {
    return {
      message: `not found (404)${detail(err)}`,
      hint: `Check the model name (--model or the model tiers in config) and ANTHROPIC_BASE_URL (${url}).`,
    };
  }
  if (err instanceof Anthropic.RateLimitError) {
    return { message: `rate limited by the Messages API (429, ${retries})`, hint: RESUME };
  }
  if (isOverloaded(err)) {
    return { message: `the Messages API is overloaded (529, ${retries})`, hint: RESUME };
  }
  if (err instanceof Anthropic.InternalServerError) {
    return { message: `the Messages API failed (${err.status}, ${retries})${detail(err)}`, hint: RESUME };
  }
  if (err instanceof Anthropic.BadRequestError) {
    return {
      message: `the Messages API rejected the request (400)${detail(err)}`,
      hint: 'Check the model and max_tokens settings; run with --verbose for details.',
    };
  }
  const status = err.status ?? 'stream error';
  return { message: `the Messages API failed (${status})${detail(err)}`, hint: RESUME };
}

/**
 * Pure: why `err` (as `send` throws it, after the SDK's retries) lets a call go to the fallback
 * model — `overloaded (529)` or `server error (5xx)` — or null for any other failure (auth, rate
 * limit, bad request, network, our own errors), which a fallback would not cure.
 */
export function fallbackReason(err: unknown): string | null {
  if (!(err instanceof LlmApiError)) return null;
  const cause = err.cause;
  if (err.status === 529 || (cause instanceof Anthropic.APIError && cause.type === 'overloaded_error'))
    return 'overloaded (529)';
  if (err.status !== undefined && err.status >= 500 && err.status <= 599)
    return `server error (${err.status})`;
  return null;
}
