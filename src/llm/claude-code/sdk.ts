/**
 * The optional Claude Agent SDK (`@anthropic-ai/claude-agent-sdk`, which brings Claude Code as a
 * platform binary of ~400 MB) and the MCP SDK (a dependency, also used by src/mcp/), loaded with a
 * dynamic import: a plain `npm ci` never needs the Agent SDK, and other commands load neither.
 * Only the few shapes this backend uses are typed here, so the project type-checks without the
 * Agent SDK installed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.js';

export const AGENT_SDK = '@anthropic-ai/claude-agent-sdk';

/** A message of a query's stream (only the fields read here). */
export type SdkMessage = {
  type: string;
  subtype?: string;
  session_id?: string;
  uuid?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [key: string]: any;
};

export interface SdkUserMessage {
  type: 'user';
  message: { role: 'user'; content: unknown[] | string };
  parent_tool_use_id: null;
  session_id: string;
}

/** Hook output: `continue: false` ends the run before the next model call. */
export interface HookOutput {
  continue?: boolean;
  stopReason?: string;
  decision?: 'block';
  reason?: string;
  hookSpecificOutput?: { hookEventName: string; additionalContext?: string };
}

export interface SdkQuery extends AsyncIterable<SdkMessage> {
  accountInfo(): Promise<{
    subscriptionType?: string;
    tokenSource?: string;
    apiKeySource?: string;
    apiProvider?: string;
  }>;
  close(): void;
}

interface AgentSdk {
  query(params: {
    prompt: string | AsyncIterable<SdkUserMessage>;
    options: Record<string, unknown>;
  }): SdkQuery;
}

/** The low-level MCP server (`@modelcontextprotocol/sdk/server`), served in-process to Claude Code. */
export interface McpServer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  setRequestHandler(schema: unknown, handler: (request: any) => Promise<unknown>): void;
  connect(transport: unknown): Promise<void>;
}

export interface McpSdk {
  Server: new (
    info: { name: string; version: string },
    options: { capabilities: { tools: Record<string, never> } },
  ) => McpServer;
  ListToolsRequestSchema: unknown;
  CallToolRequestSchema: unknown;
}

export interface LoadedSdk {
  agent: AgentSdk;
  mcp: McpSdk;
}

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function ownPackage(): { version?: string; optionalBackends?: Record<string, string> } {
  try {
    return JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      version?: string;
      optionalBackends?: Record<string, string>;
    };
  } catch {
    return {};
  }
}

/** The Agent SDK version the backend is tested with (package.json `optionalBackends`). */
export function pinnedSdkVersion(): string {
  return ownPackage().optionalBackends?.[AGENT_SDK] ?? 'latest';
}

/** claude-exec's own version. */
export function claudeExecVersion(): string {
  return ownPackage().version ?? '0.0.0';
}

/**
 * Pure: the one command that installs the SDK where claude-exec resolves it from `packageRoot`:
 * a global install (`npm install -g`), a project's dependency (`npm install` in that project), or
 * a checkout (`npm install --no-save`, which leaves the lockfile alone). `globalRoot` is npm's
 * global node_modules directory.
 */
export function installCommand(packageRoot: string, globalRoot: string, version: string): string {
  const spec = `${AGENT_SDK}@${version}`;
  const parent = path.dirname(path.resolve(packageRoot));
  if (parent === path.resolve(globalRoot)) return `npm install -g ${spec}`;
  if (path.basename(parent) === 'node_modules') return `cd ${path.dirname(parent)} && npm install ${spec}`;
  return `cd ${packageRoot} && npm install --no-save ${spec}`;
}

/** npm's global node_modules for the running node (`<prefix>/lib/node_modules`; `<prefix>/node_modules` on Windows). */
function globalNodeModules(): string {
  const bin = path.dirname(process.execPath);
  return process.platform === 'win32'
    ? path.join(bin, 'node_modules')
    : path.join(bin, '..', 'lib', 'node_modules');
}

function isMissingModule(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

// A variable specifier keeps TypeScript from resolving the optional packages.
const load = (specifier: string): Promise<Record<string, unknown>> =>
  import(specifier) as Promise<Record<string, unknown>>;

/**
 * Loads the Agent SDK and the MCP SDK. Throws `UsageError` (exit 2) naming the one install
 * command when either is missing; rethrows any other load failure.
 */
export async function loadClaudeCodeSdk(): Promise<LoadedSdk> {
  try {
    const [agent, server, types] = await Promise.all([
      load(AGENT_SDK),
      load('@modelcontextprotocol/sdk/server/index.js'),
      load('@modelcontextprotocol/sdk/types.js'),
    ]);
    return {
      agent: agent as unknown as AgentSdk,
      mcp: {
        Server: server.Server as McpSdk['Server'],
        ListToolsRequestSchema: types.ListToolsRequestSchema,
        CallToolRequestSchema: types.CallToolRequestSchema,
      },
    };
  } catch (err) {
    if (!isMissingModule(err)) throw err;
    throw new UsageError(
      `the claude-code backend needs ${AGENT_SDK}, which is not installed`,
      `Install it with: ${installCommand(PACKAGE_ROOT, globalNodeModules(), pinnedSdkVersion())}  (or use --backend api)`,
    );
  }
}
