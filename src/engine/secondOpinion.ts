/**
 * A second opinion at the quality gates (config `quality_gates.second_opinion`: a model, or a tier
 * of the chain). Once code_reviewer and security_scanner have judged the change, each runs again on
 * the second model with the same run (the same memory, diff and feedback) as a step of the same
 * gate effect, so its calls are the chain's: recorded, priced, budgeted. Both verdicts are kept in
 * the context file (`second_opinions`). When they agree, the verdict stands (two failures carry the
 * blocking issues of both). When they disagree, the human decides through a question of the chain
 * (terminal, `answer ID --answer SO…=pass|fail`, or `--yes`, which takes the stricter verdict):
 * until then the chain waits and readiness is not reached.
 */
import type { ChainContext, PromptRun, SecondOpinion } from '../chain/schema.js';
import { PROMPT_TIERS } from '../library/parse.js';
import { REQUIRED_GATES } from '../phases/machine.js';
import type { Findings } from '../phases/protocol.js';
import type { DriveDeps } from './deps.js';
import { askQuestions } from './gates.js';
import type { ChainSession } from './session.js';
import { promptStep } from './steps.js';

/** The gates judged twice. */
const SECOND_OPINION_GATES: readonly string[] = REQUIRED_GATES;

/** Pure: the model of the second opinion — a tier's model in this chain, or the model named; null when none is set. */
export function secondOpinionModel(setting: string | null, models: ChainContext['models']): string | null {
  if (!setting) return null;
  return (PROMPT_TIERS as readonly string[]).includes(setting)
    ? models[setting as keyof ChainContext['models']]
    : setting;
}

/** Pure: a result's verdict (no verdict passes, as the machine reads it). */
export function verdictOf(f: Findings): { passed: boolean; blocking_issues: string[] } {
  return {
    passed: f.verdict?.passed ?? true,
    blocking_issues: f.verdict?.passed === false ? f.verdict.blocking_issues : [],
  };
}

/** Pure: the id of the question that asks the human about a disagreement. */
function opinionQuestionId(effect: number, prompt: string): string {
  return `SO${effect}-${prompt}`;
}

/** Pure: whether an answer to that question accepts the change ("pass", "passed", "accept", "approve", "yes"); anything else fails it. */
export function answerPasses(answer: string): boolean {
  return /^\s*(pass(ed)?|accept(ed)?|approve[d]?|yes|y)\b/i.test(answer);
}

const issuesText = (issues: string[]) => (issues.length ? issues.join('; ') : '(no issue named)');

/** Pure: the question a disagreement asks; its proposed default is the stricter verdict (fail). */
export function disagreementQuestion(
  o: Omit<SecondOpinion, 'question_id' | 'decision' | 'decided_by'>,
  round: number,
): ChainContext['questions'][number] {
  const [pass, fail] = o.first.passed ? [o.first, o.second] : [o.second, o.first];
  return {
    id: opinionQuestionId(o.effect, o.prompt),
    question: `${o.prompt}: the two verdicts disagree. ${pass.model} (step ${pass.step}) passes the change; ${fail.model} (step ${fail.step}) blocks it: ${issuesText(fail.blocking_issues)}. Answer "pass" to accept the change, or "fail" to send it back to implementation with those issues.`,
    why: 'The quality gate ran on two models (config quality_gates.second_opinion) and they disagree; readiness waits for your decision.',
    default_answer: 'fail',
    answer: null,
    answered_by: null,
    round,
  };
}

/** Pure: the findings that stand for a gate, from its two results and the decision. */
export function standingFindings(first: Findings, second: Findings, decision: 'passed' | 'failed'): Findings {
  const a = verdictOf(first);
  const b = verdictOf(second);
  if (decision === 'passed') return a.passed ? first : second;
  const issues = [...new Set([...a.blocking_issues, ...b.blocking_issues])];
  const base = a.passed ? second : first;
  return { ...base, verdict: { ...(base.verdict ?? {}), passed: false, blocking_issues: issues } };
}

/**
 * Runs the second opinion for the gates among `runs` (their first results in `findings`, same
 * order) and returns the findings the machine should see. Does nothing outside implementation,
 * without the setting, or when the second model is the gate's own (warned once per gate).
 * Throws what the step runs throw, and AwaitingInputError while a disagreement waits for the human.
 */
export async function applySecondOpinion(
  session: ChainSession,
  deps: DriveDeps,
  runs: readonly PromptRun[],
  findings: Findings[],
): Promise<Findings[]> {
  const ctx = session.ctx;
  const model = secondOpinionModel(deps.config.quality_gates.second_opinion, ctx.models);
  if (!model || ctx.current_phase !== 'implementation' || ctx.single_prompt) return findings;
  const out = [...findings];
  const effect = ctx.machine.seq;
  const pending: { i: number; second: Findings; qid: string }[] = [];
  for (const [i, run] of runs.entries()) {
    const doc = deps.catalog.get(run.name);
    if (!doc || !SECOND_OPINION_GATES.includes(doc.name)) continue;
    const firstModel = ctx.models[run.tier ?? doc.tier];
    if (firstModel === model) {
      deps.ui.progress.warn(
        `second opinion skipped for ${doc.name}: ${model} is the model that already judged it`,
      );
      continue;
    }
    const first = findings[i]!;
    const firstStep = [...session.ctx.steps]
      .reverse()
      .find(
        (s) => s.effect === effect && s.prompt === doc.name && !s.second_opinion && s.status === 'complete',
      );
    deps.ui.progress.info(`  second opinion: ${doc.name} again on ${model}`);
    const second = await promptStep(session, deps, { ...run, name: doc.name, second_opinion: model });
    const secondStep = [...session.ctx.steps]
      .reverse()
      .find(
        (s) =>
          s.effect === effect &&
          s.prompt === doc.name &&
          s.second_opinion === model &&
          s.status === 'complete',
      );
    const a = verdictOf(first);
    const b = verdictOf(second);
    const record = {
      effect,
      prompt: doc.name,
      first: { model: firstModel, step: firstStep?.n ?? 1, ...a },
      second: { model, step: secondStep?.n ?? 1, ...b },
      agree: a.passed === b.passed,
    };
    const known = session.ctx.second_opinions.find((o) => o.effect === effect && o.prompt === doc.name);
    if (record.agree) {
      const decision = a.passed ? 'passed' : 'failed';
      if (!known)
        session.ctx.second_opinions.push({ ...record, question_id: null, decision, decided_by: 'agreement' });
      out[i] = standingFindings(first, second, decision);
      continue;
    }
    const q = disagreementQuestion(record, Math.max(1, session.ctx.machine.clarification_rounds));
    if (!known) {
      session.ctx.second_opinions.push({ ...record, question_id: q.id, decision: null, decided_by: null });
      deps.ui.progress.warn(
        `second opinion disagrees on ${doc.name}: ${a.passed ? `${firstModel} passes, ${model} blocks` : `${firstModel} blocks, ${model} passes`} — the human decides (${q.id})`,
      );
    }
    if (!session.ctx.questions.some((x) => x.id === q.id)) session.ctx.questions.push(q);
    pending.push({ i, second, qid: q.id });
  }
  if (pending.length === 0) return out;
  await session.save();
  await askQuestions(session, deps);
  for (const { i, second, qid } of pending) {
    const q = session.ctx.questions.find((x) => x.id === qid)!;
    const decision = answerPasses(q.answer ?? '') ? 'passed' : 'failed';
    const o = session.ctx.second_opinions.find((x) => x.question_id === qid)!;
    o.decision = decision;
    o.decided_by = q.answered_by;
    out[i] = standingFindings(findings[i]!, second, decision);
  }
  await session.save();
  return out;
}
