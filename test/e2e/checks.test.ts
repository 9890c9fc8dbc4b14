/**
 * Checks beyond the tests, end to end: the built binary runs the JWT chain against the fake
 * Messages API in a workspace with a tsconfig.json (typescript installed through its
 * node_modules), and the test reads the requests. Implementation is offered run_check with the
 * detected check as its enum, every request's system prefix holds the repository map after the rules, and a
 * token module whose tests pass but which does not typecheck is never green: the type error goes
 * back to tdd_flow_controller and the chain fails at its iteration cap without reaching review.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onlyChain, setupE2e } from '../helpers/e2e.js';
import { GOAL, readTurn } from '../helpers/scenario.js';
import { TOKEN_MODULE } from '../helpers/scenario-files.js';
import { gitIn } from '../helpers/workspace.js';

const E2E_TIMEOUT_MS = 240_000;

/** checkJs without strict: the fixture's own code typechecks; a wrong JSDoc type does not. */
const TSCONFIG = {
  compilerOptions: {
    allowJs: true,
    checkJs: true,
    noEmit: true,
    strict: false,
    module: 'nodenext',
    target: 'es2022',
    types: ['node'],
    skipLibCheck: true,
  },
  include: ['src'],
};
const TYPE_ERROR = "\n/** @type {number} */\nexport const ACCESS_TTL = '15m';\n";

describe('checks beyond tests (built binary, fake Messages API)', () => {
  it(
    'offers run_check, carries the repository map in the system prefix, and a type error keeps implementation from green',
    async () => {
      const e = await setupE2e({ tokenModule: TOKEN_MODULE + TYPE_ERROR });
      try {
        await writeFile(path.join(e.ws.root, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
        await writeFile(
          path.join(e.ws.root, 'claude-exec.config.json'),
          JSON.stringify({ caps: { implementation_iterations: 2 } }),
        );
        await gitIn(e.ws.root, ['add', 'tsconfig.json', 'claude-exec.config.json']);
        await gitIn(e.ws.root, ['commit', '-q', '-m', 'typecheck']);
        e.trust();
        const r = await e.run('--yes', GOAL);
        expect(r.exitCode, r.stderr).toBe(1);
        const requests = e.messages().map(
          (q) =>
            q.body as {
              system: { text: string; cache_control?: unknown }[];
              tools: { name: string; input_schema: { properties: Record<string, { enum?: string[] }> } }[];
              messages: unknown[];
            },
        );

        // run_check is offered on every call (the tool list is the chain's), with the detected check as its enum.
        for (const body of requests) {
          const tool = body.tools.find((t) => t.name === 'run_check');
          expect(tool?.input_schema.properties.name?.enum).toEqual(['typecheck']);
        }
        const turns = e
          .messages()
          .map((q) => readTurn(q.body)!)
          .filter(Boolean);
        const tdd = turns.filter((t) => t.prompt === 'tdd_flow_controller');
        expect(tdd.length).toBeGreaterThan(0);
        expect(tdd[0]!.instructions).toMatch(/Tools enabled: [^\n]*run_tests, run_check\./);

        // The repository map follows the rules in the cached system prefix of every request (a
        // breakpoint ends the rules-and-map group; the catalog, when sent, comes after), the same bytes on each.
        const maps = new Set<string>();
        for (const body of requests) {
          const last = body.system[1]!;
          expect(last.cache_control).toMatchObject({ type: 'ephemeral' });
          expect(last.text).toMatch(/^# Repository map\n/);
          expect(last.text).toContain('src/app.js: ');
          expect(last.text).toContain('tsconfig.json\n');
          maps.add(last.text);
        }
        expect(maps.size).toBe(1);

        // The tests pass but the typecheck does not: the type error, with its file and line, goes back to tdd_flow_controller.
        const fed = requests.filter(
          (b) =>
            JSON.stringify(b.messages).includes('src/token.js(') &&
            JSON.stringify(b.messages).includes('error TS2322'),
        );
        expect(fed.length, 'a request carrying the type error').toBeGreaterThan(0);
        expect(turns.some((t) => t.prompt === 'code_reviewer')).toBe(false);

        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.status).toBe('failed');
        expect(ctx.test_runs.filter((t) => t.expect === 'green').every((t) => t.passed)).toBe(true);
        const checks = ctx.check_runs.map((c) => [c.name, c.expect, c.passed]);
        expect(checks[0]).toEqual(['typecheck', 'baseline', true]);
        expect(checks.filter((c) => c[1] === 'green')).toEqual([
          ['typecheck', 'green', false],
          ['typecheck', 'green', false],
        ]);
        expect(ctx.check_runs.at(-1)!.digest).toMatch(/src\/token\.js\(\d+,\d+\): error TS2322/);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
