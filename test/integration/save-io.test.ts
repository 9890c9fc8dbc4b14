/**
 * What a chain writes per LLM call on the common path: at most one rewrite of the context file
 * (the head's rename) and two fsyncs between two calls, counted on the real file system calls
 * (node:fs spied, the named exports synced; fsync and rename counted whether they block or run on
 * the thread pool) while the real app drives a scripted chain against
 * the fake Messages API: decisions, then discovery prompts of three read-tool turns each, so both
 * kinds of interval are counted — a tool turn (the call's record in the head) and a step's end
 * (the step and its calls appended to the journal, the head rewritten once).
 */
import fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChain } from '../../src/features/run/run.js';
import { createBaseDeps } from '../../src/engine/deps.js';
import { scenarioResponder, type Scenario } from '../bench/chain-harness.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { silentUi } from '../helpers/ui.js';
import { makeTempWorkspace } from '../helpers/workspace.js';

const realFsync = fs.fsyncSync;
const realFsyncAsync = fs.fsync;
const realRename = fs.renameSync;
const realRenameAsync = fs.rename;

afterEach(() => {
  fs.fsyncSync = realFsync;
  fs.fsync = realFsyncAsync;
  fs.renameSync = realRename;
  fs.rename = realRenameAsync;
  syncBuiltinESMExports();
});

describe('file-system work per LLM call', () => {
  it('a long run of calls: never more than one context-file rewrite and two fsyncs between two calls', async () => {
    const rounds = 6;
    const scenario: Scenario = {
      latencyMs: 0,
      rounds,
      batch: 1,
      toolTurns: 3,
      concurrency: 1,
      findingsPerStep: 8,
      config: { caps: { context_iterations: rounds + 1, chain_calls: 500 } },
    };
    /** One entry per request received: the fsyncs and head renames since the request before. */
    const intervals: { fsyncs: number; rewrites: number }[] = [];
    let current = { fsyncs: 0, rewrites: 0 };
    const inner = scenarioResponder(scenario);
    const server = await startFakeAnthropic({
      responder: (req) => {
        intervals.push(current);
        current = { fsyncs: 0, rewrites: 0 };
        return inner(req);
      },
    });
    const ws = await makeTempWorkspace({ git: false });
    try {
      await writeFile(
        path.join(ws.root, 'claude-exec.config.json'),
        JSON.stringify({
          ...scenario.config,
          caps: { ...(scenario.config!.caps as object), concurrency: 1 },
        }),
      );
      const contexts = path.join(ws.root, 'contexts');
      fs.fsyncSync = (fd) => {
        current.fsyncs++;
        realFsync(fd);
      };
      fs.fsync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
        current.fsyncs++;
        realFsyncAsync(fd, callback);
      }) as typeof fs.fsync;
      const isHead = (to: fs.PathLike) =>
        path.dirname(String(to)) === contexts && String(to).endsWith('.json');
      fs.renameSync = (from, to) => {
        if (isHead(to)) current.rewrites++;
        realRename(from, to);
      };
      fs.rename = ((from: fs.PathLike, to: fs.PathLike, callback: fs.NoParamCallback) => {
        if (isHead(to)) current.rewrites++;
        realRenameAsync(from, to, callback);
      }) as typeof fs.rename;
      syncBuiltinESMExports();
      const base = await createBaseDeps(ws.root, {
        ui: silentUi,
        yes: true,
        trusted: true,
        env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-save-io-000000000' },
      });
      const outcome = await startChain('Add JWT auth (bench 1)', base, {
        contextsDir: contexts,
        verbose: false,
        until: 'solution-approval',
      });
      expect(outcome.ctx.status).toBe('paused');
      // Calls 2..n: the first interval holds the chain's creation and set-up.
      const between = intervals.slice(2);
      expect(between.length).toBeGreaterThan(5 * rounds);
      expect(outcome.ctx.calls.length).toBe(intervals.length);
      const worst = between.reduce(
        (w, x) => ({ fsyncs: Math.max(w.fsyncs, x.fsyncs), rewrites: Math.max(w.rewrites, x.rewrites) }),
        { fsyncs: 0, rewrites: 0 },
      );
      expect(worst).toEqual({ fsyncs: 2, rewrites: 1 });
      // Every call was saved before the next one was sent.
      expect(between.every((x) => x.rewrites === 1)).toBe(true);
    } finally {
      await server.close();
      await ws.cleanup();
    }
  }, 120_000);
});
