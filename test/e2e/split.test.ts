/**
 * End to end: `--split` into three sub-chains (C depends on A) in git worktrees, against the fake
 * Messages API: the plan is approved (`approve ID`), the sub-chains run concurrently where they may,
 * C starts on top of A's patch, the user's branch is untouched, and `apply ID` applies the patches
 * (checked first: applying twice is a conflict and changes nothing).
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { gitIn } from '../helpers/workspace.js';
import { contextFiles, jsonOut, readContext, setupE2e } from '../helpers/e2e.js';
import { createScenario, readTurn, type Scenario, type ScenarioOptions } from '../helpers/scenario.js';
import type { FakeReply, RecordedRequest } from '../helpers/fake-anthropic.js';

const E2E_TIMEOUT_MS = 300_000;

const PLAN = [
  {
    key: 'part-a',
    goal: 'Part A: add src/part-a.js exporting a()',
    depends_on: [],
    writes_code: true,
    workflow: 'subtask',
  },
  {
    key: 'part-b',
    goal: 'Part B: add src/part-b.js exporting b()',
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
  A: "export const a = () => 'a';\n",
  B: "export const b = () => 'b';\n",
  C: "import { a } from './part-a.js';\nexport const c = () => a() + 'c';\n",
};

/** The planner proposes PLAN; tdd_flow_controller of part X writes src/part-x.js (C reads part-a.js first). */
function splitScenario(o: ScenarioOptions): Scenario {
  const s = createScenario(o);
  const responder = async (req: RecordedRequest, i: number): Promise<FakeReply> => {
    const t = readTurn(req.body ?? {});
    if (t?.prompt === 'parallel_work_planner')
      return {
        toolUses: [
          { name: 'record_findings', input: { summary: 'Three parts; C builds on A.', subchains: PLAN } },
        ],
      };
    if (t?.prompt === 'tdd_flow_controller') {
      const part = /Part ([ABC]): add/.exec(t.instructions)?.[1];
      if (!part) return { text: 'no part' };
      const file = `src/part-${part.toLowerCase()}.js`;
      const wrote = t.results.some((r) => r.name === 'write_file');
      if (part === 'C' && !t.results.some((r) => r.name === 'read_file') && t.forced === null)
        return { toolUses: [{ name: 'read_file', input: { path: 'src/part-a.js' } }] };
      if (!wrote && t.forced === null)
        return { toolUses: [{ name: 'write_file', input: { path: file, content: FILES[part] } }] };
      return {
        toolUses: [
          { name: 'record_findings', input: { summary: `Wrote ${file}.`, findings: [`${file} written`] } },
        ],
      };
    }
    return s.responder(req, i);
  };
  return { log: s.log, responder };
}

describe('claude-exec --split (built binary, fake API)', () => {
  it(
    'plans three sub-chains, waits for approval, runs them in worktrees (C after A, on its patch), and apply applies the patches once',
    async () => {
      const e = await setupE2e({}, splitScenario);
      try {
        await mkdir(path.join(e.ws.root, 'workflows'));
        await writeFile(
          path.join(e.ws.root, 'workflows', 'subtask.yaml'),
          'name: subtask\ndescription: One small change, then the tests.\nsteps:\n  - { prompt: tdd_flow_controller, as_phase: implementation }\n  - { tests: any }\n',
        );
        e.trust();
        const head = await gitIn(e.ws.root, ['rev-parse', 'HEAD']);

        // No terminal, no --yes: the split waits at its gate (exit 3) with nothing created but the parent.
        const first = await e.run('--json', '--split', 'Build parts A, B and C');
        expect(first.exitCode, first.stderr).toBe(3);
        const parentId = jsonOut(first).chain_id as string;
        expect(first.stderr, first.stderr).toContain('part-c');
        expect((await contextFiles(e.ws.root)).length).toBe(1);

        const r = await e.run('approve', parentId, '--yes', '--json');
        expect(r.exitCode, r.stderr).toBe(0);
        expect(jsonOut(r)).toMatchObject({ status: 'complete', chain_id: parentId });

        const files = await contextFiles(e.ws.root);
        expect(files).toHaveLength(4);
        const all = files.map((f) => ({ f, ctx: readContext(f) }));
        const parent = all.find((c) => c.ctx.chain_id === parentId)!.ctx;
        // The split is a workflow run by the one loop: plan, gate, then its parts as sub-chains.
        expect(parent.workflow?.name).toBe('split');
        expect(parent.workflow!.state.history.map((h) => `${h.kind}@${h.at}`)).toEqual([
          'plan_split@steps.0',
          'gate@steps.1',
          'sub_chains@steps.2',
        ]);
        expect(parent.workflow!.state.history.at(-1)!.outcome).toBe('3 sub-chains complete');
        expect(parent.split!.plan!.map((p) => p.chain_id)).toEqual(parent.children);
        const kids = parent.children.map((id) => all.find((c) => c.ctx.chain_id === id)!);
        expect(kids.map((k) => [k.ctx.sub!.key, k.ctx.parent, k.ctx.status, k.ctx.workflow?.name])).toEqual([
          ['part-a', parentId, 'complete', 'subtask'],
          ['part-b', parentId, 'complete', 'subtask'],
          ['part-c', parentId, 'complete', 'subtask'],
        ]);

        // Requests: one plan, one implementation conversation per part; C began after A finished and read A's file.
        const turns = e.messages().map((m, i) => ({ i, t: readTurn(m.body ?? {})! }));
        expect(turns.filter((x) => x.t.prompt === 'parallel_work_planner').length).toBe(1);
        const of = (part: string) =>
          turns.filter(
            (x) => x.t.prompt === 'tdd_flow_controller' && x.t.instructions.includes(`Part ${part}: add`),
          );
        for (const p of ['A', 'B', 'C']) expect(of(p).length).toBeGreaterThan(0);
        expect(of('C')[0]!.i).toBeGreaterThan(of('A').at(-1)!.i);
        const read = of('C')
          .flatMap((x) => x.t.results)
          .find((x) => x.name === 'read_file');
        expect(read?.isError).toBe(false);
        expect(read?.content).toContain("export const a = () => 'a';");

        // Worktrees under .claude-exec/, on claude-exec/ branches; the user's branch and files untouched.
        for (const k of kids) {
          expect(k.ctx.sub!.worktree).toBe(
            path.join(e.ws.root, '.claude-exec', 'worktrees', `chain-${k.ctx.chain_id}`),
          );
          expect(k.ctx.sub!.branch).toBe(`claude-exec/chain-${parentId}-${k.ctx.chain_id}`);
          expect(k.ctx.sub!.patch).toBe(k.f.replace(/\.json$/, '.patch'));
        }
        expect(await gitIn(e.ws.root, ['rev-parse', 'HEAD'])).toBe(head);
        expect(await gitIn(e.ws.root, ['branch', '--show-current'])).toBe('main');
        expect(existsSync(path.join(e.ws.root, 'src', 'part-a.js'))).toBe(false);
        expect(await gitIn(e.ws.root, ['status', '--porcelain', '--', 'src'])).toBe('');
        // C's patch holds only C's change: A's is its base.
        const patchC = readFileSync(kids[2]!.ctx.sub!.patch!, 'utf8');
        expect(patchC).toContain('src/part-c.js');
        expect(patchC).not.toContain('src/part-a.js');

        // `split` is a shipped workflow, listed with the others.
        const listed = await e.run('workflows', 'list');
        expect(listed.exitCode, listed.stderr).toBe(0);
        expect(listed.stdout).toMatch(/^\s*split\b/m);

        // The tree.
        const tree = await e.run('chains', '--tree');
        expect(tree.stdout.split('\n').filter((l) => l.includes('└─')).length).toBe(3);
        const st = await e.run('status', '--all', '--json');
        expect(st.exitCode, st.stderr).toBe(0);
        expect(
          (jsonOut(st).chains as { chain_id: string; children: string[] }[]).find(
            (c) => c.chain_id === parentId,
          )?.children,
        ).toEqual(parent.children);

        const applied = await e.run('apply', parentId, '--json');
        expect(applied.exitCode, applied.stderr).toBe(0);
        expect(jsonOut(applied)).toMatchObject({
          applied: parent.children,
          files: ['src/part-a.js', 'src/part-b.js', 'src/part-c.js'],
        });
        const check = await execa(
          'node',
          [
            '--input-type=module',
            '-e',
            "import { c } from './src/part-c.js'; import { b } from './src/part-b.js'; console.log(c() + b());",
          ],
          { cwd: e.ws.root },
        );
        expect(check.stdout).toBe('acb');

        // Applying again conflicts with what is there: reported, exit 1, nothing changed.
        const again = await e.run('apply', parentId);
        expect(again.exitCode).toBe(1);
        expect(again.stderr).toMatch(/conflict|already exists/);
        expect(readFileSync(path.join(e.ws.root, 'src', 'part-c.js'), 'utf8')).toBe(FILES.C);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
  it(
    'a split written by the split driver of older versions (no workflow in its file) resumes at its gate and runs its parts',
    async () => {
      const e = await setupE2e({}, splitScenario);
      try {
        await mkdir(path.join(e.ws.root, 'workflows'));
        await writeFile(
          path.join(e.ws.root, 'workflows', 'subtask.yaml'),
          'name: subtask\ndescription: One small change, then the tests.\nsteps:\n  - { prompt: tdd_flow_controller, as_phase: implementation }\n  - { tests: any }\n',
        );
        e.trust();
        const first = await e.run('--json', '--split', 'Build parts A, B and C');
        expect(first.exitCode, first.stderr).toBe(3);
        const parentId = jsonOut(first).chain_id as string;
        // What the old driver wrote at its gate: the plan in `split`, no workflow.
        const [file] = await contextFiles(e.ws.root);
        const old = JSON.parse(readFileSync(file!, 'utf8')) as Record<string, unknown>;
        expect((old.workflow as { name: string }).name).toBe('split');
        delete old.workflow;
        await writeFile(file!, JSON.stringify(old, null, 2));
        const planned = e.messages().length;

        const r = await e.run('approve', parentId, '--yes', '--json');
        expect(r.exitCode, r.stderr).toBe(0);
        expect(jsonOut(r)).toMatchObject({ status: 'complete', chain_id: parentId });
        const parent = readContext(file!);
        expect(parent.workflow?.name).toBe('split');
        expect(parent.workflow!.state.history.map((h) => `${h.kind}: ${h.outcome}`)).toEqual([
          'plan_split: done by an earlier version',
          'gate: approved',
          'sub_chains: 3 sub-chains complete',
        ]);
        // The plan was not asked for again; every part ran once, in its worktree.
        const turns = e.messages().map((m) => readTurn(m.body ?? {})!);
        expect(turns.slice(planned).filter((t) => t.prompt === 'parallel_work_planner')).toEqual([]);
        const kids = (await contextFiles(e.ws.root))
          .map((f) => readContext(f))
          .filter((c) => c.parent === parentId);
        expect(kids.map((k) => [k.sub!.key, k.status, Boolean(k.sub!.patch)]).sort()).toEqual([
          ['part-a', 'complete', true],
          ['part-b', 'complete', true],
          ['part-c', 'complete', true],
        ]);
        expect(
          turns.filter((t) => t.prompt === 'tdd_flow_controller' && t.instructions.includes('Part A: add'))
            .length,
        ).toBeGreaterThan(0);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
  it(
    'one budget covers the family: --max-cost stops the sub-chains together although each alone stays under it',
    async () => {
      const setup = async () => {
        const e = await setupE2e({}, splitScenario);
        await mkdir(path.join(e.ws.root, 'workflows'));
        // Each sub-chain makes several calls, so the plan is a small part of the family's cost.
        await writeFile(
          path.join(e.ws.root, 'workflows', 'subtask.yaml'),
          'name: subtask\n' +
            'description: One small change, reviewed, then the tests.\n' +
            'steps:\n' +
            '  - { prompt: tdd_flow_controller, as_phase: implementation }\n' +
            '  - { prompt: code_reviewer }\n' +
            '  - { prompt: simplicity_checker }\n' +
            '  - { prompt: edge_case_generator }\n' +
            '  - { tests: any }\n',
        );
        e.trust();
        return e;
      };
      const [free, capped] = await Promise.all([setup(), setup()]);
      try {
        const familyCost = async (root: string) =>
          (await contextFiles(root))
            .map((f) => readContext(f))
            .reduce((sum, c) => sum + c.cost_tracking.estimated_cost, 0);
        // One model for every tier, so the planner's estimate is not most of the family's budget.
        const r = await free.run(
          '--yes',
          '--json',
          '--model',
          'claude-haiku-4-5',
          '--split',
          'Build parts A, B and C',
        );
        expect(r.exitCode, r.stderr).toBe(0);
        const total = await familyCost(free.ws.root);
        // Room for the plan (its estimate is an upper bound) and some sub-chains, not for all.
        const limit = Math.round(total * 0.6 * 1e5) / 1e5;

        const c = await capped.run(
          '--yes',
          '--json',
          '--model',
          'claude-haiku-4-5',
          '--max-cost',
          String(limit),
          '--split',
          'Build parts A, B and C',
        );
        expect(c.exitCode, c.stderr).toBe(4);
        expect(c.stderr).toContain('the chain family (--split) budget reached');
        const chains = (await contextFiles(capped.ws.root)).map((f) => readContext(f));
        expect(chains.find((x) => x.split)!.status).toBe('budget-exceeded');
        // Never past the limit together, and no member alone came near it: the family budget stopped them.
        expect(await familyCost(capped.ws.root)).toBeLessThanOrEqual(limit);
        expect(Math.max(...chains.map((x) => x.cost_tracking.estimated_cost))).toBeLessThan(limit);
        expect(capped.messages().length).toBeLessThan(free.messages().length);
      } finally {
        await Promise.all([free.close(), capped.close()]);
      }
    },
    E2E_TIMEOUT_MS,
  );
});
