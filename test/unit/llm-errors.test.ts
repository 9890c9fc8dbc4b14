import { describe, expect, it } from 'vitest';
import { displayUrl, redact, toLlmApiError } from '../../src/llm/errors.js';
import { StepFailedError } from '../../src/errors.js';

describe('LLM error helpers', () => {
  it('shows a base URL without credentials, query or trailing slash', () => {
    expect(displayUrl('http://user:pw@127.0.0.1:11434/?key=abc')).toBe('http://127.0.0.1:11434');
    expect(displayUrl('https://gateway.example.com/anthropic/')).toBe(
      'https://gateway.example.com/anthropic',
    );
    expect(displayUrl('not a url')).toBe('(invalid base URL)');
  });

  it('redacts every occurrence of each secret, ignoring trivially short ones', () => {
    expect(redact('key sk-ant-1 then sk-ant-1 and tok-9', ['sk-ant-1', 'tok-9', 'a'])).toBe(
      'key [redacted] then [redacted] and [redacted]',
    );
  });

  it('returns non-SDK errors unchanged', () => {
    const err = new StepFailedError('x');
    expect(toLlmApiError(err, { baseURL: 'http://x', secrets: [], maxRetries: 2, timeoutMs: 1 })).toBe(err);
  });
});
