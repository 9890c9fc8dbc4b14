/**
 * A chain being driven: its context in memory, the file it is saved to, and the bookkeeping
 * that must happen after every call and every step (call records with cost, cost_tracking,
 * in-flight conversations, steps, phase history). Every change is followed by an atomic save;
 * saves are serialized so that concurrent prompt runs never interleave writes, and saves asked
 * for while one is waiting to start share that one write (each fsyncs; the waits for the disk
 * run on the thread pool, src/chain/store.ts saveChain, and the next call waits for them).
 */
import type { CallRecord, ChainContext, Phase, Step } from '../chain/schema.js';
import { saveChain, saveChainSync } from '../chain/store.js';
import { crossedAlerts } from '../cost/budget.js';
import { costOfCall, type PriceTable } from '../cost/prices.js';
import { deriveCostTracking, extendCostTracking } from '../cost/tracking.js';
import type { Config } from '../config/schema.js';
import type { LlmCallResult } from '../llm/types.js';
import type { Progress } from './ui.js';
import { CONTINUED_PROMPTS } from './taskConversation.js';

/**
 * One budget (USD) for a parent chain and its sub-chains: `settledUsd` is what chains not driven
 * in this process spent (read from their files), plus every live session's cost and its calls in
 * flight. Checked before every call of every member.
 */
export class FamilyBudget {
  readonly limitUsd: number;
  settledUsd: number;
  readonly live = new Set<ChainSession>();
  constructor(limitUsd: number, settledUsd: number) {
    this.limitUsd = limitUsd;
    this.settledUsd = settledUsd;
  }
  /** USD spent by the family so far, calls in flight counted at their estimate. */
  spentUsd(): number {
    let sum = this.settledUsd;
    for (const s of this.live) sum += s.ctx.cost_tracking.estimated_cost + s.reservedUsd;
    return sum;
  }
  /** Moves a member that stopped from the live set into the settled sum. */
  settle(session: ChainSession): void {
    if (!this.live.delete(session)) return;
    this.settledUsd += session.ctx.cost_tracking.estimated_cost;
  }
}

export class ChainSession {
  ctx: ChainContext;
  readonly file: string;
  /** Estimated cost (USD) of calls in flight, which the budget check counts as spent. */
  reservedUsd = 0;
  /** Calls made and not yet recorded, which the chain's call ceiling (caps.chain_calls) counts as made. */
  callsInFlight = 0;
  /** A fork's source steps 1..N-1 (src/features/fork/fork.ts), reused in place of calls while they match. */
  replay: Step[] = [];
  /** The budget a `--split` family shares (src/engine/effects/subChain.ts), checked before every call with the chain's own. */
  family: FamilyBudget | null = null;
  private saving: Promise<void> = Promise.resolve();
  /** The last write asked for (queued or running), with its outcome: what `flush` waits for. */
  private lastWrite: Promise<void> = Promise.resolve();
  /** The next write, not started yet: it serializes the context as it is when it starts. */
  private queued: Promise<void> | null = null;
  private readonly clock: () => Date;
  /** The cost_tracking recordCall last derived and how many calls it sums (to add only the next). */
  private tracked: { tracking: ChainContext['cost_tracking']; calls: number } | null = null;

  constructor(file: string, ctx: ChainContext, clock: () => Date) {
    this.file = file;
    this.ctx = ctx;
    this.clock = clock;
  }

  now(): string {
    return this.clock().toISOString();
  }

  /**
   * Saves the context (atomic, fsync'd). Resolves once a write that began after this call is on
   * disk: the write starts when the previous one has finished and the current turn of the event
   * loop is over, so saves asked for in between share it. Rejects when that write fails.
   */
  save(): Promise<void> {
    this.ctx.updated_at = this.now();
    if (this.queued) return this.queued;
    const next = this.saving
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.queued = null;
        return saveChain(this.file, this.ctx);
      });
    this.queued = next;
    this.lastWrite = next;
    // A failed write rejects its callers; the next save tries again (it writes the whole context).
    this.saving = next.catch(() => undefined);
    return next;
  }

  /**
   * Resolves once every save asked for so far is on disk; rejects when the last of them failed
   * (then nothing that depends on it, such as the next call, should go on).
   */
  flush(): Promise<void> {
    return this.lastWrite;
  }

  /**
   * Synchronous atomic save, for signal handlers that must write before the process exits:
   * temp file in the same directory, fsync, rename.
   */
  saveSync(): void {
    this.ctx.updated_at = this.now();
    saveChainSync(this.file, this.ctx);
  }

  /** Applies `fn` to the context and saves. */
  async update(fn: (ctx: ChainContext) => ChainContext | void): Promise<void> {
    const next = fn(this.ctx);
    if (next) this.ctx = next;
    await this.save();
  }

  startStep(phase: Phase, prompt: string, focus: string | null): Step {
    const step: Step = {
      n: this.ctx.steps.length + 1,
      phase,
      prompt,
      focus,
      status: 'running',
      started_at: this.now(),
      ended_at: null,
      summary: null,
      confidence_before: this.ctx.confidence_scores.overall,
      confidence_after: null,
      effect: this.ctx.machine.seq,
      error: null,
      confidence_reported: null,
      confidence_gain: null,
    };
    this.ctx.steps.push(step);
    return step;
  }

  /**
   * Records one completed call of step `step` (cost from the price table; null when the model
   * has no price or the call is billed by subscription), re-derives cost_tracking from calls[], stores the step's conversation so far,
   * saves, and reports progress and threshold alerts.
   *
   * With `queueSave` (the reply only calls the step's result tool, or only read tools) the save is
   * queued, not waited for: it shares its write with the step's end and the transition after it
   * when they come within the same turn of the event loop (one head rewrite per call), and its
   * fsyncs overlap the read tools and the building of the next request. Nothing outside the
   * process happens before it is on disk: the next call waits for it (`flush`, in the prompt
   * run's beforeCall), and every later effect is preceded by a save that waits for it.
   */
  async recordCall(
    step: Step,
    call: LlmCallResult,
    messages: unknown[],
    deps: { prices: PriceTable; config: Config; progress: Progress },
    queueSave = false,
  ): Promise<void> {
    const before = this.ctx.cost_tracking;
    const priced = costOfCall(call.usage, call.model, deps.prices);
    const subscription = call.billing === 'subscription';
    const cost_usd = subscription ? null : priced.cost_usd;
    const record: CallRecord = {
      id: this.ctx.calls.length + 1,
      step: step.n,
      phase: step.phase,
      prompt: step.prompt,
      model: call.model,
      request_id: call.request_id,
      ...(call.session_id !== undefined ? { session_id: call.session_id } : {}),
      ...(call.message_id !== undefined ? { message_id: call.message_id } : {}),
      ...(call.billing !== undefined ? { billing: call.billing } : {}),
      started_at: call.started_at,
      latency_ms: call.latency_ms,
      usage: call.usage,
      cost_usd,
      pricing_version: priced.pricing_version,
      ...(call.fallback ? { fallback: call.fallback } : {}),
    };
    this.ctx.calls.push(record);
    // Only the new call is added while the sum is the one derived here; else all are summed again.
    const t = this.tracked;
    const calls = this.ctx.calls;
    this.ctx.cost_tracking =
      t && t.tracking === this.ctx.cost_tracking && t.calls === calls.length - 1
        ? extendCostTracking(t.tracking, [record])
        : deriveCostTracking(calls);
    this.tracked = { tracking: this.ctx.cost_tracking, calls: calls.length };
    this.ctx.in_flight = [...this.ctx.in_flight.filter((f) => f.step !== step.n), { step: step.n, messages }];
    const saved = this.save();
    if (queueSave) saved.catch(() => undefined);
    else await saved;
    const after = this.ctx.cost_tracking;
    const u = call.usage;
    const tokens =
      u.input_tokens +
      u.output_tokens +
      (u.cache_creation_input_tokens ?? 0) +
      (u.cache_read_input_tokens ?? 0);
    const promptTokens = after.input_tokens + after.cache_write_tokens + after.cache_read_tokens;
    deps.progress.call({
      prompt: step.prompt,
      tokens,
      chainTokens: after.tokens_used,
      chainCostUsd: after.estimated_cost,
      unpriced: cost_usd === null && !subscription,
      ...(subscription ? { subscription: true } : {}),
      cacheReadShare: promptTokens > 0 ? after.cache_read_tokens / promptTokens : null,
    });
    const limits = deps.config.limits;
    for (const warning of crossedAlerts(
      { usd: before.estimated_cost, tokens: before.tokens_used },
      { usd: after.estimated_cost, tokens: after.tokens_used },
      { costAlertUsd: limits.cost_alert_threshold_usd, tokenLimit: limits.token_limit_warning },
    )) {
      deps.progress.warn(warning);
    }
  }

  /**
   * Marks a step finished (complete or failed), drops its in-flight conversation, and queues a
   * save without waiting for it: the caller's next save (after the transition) shares the write.
   * Crash safety holds meanwhile: the step's last call is on disk, and resume takes the result
   * from it without calling the model again. A failed write is retried by that next save, which
   * rejects if it fails too.
   */
  async endStep(
    step: Step,
    outcome: {
      ok: boolean;
      summary: string;
      result?: unknown;
      error?: string;
      confidence?: Pick<Step, 'confidence_reported' | 'confidence_gain'>;
    },
  ): Promise<void> {
    const s = this.ctx.steps.find((x) => x.n === step.n)!;
    s.status = outcome.ok ? 'complete' : 'failed';
    s.ended_at = this.now();
    s.summary = outcome.summary;
    s.result = outcome.result;
    s.error = outcome.error ?? null;
    if (outcome.confidence) Object.assign(s, outcome.confidence);
    s.confidence_after = this.ctx.confidence_scores.overall;
    // The task's conversation goes on in the next run of its prompt (src/engine/taskConversation.ts).
    const conversation = this.ctx.in_flight.find((f) => f.step === step.n)?.messages;
    if (outcome.ok && conversation && CONTINUED_PROMPTS.has(step.prompt))
      this.ctx.task_conversation = { step: step.n, messages: conversation };
    this.ctx.in_flight = this.ctx.in_flight.filter((f) => f.step !== step.n);
    if (outcome.ok) {
      const record = this.ctx.phase_history.at(-1);
      if (record && record.phase === step.phase) record.prompts_executed.push(step.prompt);
    }
    this.save().catch(() => undefined);
  }

  /** Opens a phase_history record for `phase`. */
  enterPhase(phase: Phase): void {
    this.ctx.current_phase = phase;
    this.ctx.phase_history.push(openPhaseRecord(phase, this.now()));
  }

  /** Closes the open phase_history record with `reason`. */
  exitPhase(reason: string): void {
    const record = this.ctx.phase_history.at(-1);
    if (!record || record.ended_at) return;
    record.ended_at = this.now();
    record.duration_ms = Date.parse(record.ended_at) - Date.parse(record.started_at);
    record.exit_reason = reason;
  }
}

/** Pure: the phase_history record of `phase` entered at `startedAt` (ISO time), still open. */
export function openPhaseRecord(phase: Phase, startedAt: string): ChainContext['phase_history'][number] {
  return {
    phase,
    started_at: startedAt,
    ended_at: null,
    duration_ms: null,
    iterations: 0,
    prompts_executed: [],
    clarifications: [],
    exit_reason: null,
  };
}
