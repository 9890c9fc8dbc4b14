/**
 * The test MCP server (./mcp-tickets-server.ts): how to start it, and the ticket text it answers,
 * without starting it (importing the server module would).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

/** What `lookup_ticket` answers for T-42 (followed by its environment, see the server). */
export const TICKET_TEXT = 'Ticket T-42: login returns 500 after the session upgrade; reported by ops.';

/** argv of the server for config `mcp_servers.NAME.command`: tsx running the TypeScript source. */
export const TICKETS_SERVER_COMMAND = [path.join(REPO, 'node_modules', '.bin', 'tsx'), path.join(HERE, 'mcp-tickets-server.ts')];
