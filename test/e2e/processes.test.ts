/**
 * End to end, several processes: twenty chains started at once in one workspace, kill -9 in the
 * middle of a chain then resume, and a second process refused while a chain is being driven.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  contextFiles,
  jsonOut,
  readContext,
  runCli,
  setupE2e,
  spawnCli,
  waitForChain,
} from '../helpers/e2e.js';
import { GOAL } from '../helpers/scenario.js';

/** Generous: a run spawns several processes, and other test files share the two cores. */
const E2E_TIMEOUT_MS = 300_000;

describe.concurrent('several processes', () => {
  it(
    '20 processes started at once in one workspace get 20 distinct chain ids and 20 valid context files',
    async () => {
      const e = await setupE2e();
      try {
        const runs = await Promise.all(
          Array.from({ length: 20 }, () =>
            e.run('--until', 'requirements-clarification', '--yes', '--json', GOAL),
          ),
        );
        for (const r of runs) expect(r.exitCode, r.stderr).toBe(0);
        const ids = runs.map((r) => jsonOut(r).chain_id as string);
        expect(new Set(ids).size).toBe(20);
        const files = await contextFiles(e.ws.root);
        expect(files).toHaveLength(20);
        const contexts = files.map(readContext);
        expect(contexts.map((c) => c.chain_id).sort()).toEqual([...ids].sort());
        expect(new Set(contexts.map((c) => c.chain_uid)).size).toBe(20);
        for (const c of contexts) {
          expect(c.status).toBe('paused');
          expect(path.basename(files[contexts.indexOf(c)]!)).toMatch(new RegExp(`^chain-${c.chain_id}-`));
        }
        expect(contexts.reduce((n, c) => n + c.calls.length, 0)).toBe(e.messages().length);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'kill -9 mid-run leaves a valid context file; resume completes without repeating a recorded call',
    async () => {
      const e = await setupE2e({ latencyMs: 120 });
      try {
        const child = spawnCli(['--yes', GOAL], e.ws.root, e.env);
        await waitForChain(e.ws.root, (c) => c.calls.length >= 4);
        child.kill('SIGKILL');
        const killed = await child;
        expect(killed.signal).toBe('SIGKILL');
        const before = e.messages().length;

        const [file] = await contextFiles(e.ws.root);
        const crashed = readContext(file!);
        expect(crashed.status).toBe('running');
        expect(crashed.calls.length).toBeGreaterThanOrEqual(4);
        const recorded = new Set(crashed.calls.map((c) => c.request_id));

        // Its driver is gone: shown as interrupted with resume next, not `running` forever.
        const status = await runCli(['status', crashed.chain_id], e.ws.root, e.env);
        expect(status.stdout).toContain(`Chain ${crashed.chain_id} progress (cancelled)`);
        expect(status.stdout).toMatch(/Error: interrupted: the process that drove it \(pid \d+\) has exited/);
        expect(status.stdout).toContain(`Next: claude-exec resume ${crashed.chain_id}`);
        const listed = jsonOut(await runCli(['chains', '--json'], e.ws.root, e.env)) as {
          chains: { status: string }[];
        };
        expect(listed.chains.map((c) => c.status)).toEqual(['cancelled']);

        const resumed = await runCli(['resume', crashed.chain_id, '--yes', '--json'], e.ws.root, e.env);
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        expect(jsonOut(resumed)).toMatchObject({ status: 'complete' });
        const ctx = readContext(file!);
        expect(ctx.calls.slice(0, crashed.calls.length)).toEqual(crashed.calls);
        expect(new Set(ctx.calls.map((c) => c.request_id)).size).toBe(ctx.calls.length);

        // No request after the crash repeats a call that was in the context file at the crash.
        const requests = e.messages();
        const recordedBodies = new Set(
          requests
            .filter((_, i) => recorded.has(`req_fake_${i}`))
            .map((r) => JSON.stringify(r.body.messages)),
        );
        expect(recordedBodies.size).toBe(recorded.size);
        for (const r of requests.slice(before))
          expect(recordedBodies.has(JSON.stringify(r.body.messages))).toBe(false);
        // Requests that never became a call were the ones in flight at the kill.
        const inCalls = new Set(ctx.calls.map((c) => c.request_id));
        const lost = requests.map((_, i) => i).filter((i) => !inCalls.has(`req_fake_${i}`));
        expect(lost.every((i) => i < before)).toBe(true);
        expect(lost.length).toBeLessThanOrEqual(4);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a second process cannot drive a chain that is being driven (exit 2); after SIGTERM (exit 130) resume completes',
    async () => {
      const e = await setupE2e({ latencyMs: 150 });
      try {
        const child = spawnCli(['--yes', GOAL], e.ws.root, e.env);
        const running = await waitForChain(e.ws.root, (c) => c.calls.length >= 1);
        const second = await runCli(['resume', running.chain_id, '--yes'], e.ws.root, e.env);
        expect(second.exitCode, second.stderr).toBe(2);
        expect(second.stderr).toMatch(/being driven by another claude-exec process/);
        expect(second.stderr).not.toMatch(/\n\s+at /);

        child.kill('SIGTERM');
        const stopped = await child;
        expect(stopped.exitCode, String(stopped.stderr)).toBe(130);
        // The hint names the chain, never a placeholder.
        expect(String(stopped.stderr)).toContain(`Continue with \`claude-exec resume ${running.chain_id}\``);
        expect(String(stopped.stderr)).not.toContain('resume ID');
        const [file] = await contextFiles(e.ws.root);
        expect(readContext(file!).status).toBe('cancelled');
        expect(existsSync(`${file}.lock`)).toBe(false);

        const resumed = await runCli(['resume', running.chain_id, '--yes', '--json'], e.ws.root, e.env);
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        expect(jsonOut(resumed)).toMatchObject({ status: 'complete' });
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
