/**
 * One connection to an MCP server through the official SDK's client (`@modelcontextprotocol/sdk`):
 * stdio (the command started as a child process in the workspace, without a shell, with the SDK's
 * minimal inherited environment plus the server's `env`) or streamable HTTP (with its `headers`).
 * Loaded only when `mcp_servers` is configured (./index.ts imports this module lazily).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpServerConfig } from '../config/schema.js';
import { expandEnvRefs, type ListedTool } from './plan.js';
import type { McpCall, McpCallResult } from './tools.js';

/** A connected server: the tools it lists, a way to call them, and its end. */
export interface McpConnection {
  listed: ListedTool[];
  call: McpCall;
  close(): Promise<void>;
  /** The stdio server's process id (null for HTTP, or once it has exited). */
  pid(): number | null;
}

export interface ConnectOptions {
  /** The workspace: a stdio server's working directory. */
  cwd: string;
  /** Where `${NAME}` in env and header values is looked up (the process environment). */
  env: Record<string, string | undefined>;
  /** claude-exec's version, told to the server. */
  version: string;
  /** A line of the server's stderr, or a note (e.g. an unset `${NAME}`). */
  log(line: string): void;
}

/** Pages of `tools/list` read at most (a server that pages forever is cut there). */
const MAX_LIST_PAGES = 20;
/** Characters of a stdio server's last stderr kept for the error when it fails to start. */
const STDERR_TAIL = 600;

function expandAll(
  values: Record<string, string> | undefined,
  env: ConnectOptions['env'],
  what: string,
  log: ConnectOptions['log'],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values ?? {})) {
    const { value, unset } = expandEnvRefs(v, env);
    for (const name of unset) log(`${what} ${k}: \${${name}} is not set in the environment`);
    out[k] = value;
  }
  return out;
}

/**
 * Starts (stdio) or reaches (HTTP) server `name`, runs the MCP handshake and lists its tools, each
 * within `config.timeout_ms`. Throws `Error` with what failed (the spawn error, the server's last
 * stderr, a timeout, an HTTP status); the transport is closed first.
 */
export async function connectServer(
  name: string,
  config: McpServerConfig,
  opts: ConnectOptions,
): Promise<McpConnection> {
  let stderrTail = '';
  let stdio: StdioClientTransport | null = null;
  let transport: StdioClientTransport | StreamableHTTPClientTransport;
  if (config.command) {
    const [command, ...args] = config.command;
    stdio = new StdioClientTransport({
      command: command!,
      args,
      env: expandAll(config.env, opts.env, 'env', opts.log),
      cwd: opts.cwd,
      stderr: 'pipe',
    });
    stdio.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL);
      for (const line of text.split('\n')) if (line.trim()) opts.log(line);
    });
    transport = stdio;
  } else {
    const headers = expandAll(config.headers, opts.env, 'header', opts.log);
    transport = new StreamableHTTPClientTransport(new URL(config.url!), { requestInit: { headers } });
  }
  const client = new Client({ name: 'claude-exec', version: opts.version });
  const timeout = config.timeout_ms;
  try {
    await client.connect(transport, { timeout });
    const listed: ListedTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const res = await client.listTools(cursor ? { cursor } : undefined, { timeout });
      listed.push(
        ...res.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
      );
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    return {
      listed,
      call: async (tool, args) =>
        (await client.callTool({ name: tool, arguments: args }, undefined, { timeout })) as McpCallResult,
      close: () => client.close(),
      pid: () => stdio?.pid ?? null,
    };
  } catch (err) {
    await client.close().catch(() => undefined);
    const last = stderrTail.trim().split('\n').at(-1)?.trim();
    throw new Error(`${(err as Error)?.message ?? String(err)}${last ? ` (its stderr: ${last})` : ''}`, {
      cause: err,
    });
  }
}
