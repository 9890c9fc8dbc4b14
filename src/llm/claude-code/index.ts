/**
 * The `claude-code` backend: the `LlmClient` over the optional Claude Agent SDK, so prompt runs
 * go through Claude Code (its login or key, e.g. a Claude subscription) with claude-exec's own
 * tools, gates and accounting. See ./run.ts for one run.
 */
import type { Billing, LlmClient } from '../types.js';
import { billingOf, type BillingSetting } from './billing.js';
import { TOOL_TIMEOUT_MS, type ClaudeCodeOptions } from './options.js';
import { runClaudeCode } from './run.js';
import { claudeExecVersion, loadClaudeCodeSdk, type SdkQuery } from './sdk.js';

/**
 * Loads the SDK and creates the client. `billing: 'auto'` asks the first query how Claude Code's
 * account pays (then remembers it); `api` / `subscription` force it. Throws `UsageError`
 * (exit 2, with the install command) when the SDK is not installed.
 */
export type ClaudeCodeClientOptions = Omit<ClaudeCodeOptions, 'toolTimeoutMs' | 'version'> & {
  billing: BillingSetting;
};

export async function createClaudeCodeClient(options: ClaudeCodeClientOptions): Promise<LlmClient> {
  const sdk = await loadClaudeCodeSdk();
  const opts: ClaudeCodeOptions & { billing: BillingSetting } = {
    toolTimeoutMs: TOOL_TIMEOUT_MS,
    version: claudeExecVersion(),
    ...options,
  };
  let known: Promise<Billing> | null = null;
  const billing = (q: SdkQuery): Promise<Billing> => {
    if (opts.billing !== 'auto') return Promise.resolve(opts.billing);
    known ??= q.accountInfo().then(
      (info) => billingOf(info),
      (): Billing => 'api',
    );
    return known;
  };
  return { runStructured: (spec, hooks = {}) => runClaudeCode(sdk, opts, spec, hooks, billing) };
}
