/**
 * kill -9 at random points of a `--split` run and of `apply`, resuming after each: the family ends
 * with every sub-chain's work applied, or with nothing applied and a clear refusal; never a
 * reported success with a file missing. The kill delays come from a seeded generator (replayable);
 * no timing is asserted. The window a random kill rarely hits (a sub-chain complete, its patch not
 * yet recorded) is also made on purpose: `apply` refuses it, and `resume` takes the patch again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FakeReply, RecordedRequest } from '../helpers/fake-anthropic.js';
import { trustWorkspace } from '../helpers/e2e.js';
import { rng } from '../helpers/rng.js';
import { createScenario, readTurn } from '../helpers/scenario.js';
import { contextFiles, makeWorld, read, type World } from './harness.js';

const PLAN = [
  {
    key: 'part-a',
    goal: 'Part A: add src/part-a.js exporting a()',
    depends_on: [],
    writes_code: true,
    workflow: 'subtask',
  },
  {
    key: 'part-c',
    goal: 'Part C: add src/part-c.js that builds on a()',
    depends_on: ['part-a'],
    writes_code: true,
    workflow: 'subtask',
  },
];
const FILES: Record<string, string> = {
  'src/part-a.js': "export const a = () => 'a';\n",
  'src/part-c.js': "import { a } from './part-a.js';\nexport const c = () => a() + 'c';\n",
};
const SEED = 18_062;
const TIMEOUT_MS = 600_000;
/** Split runs (episodes) at most, each killed and resumed at random points until it ends. */
const MAX_EPISODES = 12;

/** The planner proposes PLAN; part X's one prompt writes src/part-x.js, then records it. */
const responder =
  (fallback: (req: RecordedRequest, i: number) => FakeReply | Promise<FakeReply>) =>
  async (req: RecordedRequest, i: number): Promise<FakeReply> => {
    const t = readTurn(req.body ?? {});
    if (t?.prompt === 'parallel_work_planner')
      return {
        toolUses: [
          { name: 'record_findings', input: { summary: 'Two parts; C builds on A.', subchains: PLAN } },
        ],
      };
    if (t?.prompt === 'tdd_flow_controller') {
      const part = /Part ([AC]): add/.exec(t.instructions)?.[1]?.toLowerCase();
      const file = `src/part-${part}.js`;
      if (!part) return { text: 'no part' };
      if (!t.results.some((r) => r.name === 'write_file') && t.forced === null)
        return { toolUses: [{ name: 'write_file', input: { path: file, content: FILES[file] } }] };
      return { toolUses: [{ name: 'record_findings', input: { summary: `Wrote ${file}.` } }] };
    }
    return fallback(req, i);
  };

async function splitWorld(): Promise<World> {
  const scenario = createScenario({ latencyMs: 30 });
  const r = responder(scenario.responder);
  const w = await makeWorld({ override: (_t, req, i) => r(req, i) });
  mkdirSync(path.join(w.ws.root, 'workflows'));
  writeFileSync(
    path.join(w.ws.root, 'workflows', 'subtask.yaml'),
    'name: subtask\ndescription: One small change, then the tests.\nsteps:\n  - { prompt: tdd_flow_controller, as_phase: implementation }\n  - { tests: any }\n',
  );
  // The workflow file is the test's own: trusted, as its user would after reading it.
  trustWorkspace(w.ws.root, w.env);
  return w;
}

/** Which of FILES the workspace has, and whether each has its content. */
function applied(w: World): 'all' | 'none' | string {
  const have = Object.entries(FILES).map(
    ([f, text]) => existsSync(path.join(w.ws.root, f)) && read(path.join(w.ws.root, f)) === text,
  );
  return have.every(Boolean) ? 'all' : have.every((h) => !h) ? 'none' : `partial: ${JSON.stringify(have)}`;
}

const parentCtx = (w: World) =>
  contextFiles(w.contextsDir)
    .map((f) => JSON.parse(readFileSync(f, 'utf8')) as { chain_id: string; status: string; split?: unknown })
    .find((c) => c.split);
const parentOf = (w: World) => parentCtx(w)?.chain_id;

/** Spawns `args`, kills it with SIGKILL after `delayMs` unless it ended first; returns how it ended. */
async function runOrKill(
  w: World,
  args: string[],
  delayMs: number,
): Promise<{ killed: boolean; exitCode: number | undefined; stderr: string; stdout: string }> {
  const child = w.spawn(...args);
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  const r = await child;
  clearTimeout(timer);
  return {
    killed: r.signal === 'SIGKILL',
    exitCode: r.exitCode,
    stderr: String(r.stderr),
    stdout: String(r.stdout),
  };
}

describe('kill -9 during --split and apply', () => {
  it(
    'at ≥ 20 random points: all work applied or nothing, never a success with files missing',
    async () => {
      const next = rng(SEED);
      let kills = 0;
      // How many kills land depends on how fast the machine runs a split (a kill after the run ended
      // is no kill): episodes go on until 20 have landed, with a bound that does not depend on it.
      let episodes = 0;
      for (; episodes < MAX_EPISODES && kills < 20; episodes++) {
        const w = await splitWorld();
        try {
          // The split, killed at random delays and resumed until it reports its end itself.
          let end: Awaited<ReturnType<typeof runOrKill>>;
          for (let round = 0; ; round++) {
            const id = parentOf(w);
            const args = id
              ? ['resume', id, '--yes', '--json']
              : ['--yes', '--json', '--split', 'Build parts A and C'];
            end = await runOrKill(w, args, round < 8 ? 300 + next() * 2500 : 600_000);
            if (!end.killed) break;
            kills++;
            // Nothing reaches the user's workspace before apply.
            expect(applied(w)).toBe('none');
            // Killed on its way out, after the family's last save: done, as a run would have said.
            if (parentCtx(w)?.status === 'complete') {
              end = { ...end, exitCode: 0 };
              break;
            }
          }
          expect(end.exitCode, end.stderr).toBe(0);
          const parent = parentOf(w)!;

          // apply, killed at random delays: after each kill all or nothing; then it completes (or finds it all there).
          for (let round = 0; ; round++) {
            const r = await runOrKill(
              w,
              ['apply', parent, '--json'],
              round < 3 ? 200 + next() * 1500 : 600_000,
            );
            const state = applied(w);
            expect(
              ['all', 'none'],
              `after apply (${r.killed ? 'killed' : `exit ${r.exitCode}`}): ${state}\n${r.stderr}`,
            ).toContain(state);
            if (r.killed) {
              kills++;
              continue;
            }
            if (r.exitCode === 0) expect(JSON.parse(r.stdout).files.sort()).toEqual(Object.keys(FILES));
            // Exit 1 only when a killed apply had already written everything: the re-run is a conflict.
            else expect(r.exitCode, r.stderr).toBe(1);
            expect(state).toBe('all');
            break;
          }
        } finally {
          await w.close();
        }
      }
      expect(kills, `${kills} kills landed in ${episodes} episodes`).toBeGreaterThanOrEqual(20);
      console.info(`split-kill: ${kills} kills in ${episodes} episodes (seed ${SEED})`);
    },
    TIMEOUT_MS,
  );

  it(
    'a sub-chain complete without its patch: apply refuses it (exit 2, nothing applied); resume takes the patch again',
    async () => {
      const w = await splitWorld();
      try {
        const r = await w.run('--yes', '--json', '--split', 'Build parts A and C');
        expect(r.exitCode, r.stderr).toBe(0);
        const parent = parentOf(w)!;
        // What a kill between the sub-chain's "complete" save and its patch save leaves.
        const files = contextFiles(w.contextsDir).map((f) => ({ f, ctx: JSON.parse(read(f)) }));
        const a = files.find((x) => x.ctx.sub?.key === 'part-a')!;
        a.ctx.sub.patch = null;
        writeFileSync(a.f, JSON.stringify(a.ctx));
        const p = files.find((x) => x.ctx.chain_id === parent)!;
        p.ctx.status = 'running';
        writeFileSync(p.f, JSON.stringify(p.ctx));
        const refused = await w.run('apply', parent);
        expect(refused.exitCode, refused.stderr).toBe(2);
        expect(refused.stderr).toMatch(
          new RegExp(`sub-chain ${a.ctx.chain_id} \\(part-a\\) is complete but its patch was never recorded`),
        );
        expect(refused.stderr).toContain(`claude-exec resume ${parent}`);
        expect(applied(w)).toBe('none');
        const resumed = await w.run('resume', parent, '--yes', '--json');
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        expect(JSON.parse(read(a.f)).sub.patch).toBe(a.f.replace(/\.json$/, '.patch'));
        const ok = await w.run('apply', parent, '--json');
        expect(ok.exitCode, ok.stderr).toBe(0);
        expect(applied(w)).toBe('all');
      } finally {
        await w.close();
      }
    },
    TIMEOUT_MS,
  );
});
