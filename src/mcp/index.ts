/**
 * The MCP servers of a run (config `mcp_servers`, user config only): started together when a
 * chain is driven, their tools added after the workspace tools, and closed when the drive ends
 * (or killed on an interrupt). A server that fails to start is one warning; the chain goes on
 * without its tools. The SDK is imported here lazily, so nothing else ever loads it.
 */
import type { McpServerConfig } from '../config/schema.js';
import type { AgentTool } from '../tools/types.js';
import { mcpCatalogSection, planServerTools, type PlannedTool } from './plan.js';
import { mcpAgentTool } from './tools.js';

/** The MCP tools of one drive, and the servers behind them. */
export interface McpTools {
  /** Agent tools, server by server in config order, each server's in its own order. */
  tools: AgentTool[];
  planned: PlannedTool[];
  /** The catalog section (./plan.ts `mcpCatalogSection`). */
  catalog: string;
  /** Closes every server (a stdio server's process ends); never throws. */
  close(): Promise<void>;
  /** Kills every stdio server at once (SIGTERM), for an interrupt that exits right after. */
  killSync(): void;
}

export interface OpenOptions {
  cwd: string;
  /** `${NAME}` in env and header values is looked up here (the process environment). */
  env: Record<string, string | undefined>;
  /** limits.tool_output_bytes. */
  maxOutputBytes: number;
  version: string;
  warn(text: string): void;
  /** The chain log: servers' stderr and what each offered. */
  log(fields: Record<string, unknown>, msg: string): void;
}

/**
 * Starts every server of `servers` at once and plans their tools. Never throws for a server: one
 * that fails to start, lists no tools, or lists tools that cannot be offered is warned about.
 */
export async function openMcpTools(
  servers: Readonly<Record<string, McpServerConfig>>,
  opts: OpenOptions,
): Promise<McpTools> {
  const { connectServer } = await import('./connect.js');
  const names = Object.keys(servers);
  const settled = await Promise.allSettled(
    names.map((name) =>
      connectServer(name, servers[name]!, {
        cwd: opts.cwd,
        env: opts.env,
        version: opts.version,
        log: (line) => opts.log({ mcp_server: name }, line),
      }),
    ),
  );
  const tools: AgentTool[] = [];
  const planned: PlannedTool[] = [];
  const open: { close(): Promise<void>; pid(): number | null }[] = [];
  const taken = new Set<string>();
  settled.forEach((s, i) => {
    const name = names[i]!;
    if (s.status === 'rejected') {
      opts.warn(
        `MCP server ${name} did not start: ${(s.reason as Error)?.message ?? String(s.reason)}; the chain goes on without its tools`,
      );
      return;
    }
    open.push(s.value);
    const plan = planServerTools(name, servers[name]!, s.value.listed, taken);
    for (const w of plan.warnings) opts.warn(w);
    for (const t of plan.tools) {
      taken.add(t.name);
      planned.push(t);
      tools.push(mcpAgentTool(t, s.value.call, opts.maxOutputBytes));
    }
    opts.log(
      { mcp_server: name, tools: plan.tools.map((t) => `${t.name}${t.write ? ' (write)' : ''}`) },
      'MCP server started',
    );
  });
  return {
    tools,
    planned,
    catalog: mcpCatalogSection(planned),
    close: async () => {
      await Promise.allSettled(open.map((c) => c.close()));
    },
    killSync: () => {
      for (const c of open) {
        const pid = c.pid();
        try {
          if (pid) process.kill(pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
    },
  };
}
