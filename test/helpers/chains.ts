/**
 * Realistic context files for cost tests and benchmarks: valid under the context-file schema,
 * with calls whose usage looks like a cached prompt-chain run (a large cached prefix read from
 * the second call on, a few thousand fresh input tokens, hundreds of output tokens).
 */
import { PHASES, type CallRecord, type ChainContext } from '../../src/chain/schema.js';
import { newChainContext } from '../../src/chain/init.js';
import { chainFileName, formatChainId } from '../../src/chain/names.js';
import { costOfCall, type PriceTable } from '../../src/cost/prices.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';

const PROMPTS = [
  'requirement_disambiguator',
  'trace_existing_flow',
  'dependency_mapper',
  'uncertainty_analysis',
  'solution_synthesizer',
  'test_generator',
  'code_reviewer',
  'security_scanner',
];
const TEXT =
  'The session middleware is configured in src/app.js; login posts to /login and sets req.session.userId. ';

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FakeChainOptions {
  n: number;
  startedAt: Date;
  calls: number;
  table: PriceTable;
  models?: string[];
  uid?: string;
  seed?: number;
}

/** A complete chain context with `calls` calls, costed with `table`, cost_tracking derived. */
export function fakeChain(o: FakeChainOptions): { file: string; ctx: ChainContext } {
  const r = rng(o.seed ?? o.n);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo));
  const models = o.models ?? ['claude-sonnet-4-5', 'claude-haiku-4-5'];
  const chainId = formatChainId(o.n);
  const slug = ['jwt-auth', 'refactor-db', 'debug-login', 'api-redesign'][o.n % 4]!;
  const ctx = newChainContext({
    chainId,
    chainUid: o.uid ?? `uid-${chainId}-${o.startedAt.getTime()}`,
    goal: `Task ${o.n}: ${slug.replace('-', ' ')} in the Express app`,
    slug,
    workspace: '/work/app',
    model: models[0]!,
    models: { fast: 'claude-haiku-4-5', default: models[0]!, smart: 'claude-opus-4-6' },
    now: o.startedAt,
  });
  const calls: CallRecord[] = [];
  let t = o.startedAt.getTime();
  for (let i = 0; i < o.calls; i++) {
    const step = Math.floor(i / 3) + 1;
    const phase = PHASES[Math.min(PHASES.length - 1, Math.floor((i / o.calls) * PHASES.length))]!;
    const prompt = PROMPTS[int(0, PROMPTS.length)]!;
    const model = models[int(0, models.length)]!;
    const w5 = i === 0 ? int(8000, 14000) : int(0, 2500);
    const usage = {
      input_tokens: int(800, 6000),
      output_tokens: int(150, 2500),
      cache_creation_input_tokens: w5,
      cache_read_input_tokens: i === 0 ? 0 : int(8000, 30000),
      cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: 0 },
      service_tier: 'standard',
    };
    const latency = int(1500, 25000);
    calls.push({
      id: i + 1,
      step,
      phase,
      prompt,
      model,
      request_id: `req_${(o.n * 1000 + i).toString(36).padStart(12, '0')}`,
      started_at: new Date(t).toISOString(),
      latency_ms: latency,
      usage,
      ...costOfCall(usage, model, o.table),
    });
    t += latency + int(50, 400);
  }
  ctx.calls = calls;
  ctx.steps = Array.from({ length: Math.ceil(o.calls / 3) }, (_, k) => ({
    n: k + 1,
    phase: calls[k * 3]!.phase,
    prompt: calls[k * 3]!.prompt,
    focus: null,
    status: 'complete' as const,
    started_at: calls[k * 3]!.started_at,
    ended_at: calls[Math.min(calls.length - 1, k * 3 + 2)]!.started_at,
    summary: TEXT.repeat(3),
    confidence_before: 0.5,
    confidence_after: 0.7,
    effect: k,
    error: null,
    confidence_reported: null,
    confidence_gain: null,
  }));
  ctx.phase_history = PHASES.map((phase) => ({
    phase,
    started_at: o.startedAt.toISOString(),
    ended_at: new Date(t).toISOString(),
    duration_ms: 60_000,
    iterations: 1,
    prompts_executed: PROMPTS.slice(0, 3),
    clarifications: [],
    exit_reason: 'exit criteria met',
  }));
  ctx.discovered = {
    stack: 'Node 20, Express 5, express-session',
    entry_points: ['src/app.js', 'src/routes/auth.js'],
    notes: TEXT.repeat(6),
  };
  ctx.uncertainties = [
    { area: 'token storage', confidence: 0.85, resolved: true, blocking: false, resolution: TEXT },
  ];
  ctx.decisions = { token_format: { choice: 'JWT in an httpOnly cookie', rationale: TEXT } };
  ctx.session_memory.files_modified = ['src/app.js', 'src/routes/auth.js', 'test/auth.test.js'];
  ctx.status = 'complete';
  ctx.current_phase = 'deployment-readiness';
  ctx.updated_at = new Date(t).toISOString();
  ctx.cost_tracking = deriveCostTracking(calls);
  return { file: chainFileName(chainId, slug, o.startedAt), ctx };
}
