/**
 * Tests of the claude-code backend need the optional Claude Agent SDK (CI installs it, see
 * .ci/run). Without it they are skipped, and the reason is printed and carried in the suite's
 * name: never silently.
 */
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'vitest';
import { AGENT_SDK, pinnedSdkVersion } from '../../src/llm/claude-code/sdk.js';
import type { RecordedRequest } from './fake-anthropic.js';
import { setupE2e, type E2e } from './e2e.js';

const require = createRequire(import.meta.url);

function installed(): boolean {
  try {
    require.resolve(AGENT_SDK);
    require.resolve('@modelcontextprotocol/sdk/server/index.js');
    return true;
  } catch {
    return false;
  }
}

const CLAUDE_CODE_AVAILABLE = installed();
const SKIP_REASON = `skipped: ${AGENT_SDK} is not installed (npm install --no-save ${AGENT_SDK}@${pinnedSdkVersion()})`;

/** `describe` when the SDK is installed; otherwise a skipped suite whose name says why (and a printed warning). */
export function describeClaudeCode(name: string, fn: () => void): void {
  if (CLAUDE_CODE_AVAILABLE) {
    describe(name, fn);
    return;
  }
  console.warn(`[claude-code tests] ${name}: ${SKIP_REASON}`);
  describe.skip(`${name} (${SKIP_REASON})`, fn);
}

/** A fresh Claude Code config directory (sessions, settings), so tests never touch ~/.claude. */
export function claudeConfigDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'claude-exec-cc-config-'));
}

/** POST /v1/messages requests. */
export const messagesOf = (requests: RecordedRequest[]) =>
  requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages');

/**
 * Generous per-test timeout of the Claude Code end-to-end files: every prompt run starts a Claude
 * Code process, and other test files share the two cores.
 */
export const CC_E2E_TIMEOUT_MS = 400_000;

/** An end-to-end setup (built binary, fake API) whose Claude Code keeps its config in a fresh directory. */
export async function claudeCodeE2e(
  opts: Parameters<typeof setupE2e>[0] = {},
  env: Record<string, string> = {},
): Promise<E2e> {
  const e = await setupE2e(opts);
  Object.assign(e.env, { CLAUDE_CONFIG_DIR: claudeConfigDir(), ...env });
  return e;
}
