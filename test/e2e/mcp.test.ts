/**
 * MCP servers as tools, end to end: the built binary runs `prompt run trace_existing_flow` with a
 * user config naming a small stdio MCP server (test/helpers/mcp-tickets-server.ts, the official
 * SDK's McpServer), against the strict fake Messages API whose model calls the server's tools.
 * Asserted on the requests the model was given (tools, catalog, enabled tools, tool results), on
 * what the server received, and on the chain's context file.
 */
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnv, onlyChain, runCli, setupE2e, spawnCli, TEST_KEY } from '../helpers/e2e.js';
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeServer,
  type RecordedRequest,
  type Responder,
} from '../helpers/fake-anthropic.js';
import { TICKET_TEXT, TICKETS_SERVER_COMMAND as SERVER } from '../helpers/mcp-tickets.js';
import { GOAL, readTurn } from '../helpers/scenario.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const E2E_TIMEOUT_MS = 150_000;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const LOOKUP = 'mcp__tickets__lookup_ticket';
const CLOSE = 'mcp__tickets__close_ticket';
const FLAKY = 'mcp__tickets__flaky_lookup';

/** The model: first turn calls the three MCP tools (one of them a write tool), then records what the lookup returned. */
const responder: Responder = (req) => {
  const t = readTurn(req.body ?? {});
  if (!t) return textReply('no prompt header');
  if (t.forced === null && t.turn === 0) {
    return {
      toolUses: [
        { name: LOOKUP, input: { id: 'T-42' } },
        { name: CLOSE, input: { id: 'T-42' } },
        { name: FLAKY, input: { id: 'T-42' } },
      ],
    };
  }
  // readTurn names a result by the tool's own name (it strips an `mcp__<server>__` prefix).
  const ticket = t.results.find((r) => r.name === 'lookup_ticket' && !r.isError)?.content ?? '(no ticket)';
  return toolReply('record_findings', {
    summary: `The ticket says: ${ticket.split('\n')[1] ?? ticket}`,
    findings: ['src/app.js: POST /api/login'],
  });
};

let server: FakeServer | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  await server?.close();
  await ws?.cleanup();
  server = undefined;
  ws = undefined;
});

/** A fake API, a fixture workspace, and an env whose user config holds `mcp_servers`. */
async function setup(
  mcpServers: Record<string, unknown>,
  model: Responder = responder,
): Promise<{ env: Record<string, string>; calls: string }> {
  [server, ws] = await Promise.all([startFakeAnthropic({ responder: model }), makeTempWorkspace()]);
  const env = cliEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY });
  const calls = path.join(env.XDG_CONFIG_HOME!, 'ticket-calls.jsonl');
  mkdirSync(path.join(env.XDG_CONFIG_HOME!, 'claude-exec'), { recursive: true });
  writeFileSync(
    path.join(env.XDG_CONFIG_HOME!, 'claude-exec', 'config.json'),
    JSON.stringify({ mcp_servers: mcpServers }),
  );
  return { env, calls };
}

/** The server's log: `started` (its pid), then one line per call. */
const serverLog = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { tool: string; args: { pid: number; id?: string } })
    : [];

/** Is process `pid` running? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const messages = (): RecordedRequest[] =>
  server!.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages');
type Block = { type: string; tool_use_id?: string; content?: unknown; is_error?: boolean };
const resultsIn = (r: RecordedRequest): Block[] =>
  r.body.messages
    .flatMap((m: { content: string | Block[] }) => (typeof m.content === 'string' ? [] : m.content))
    .filter((b: Block) => b.type === 'tool_result');

describe('MCP servers as tools (built binary, stdio server, fake API)', () => {
  it(
    'offers the server tools, runs read-only ones in a read step, refuses the write tool there, and records each call',
    async () => {
      const { env, calls } = await setup({
        tickets: {
          command: SERVER,
          env: { TICKETS_PREFIX: 'from-config', TICKETS_CALLS: '${TICKETS_LOG}' },
          write_tools: ['close_ticket'],
        },
      });
      env.TICKETS_LOG = calls;
      const r = await runCli(
        ['prompt', 'run', 'trace_existing_flow', '--focus', 'ticket T-42', '--json'],
        ws!.root,
        env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(server!.rejected.map((x) => x.message)).toEqual([]);
      expect(r.stderr).not.toContain('did not start');
      const [first, second] = messages();
      expect(messages()).toHaveLength(2);

      // Every MCP tool is sent, with the server's own input schema; the catalog names them with their kind.
      const tools = first!.body.tools as { name: string; input_schema: unknown; description: string }[];
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining([LOOKUP, CLOSE, FLAKY]));
      expect(tools.find((t) => t.name === LOOKUP)).toMatchObject({
        input_schema: {
          type: 'object',
          properties: { id: { type: 'string', description: 'The ticket id' } },
          required: ['id'],
        },
        description: expect.stringContaining('Look up an issue-tracker ticket'),
      });
      const system = JSON.stringify(first!.body.system);
      expect(system).toContain(`${LOOKUP} [read] Look up an issue-tracker ticket`);
      expect(system).toContain(`${CLOSE} [write] Close a ticket.`);
      // A read step may call the read-only tools, not the write tool.
      expect(JSON.stringify(first!.body.messages[0])).toContain(
        `Tools enabled: list_files, read_file, search_code, ${LOOKUP}, ${FLAKY}. End by calling record_findings.`,
      );

      // The next request carries the results, in order: the ticket (in a data block), the refusal, the server's error.
      const results = resultsIn(second!);
      expect(results).toHaveLength(3);
      expect(String(results[0]!.content)).toContain(
        `<mcp_result server="tickets" tool="lookup_ticket">\n${TICKET_TEXT} [prefix=from-config key=unset]`,
      );
      expect(results[0]!.is_error).toBeUndefined();
      expect(results[1]).toMatchObject({
        is_error: true,
        content: expect.stringMatching(new RegExp(`^${CLOSE} is not available in this step`)),
      });
      expect(results[2]).toMatchObject({
        is_error: true,
        content: expect.stringContaining('tracker backend unavailable (503)'),
      });

      // The server got the two read calls, never the write call; the API key never reached it.
      const got = serverLog(calls);
      expect(got.map((c) => c.tool).sort()).toEqual(['flaky_lookup', 'lookup_ticket', 'started']);
      // Closed at the end of the run: the server's process is gone once the CLI has exited.
      expect(alive(got.find((c) => c.tool === 'started')!.args.pid)).toBe(false);

      // The chain records each call on its step, the error with its text.
      const { ctx } = await onlyChain(ws!.root);
      expect(ctx.status).toBe('complete');
      const step = ctx.steps[0]!;
      expect(step.result).toMatchObject({ summary: expect.stringContaining(TICKET_TEXT) });
      const recorded = [...(step.mcp_calls ?? [])].sort((a, b) => a.tool.localeCompare(b.tool));
      expect(recorded).toEqual([
        expect.objectContaining({
          server: 'tickets',
          tool: 'flaky_lookup',
          ok: false,
          error: expect.stringContaining('tracker backend unavailable (503)'),
          input: '{"id":"T-42"}',
        }),
        expect.objectContaining({
          server: 'tickets',
          tool: 'lookup_ticket',
          ok: true,
          error: null,
          input: '{"id":"T-42"}',
          result_bytes: Buffer.byteLength(String(results[0]!.content)),
        }),
      ]);
      expect(JSON.stringify(ctx)).not.toContain(TEST_KEY);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a whole chain: the write tool is enabled only in implementation steps that write, and every request sends the same tools and system prefix',
    async () => {
      const e = await setupE2e();
      try {
        mkdirSync(path.join(e.env.XDG_CONFIG_HOME!, 'claude-exec'), { recursive: true });
        writeFileSync(
          path.join(e.env.XDG_CONFIG_HOME!, 'claude-exec', 'config.json'),
          JSON.stringify({ mcp_servers: { tickets: { command: SERVER, write_tools: ['close_ticket'] } } }),
        );
        const r = await e.run('--yes', '--json', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(e.server.rejected.map((x) => x.message)).toEqual([]);
        const firsts = e.messages().filter((q) => q.body.messages.length === 1);
        const enabled = (prompt: string) => {
          const q = firsts.find((x) => readTurn(x.body)?.prompt === prompt);
          return /Tools enabled: ([^.]*)\./.exec(JSON.stringify(q?.body.messages[0]))?.[1]?.split(', ') ?? [];
        };
        for (const writer of ['test_generator', 'tdd_flow_controller'])
          expect(enabled(writer)).toEqual(expect.arrayContaining(['write_file', LOOKUP, CLOSE, FLAKY]));
        for (const reader of ['trace_existing_flow', 'code_reviewer']) {
          expect(enabled(reader)).toEqual(expect.arrayContaining([LOOKUP, FLAKY]));
          expect(enabled(reader)).not.toContain(CLOSE);
        }
        // Every request of the chain sends the same tools and the same system prefix (catalog with the
        // MCP tools); implementation and readiness requests leave the catalog block out, nothing else.
        expect(new Set(e.messages().map((q) => JSON.stringify(q.body.tools))).size).toBe(1);
        const full = e.messages()[0]!.body.system as { text: string }[];
        expect(JSON.stringify(full)).toContain(`${CLOSE} [write]`);
        const withoutCatalog = JSON.stringify(full.slice(0, -1));
        for (const q of e.messages())
          expect([JSON.stringify(full), withoutCatalog]).toContain(JSON.stringify(q.body.system));
        expect(e.messages().some((q) => JSON.stringify(q.body.system) === withoutCatalog)).toBe(true);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'Ctrl-C while a call is in flight: exit 130, and the server is stopped too',
    async () => {
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      // A server that ignores the end of its stdin: only claude-exec's signal stops it.
      const { env, calls } = await setup(
        { tickets: { command: SERVER, env: { TICKETS_CALLS: '${TICKETS_LOG}', TICKETS_STUBBORN: '1' } } },
        async () => {
          await held;
          return textReply('too late');
        },
      );
      env.TICKETS_LOG = calls;
      const child = spawnCli(['prompt', 'run', 'trace_existing_flow', '--json'], ws!.root, env);
      try {
        await until(
          'the server and the first request',
          () => serverLog(calls).length > 0 && messages().length > 0,
        );
        const pid = serverLog(calls)[0]!.args.pid;
        expect(alive(pid)).toBe(true);
        child.kill('SIGINT');
        const r = await child;
        expect(r.exitCode, String(r.stderr)).toBe(130);
        // The CLI signals the server before it exits; the server's process ends right after.
        await until('the server to stop', () => !alive(pid), 20_000);
      } finally {
        release();
        child.kill('SIGKILL');
        const pid = serverLog(calls)[0]?.args.pid;
        if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a server that fails to start is one warning, and the chain goes on without its tools',
    async () => {
      const { env } = await setup({
        broken: { command: [path.join(REPO, 'no-such-mcp-server')] },
        tickets: { command: SERVER, tools: ['lookup_ticket'] },
      });
      const r = await runCli(['prompt', 'run', 'trace_existing_flow', '--json'], ws!.root, env);
      expect(r.exitCode, r.stderr).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('MCP server broken'));
      expect(warnings).toEqual([
        expect.stringMatching(
          /MCP server broken did not start: .*ENOENT.*; the chain goes on without its tools/,
        ),
      ]);
      const names = (messages()[0]!.body.tools as { name: string }[]).map((t) => t.name);
      // Only the allow-listed tool of the working server; none of the broken one.
      expect(names.filter((n) => n.startsWith('mcp__'))).toEqual([LOOKUP]);
      // The model's calls of tools that are not offered are answered with an error, and the chain completes.
      expect(
        resultsIn(messages()[1]!)
          .filter((b) => b.is_error)
          .map((b) => String(b.content)),
      ).toEqual([
        expect.stringMatching(new RegExp(`^${CLOSE} is not available in this step`)),
        expect.stringMatching(new RegExp(`^${FLAKY} is not available in this step`)),
      ]);
      const { ctx, file } = await onlyChain(ws!.root);
      expect(ctx.status).toBe('complete');
      // The chain's log keeps the warning, and what the working server offered.
      const log = readFileSync(file.replace(/\.json$/, '.log'), 'utf8');
      expect(log).toMatch(/MCP server broken did not start/);
      expect(log).toContain('mcp__tickets__lookup_ticket');
    },
    E2E_TIMEOUT_MS,
  );
});
