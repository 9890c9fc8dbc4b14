/**
 * How Claude Code's calls are paid for, from what it says about its credential
 * (`Query.accountInfo()`). Pure.
 */
import type { Billing } from '../types.js';

export interface AccountInfo {
  subscriptionType?: string;
  tokenSource?: string;
  apiKeySource?: string;
  apiProvider?: string;
}

/** Config `claude_code.billing`: `auto` decides from the account; the others force it. */
export type BillingSetting = 'auto' | Billing;

/**
 * Claude Code's OAuth token sources (a claude.ai login or a `claude setup-token` token): the
 * values its own code treats as a Claude subscription login (Claude Code 2.1.333).
 */
const OAUTH_TOKEN_SOURCES = new Set([
  'claude.ai',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN_FILE_DESCRIPTOR',
  'CCR_OAUTH_TOKEN_FILE',
]);

/**
 * `subscription` when Claude Code signs in to Anthropic with a Claude plan (a subscription type,
 * or an OAuth token source) and uses no API key; `api` otherwise: an API key (environment,
 * key helper, or a Console login's managed key), a bearer token for a gateway, or a cloud
 * provider (Bedrock, Vertex, …), all billed per token.
 */
export function billingOf(info: AccountInfo, setting: BillingSetting = 'auto'): Billing {
  if (setting !== 'auto') return setting;
  if (info.apiProvider && info.apiProvider !== 'firstParty') return 'api';
  if (info.apiKeySource && info.apiKeySource !== 'none') return 'api';
  if (info.subscriptionType) return 'subscription';
  return info.tokenSource && OAUTH_TOKEN_SOURCES.has(info.tokenSource) ? 'subscription' : 'api';
}
