/**
 * The test MCP server's tools (the official SDK's McpServer), how to start it over stdio
 * (./mcp-tickets-server.ts), and the ticket text it answers. Tools: `lookup_ticket` (read),
 * `close_ticket` (changes things), `flaky_lookup` (always fails with an error result).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

/** What `lookup_ticket` answers for T-42 (followed by what it sees of its environment). */
export const TICKET_TEXT = 'Ticket T-42: login returns 500 after the session upgrade; reported by ops.';

/** argv of the stdio server for config `mcp_servers.NAME.command`: tsx running the TypeScript source. */
export const TICKETS_SERVER_COMMAND = [
  path.join(REPO, 'node_modules', '.bin', 'tsx'),
  path.join(HERE, 'mcp-tickets-server.ts'),
];

/**
 * A new tickets server; `onCall` sees each call (tool and arguments). `lookup_ticket` answers its
 * environment too: `TICKETS_PREFIX` and whether `ANTHROPIC_API_KEY` is set.
 */
export function createTicketsServer(
  onCall: (tool: string, args: unknown) => void = () => undefined,
): McpServer {
  const server = new McpServer({ name: 'tickets', version: '1.0.0' });
  server.registerTool(
    'lookup_ticket',
    {
      description: 'Look up an issue-tracker ticket by its id (e.g. T-42): title, status, reporter.',
      inputSchema: { id: z.string().describe('The ticket id') },
    },
    async ({ id }) => {
      onCall('lookup_ticket', { id });
      const env = `prefix=${process.env.TICKETS_PREFIX ?? '(unset)'} key=${process.env.ANTHROPIC_API_KEY ? 'SET' : 'unset'}`;
      return {
        content: [{ type: 'text', text: id === 'T-42' ? `${TICKET_TEXT} [${env}]` : `No ticket ${id}.` }],
      };
    },
  );
  server.registerTool(
    'close_ticket',
    { description: 'Close a ticket.', inputSchema: { id: z.string() } },
    async ({ id }) => {
      onCall('close_ticket', { id });
      return { content: [{ type: 'text', text: `Closed ${id}.` }] };
    },
  );
  server.registerTool(
    'flaky_lookup',
    { description: 'A lookup whose backend is down.', inputSchema: { id: z.string() } },
    async ({ id }) => {
      onCall('flaky_lookup', { id });
      return { content: [{ type: 'text', text: 'tracker backend unavailable (503)' }], isError: true };
    },
  );
  return server;
}
