/**
 * The tickets MCP server (./mcp-tickets.ts) over stdio, for end-to-end tests: run as
 * `tsx test/helpers/mcp-tickets-server.ts`. When `$TICKETS_CALLS` is set, it appends a JSON line
 * `started` (with its process id) and then one per call, so a test sees what the server received
 * and whether it still runs. With `$TICKETS_STUBBORN` set it outlives the end of its stdin, so only
 * a signal stops it.
 */
import { appendFileSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createTicketsServer } from './mcp-tickets.js';

function logged(tool: string, args: unknown): void {
  if (process.env.TICKETS_CALLS)
    appendFileSync(process.env.TICKETS_CALLS, `${JSON.stringify({ tool, args })}\n`);
}

await createTicketsServer(logged).connect(new StdioServerTransport());
logged('started', { pid: process.pid });
if (process.env.TICKETS_STUBBORN) setInterval(() => undefined, 1 << 30);
