/**
 * The facts a workflow's conditions read, taken from a chain's context (pure). The one fact that
 * needs I/O, the workspace's commit count, is passed in.
 */
import type { ChainContext } from '../chain/schema.js';
import type { Facts } from './interpreter.js';

/**
 * Did a check (typecheck, lint, build) run after the tests at `at` fail, other than one that already
 * failed in its baseline? Such a run keeps the tests from counting as passed (src/engine/checks.ts).
 */
function checkFailedSince(ctx: Pick<ChainContext, 'check_runs'>, at: string): boolean {
  const failedBefore = (name: string) =>
    ctx.check_runs.filter((c) => c.name === name && c.expect === 'baseline').at(-1)?.passed === false;
  return ctx.check_runs.some((c) => c.expect === 'green' && c.at >= at && !c.passed && !failedBefore(c.name));
}

/**
 * Facts of `ctx`: confidence scores, the last verdict, the last test run (and the checks after it),
 * findings text, `gitCommits`, and the parts of its split plan once approved.
 */
export function factsOf(ctx: ChainContext, gitCommits: number): Facts {
  let verdict: Facts['verdict'] = null;
  const text: string[] = [];
  for (const step of ctx.steps) {
    if (step.status !== 'complete') continue;
    const r = step.result as
      { verdict?: { passed?: boolean }; findings?: unknown; summary?: unknown } | undefined;
    if (r?.verdict && typeof r.verdict.passed === 'boolean') verdict = r.verdict.passed ? 'passed' : 'failed';
    if (step.summary) text.push(step.summary);
    if (Array.isArray(r?.findings)) text.push(...r.findings.map(String));
  }
  const last = ctx.test_runs.at(-1);
  return {
    confidence: { ...ctx.confidence_scores },
    verdict,
    tests: last ? (last.passed && !checkFailedSince(ctx, last.at) ? 'passed' : 'failed') : null,
    text: text.join('\n').toLowerCase(),
    git_commits: gitCommits,
    parts:
      ctx.split?.approved && ctx.split.plan
        ? ctx.split.plan.map((p) => ({
            key: p.key,
            goal: p.goal,
            depends_on: p.depends_on,
            workflow: p.workflow ?? null,
          }))
        : null,
  };
}
