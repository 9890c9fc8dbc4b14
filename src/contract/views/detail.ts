/**
 * The `claude-exec/chain@1` document (`status ID --full --json`, the web view's chain page): the
 * status document plus every section of the chain, from its context file. Pure.
 */
import type { CallRecord, ChainContext, Step } from '../../chain/schema.js';
import { breakdown, CallTotals, type BreakdownRow } from '../../cost/aggregate.js';
import { buildChainCost } from '../../cost/report.js';
import { gateAnswers } from '../../memory/gate-answers.js';
import type { CallView, ChainOutput, StepView } from '../chain.js';
import { callBilling, costOrNull } from '../../chain/billing.js';
import { chainCostJson } from './cost.js';
import { statusJson } from './status.js';

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const ms = (from: string, to: string | null) =>
  to === null ? null : Math.max(0, Date.parse(to) - Date.parse(from)) || 0;

/** The parts of a step result (record_findings) the chain page shows; a result is stored as the model gave it. */
function resultParts(result: unknown): Pick<StepView, 'findings' | 'risks' | 'verdict'> {
  const r = (result && typeof result === 'object' ? result : {}) as Record<string, unknown>;
  const v = r.verdict as { passed?: unknown; blocking_issues?: unknown } | undefined;
  return {
    findings: strings(r.findings),
    risks: strings(r.risks),
    verdict:
      v && typeof v.passed === 'boolean'
        ? { passed: v.passed, blocking_issues: strings(v.blocking_issues) }
        : null,
  };
}

const EMPTY: BreakdownRow = {
  key: '',
  calls: 0,
  unpriced_calls: 0,
  tokens: { input: 0, output: 0, cache_write: 0, cache_read: 0, total: 0 },
  cost_usd: 0,
  share: null,
  subscription_calls: 0,
  billing: 'api',
};

function stepView(s: Step, cost: BreakdownRow): StepView {
  return {
    n: s.n,
    phase: s.phase,
    prompt: s.prompt,
    focus: s.focus,
    status: s.status,
    started_at: s.started_at,
    ended_at: s.ended_at,
    duration_ms: ms(s.started_at, s.ended_at),
    summary: s.summary,
    ...resultParts(s.result),
    confidence_before: s.confidence_before,
    confidence_after: s.confidence_after,
    calls: cost.calls,
    tokens: cost.tokens,
    cost_usd: costOrNull(cost.cost_usd, cost.calls, cost.unpriced_calls),
    error: s.error,
  };
}

function callView(c: CallRecord): CallView {
  const one = new CallTotals();
  one.add(c);
  return {
    id: c.id,
    step: c.step,
    phase: c.phase,
    prompt: c.prompt,
    model: c.model,
    request_id: c.request_id,
    started_at: c.started_at,
    latency_ms: c.latency_ms,
    tokens: one.tokens(),
    cost_usd: c.cost_usd,
    billing: callBilling(c),
  };
}

/** The whole chain as `status ID --full --json` prints it. `flags`: global options repeated in `next`. */
export function chainJson(ctx: ChainContext, file: string, flags: string[] = []): ChainOutput {
  const answers = new Map(gateAnswers(ctx).map((g) => [g.approval, g.answer]));
  const byStep = new Map(breakdown(ctx.calls, (c) => String(c.step), 0).map((r) => [r.key, r]));
  return {
    ...statusJson(ctx, file, flags),
    schema: 'claude-exec/chain@1',
    created_at: ctx.created_at,
    updated_at: ctx.updated_at,
    running_steps: ctx.steps
      .filter((s) => s.status === 'running')
      .map(({ n, phase, prompt, focus, started_at }) => ({ n, phase, prompt, focus, started_at })),
    steps: ctx.steps.map((s) => stepView(s, byStep.get(String(s.n)) ?? EMPTY)),
    call_log: ctx.calls.map(callView),
    questions: ctx.questions.map(({ id, round, question, why, default_answer, answer, answered_by }) => ({
      id,
      round,
      question,
      why,
      default_answer,
      answer,
      answered_by,
    })),
    decisions: Object.entries(ctx.decisions).map(([key, d]) => ({
      key,
      choice: d.choice,
      rationale: d.rationale,
    })),
    assumptions: ctx.assumptions,
    uncertainties: ctx.uncertainties.map((u) => ({
      area: u.area,
      confidence: u.confidence,
      resolved: u.resolved,
      blocking: u.blocking,
      resolution: u.resolution ?? null,
    })),
    solution: ctx.solution,
    approvals: ctx.approval_history.map((a, i) => ({
      phase: a.phase,
      kind: a.kind,
      presented: a.presented,
      response: a.user_response,
      note: a.note,
      answer: answers.get(i) ?? null,
      at: a.timestamp,
    })),
    files_modified: ctx.session_memory.files_modified,
    cost: chainCostJson(buildChainCost(ctx), ctx, file),
  };
}
