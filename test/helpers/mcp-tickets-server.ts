/**
 * A small MCP server over stdio for tests (the official SDK's McpServer + StdioServerTransport),
 * run as `tsx test/helpers/mcp-tickets-server.ts`. Tools: `lookup_ticket` (read), `close_ticket`
 * (changes things), `flaky_lookup` (always fails with an error result). Each call is appended as a
 * JSON line to `$TICKETS_CALLS` when that is set (and, first, `started` with the process id), so a
 * test sees what the server received and whether it still runs; the
 * server's environment (`TICKETS_PREFIX`, `ANTHROPIC_API_KEY`) is answered by `lookup_ticket`.
 */
import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { TICKET_TEXT } from './mcp-tickets.js';

const server = new McpServer({ name: 'tickets', version: '1.0.0' });

function logged(tool: string, args: unknown): void {
  if (process.env.TICKETS_CALLS) appendFileSync(process.env.TICKETS_CALLS, `${JSON.stringify({ tool, args })}\n`);
}

server.registerTool(
  'lookup_ticket',
  { description: 'Look up an issue-tracker ticket by its id (e.g. T-42): title, status, reporter.', inputSchema: { id: z.string().describe('The ticket id') } },
  async ({ id }) => {
    logged('lookup_ticket', { id });
    const env = `prefix=${process.env.TICKETS_PREFIX ?? '(unset)'} key=${process.env.ANTHROPIC_API_KEY ? 'SET' : 'unset'}`;
    return { content: [{ type: 'text', text: id === 'T-42' ? `${TICKET_TEXT} [${env}]` : `No ticket ${id}.` }] };
  },
);

server.registerTool('close_ticket', { description: 'Close a ticket.', inputSchema: { id: z.string() } }, async ({ id }) => {
  logged('close_ticket', { id });
  return { content: [{ type: 'text', text: `Closed ${id}.` }] };
});

server.registerTool('flaky_lookup', { description: 'A lookup whose backend is down.', inputSchema: { id: z.string() } }, async ({ id }) => {
  logged('flaky_lookup', { id });
  return { content: [{ type: 'text', text: 'tracker backend unavailable (503)' }], isError: true };
});

await server.connect(new StdioServerTransport());
logged('started', { pid: process.pid });
// A server that outlives the end of its stdin, so only a signal stops it (interrupt tests).
if (process.env.TICKETS_STUBBORN) setInterval(() => undefined, 1 << 30);
