/**
 * openMcpTools against real MCP servers (the official SDK on both sides): a streamable HTTP server
 * on a local port (stateless, one McpServer per request) with its headers, an allow-list, a
 * server that is not there, and a stdio server whose `${NAME}` env reference is unset.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpServerSchema } from '../../src/config/schema.js';
import { openMcpTools, type McpTools, type OpenOptions } from '../../src/mcp/index.js';
import { createTicketsServer, TICKET_TEXT, TICKETS_SERVER_COMMAND } from '../helpers/mcp-tickets.js';

const TIMEOUT_MS = 60_000;

let http: Server | undefined;
let mcp: McpTools | undefined;
afterEach(async () => {
  await mcp?.close();
  await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
  mcp = undefined;
  http = undefined;
});

/** A streamable HTTP tickets server; records each request's Authorization header and each call. */
async function startHttp(): Promise<{ url: string; auth: string[]; calls: string[] }> {
  const auth: string[] = [];
  const calls: string[] = [];
  http = createServer((req, res) => {
    auth.push(req.headers.authorization ?? '(none)');
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const server = createTicketsServer((tool) => calls.push(tool));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, auth, calls };
}

function options(env: Record<string, string>): OpenOptions & { warnings: string[]; logs: string[] } {
  const warnings: string[] = [];
  const logs: string[] = [];
  return {
    cwd: os.tmpdir(),
    env,
    maxOutputBytes: 32_000,
    version: '0.0.0',
    warn: (t) => warnings.push(t),
    log: (_f, m) => logs.push(m),
    warnings,
    logs,
  };
}

describe('openMcpTools with real MCP servers', () => {
  it(
    'streamable HTTP: headers with ${NAME} from the environment, the allow-list, a call; an absent server is one warning',
    async () => {
      const { url, auth, calls } = await startHttp();
      const o = options({ DOCS_TOKEN: 'tok-123' });
      const servers = {
        docs: McpServerSchema.parse({
          url,
          headers: { Authorization: 'Bearer ${DOCS_TOKEN}' },
          tools: ['lookup_ticket'],
        }),
        gone: McpServerSchema.parse({ url: 'http://127.0.0.1:9/mcp', timeout_ms: 5000 }),
      };
      mcp = await openMcpTools(servers, o);
      expect(mcp.planned.map((t) => [t.name, t.write])).toEqual([['mcp__docs__lookup_ticket', false]]);
      expect(o.warnings).toEqual([
        expect.stringMatching(/^MCP server gone did not start: .+; the chain goes on without its tools$/),
      ]);
      const out = await mcp.tools[0]!.run({ id: 'T-42' });
      expect(out.isError).toBeUndefined();
      expect(out.content).toContain(`<mcp_result server="docs" tool="lookup_ticket">\n${TICKET_TEXT}`);
      expect(calls).toEqual(['lookup_ticket']);
      expect(auth.length).toBeGreaterThan(1);
      expect(new Set(auth)).toEqual(new Set(['Bearer tok-123']));
    },
    TIMEOUT_MS,
  );

  it(
    'stdio: an unset ${NAME} is noted in the log and expands to nothing; close ends the server',
    async () => {
      const o = options({});
      mcp = await openMcpTools(
        {
          tickets: McpServerSchema.parse({
            command: TICKETS_SERVER_COMMAND,
            env: { TICKETS_PREFIX: 'p${MISSING}q' },
            write_tools: ['close_ticket'],
          }),
        },
        o,
      );
      expect(o.warnings).toEqual([]);
      expect(o.logs).toContain('env TICKETS_PREFIX: ${MISSING} is not set in the environment');
      expect(mcp.planned.filter((t) => t.write).map((t) => t.tool)).toEqual(['close_ticket']);
      expect(mcp.catalog).toContain('mcp__tickets__close_ticket [write] Close a ticket.');
      const lookup = mcp.tools.find((t) => t.name === 'mcp__tickets__lookup_ticket')!;
      expect((await lookup.run({ id: 'T-42' })).content).toContain('[prefix=pq ');
      await mcp.close();
      // A closed server's tool fails as an error result; it never throws into the chain.
      expect(await lookup.run({ id: 'T-42' })).toMatchObject({
        isError: true,
        content: expect.stringMatching(/^MCP server tickets failed on lookup_ticket: /),
      });
    },
    TIMEOUT_MS,
  );
});
