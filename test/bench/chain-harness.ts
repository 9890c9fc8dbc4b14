/**
 * A scripted chain for the orchestration, concurrency and caching benchmarks: the real app
 * (createBaseDeps + startChain, the real SDK) against the fake Messages API on 127.0.0.1.
 *
 * The chain: requirement_validator (confident) → `rounds` controller decisions that each pick
 * `batch` discovery prompts (each prompt makes `toolTurns` read-tool calls before recording its
 * findings) → a decision that the context is ready → uncertainty_analysis → solution_synthesizer
 * → solution_presenter → the approval gate (--yes) → paused by --until solution-approval, so no
 * git checkpoint or test run is in the measured time.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChain, type ChainOutcome } from '../../src/features/run/run.js';
import { createBaseDeps } from '../../src/engine/deps.js';
import { silentUi } from '../helpers/ui.js';
import {
  startFakeAnthropic,
  toolReply,
  type FakeReply,
  type FakeServer,
  type RecordedRequest,
} from '../helpers/fake-anthropic.js';
import { makeTempWorkspace } from '../helpers/workspace.js';

/** Discovery prompts of the shipped library, in the order the scripted controller picks them. */
export const DISCOVERY = [
  'trace_existing_flow',
  'dependency_analyzer',
  'component_mapper',
  'api_surface_mapper',
  'integration_point_finder',
  'hidden_coupling_finder',
  'database_schema_analyzer',
  'performance_profiler',
];

export interface Scenario {
  /** Scripted latency of every /v1/messages reply, in ms. */
  latencyMs: number;
  /** Controller decisions that pick discovery prompts (≤ 3, the default context_iterations cap). */
  rounds: number;
  /** Discovery prompts per decision. */
  batch: number;
  /** Read-tool calls each discovery prompt makes before its findings. */
  toolTurns: number;
  /** caps.concurrency of the workspace config. */
  concurrency: number;
  /** --model: one model for every tier (default: the config's tiers). */
  model?: string;
  /**
   * Realistic step results: each discovery prompt records this many findings (with `file:line`
   * citations), risks and discovered facts of about the size a model writes (default 0: minimal).
   */
  findingsPerStep?: number;
  /** Extra workspace config merged into claude-exec.config.json (e.g. raised caps). */
  config?: Record<string, unknown>;
  /** Keep every request on the fake server (default true; ../helpers/fake-anthropic.ts `keepRequests`). */
  keepRequests?: boolean;
}

/** A finding of about 160 characters, unique per chain, step and index. */
function realisticFinding(chain: string, n: number, i: number): string {
  return `src/app.js:${10 + i}: the login handler (bench ${chain}, run ${n}, finding ${i}) sets req.session.userId after comparing the password hash with bcrypt.compare`;
}

function firstText(req: RecordedRequest): string {
  const first = req.body.messages[0];
  return typeof first.content === 'string'
    ? first.content
    : first.content.map((b: { text?: string }) => b.text ?? '').join('\n');
}
const promptOf = (req: RecordedRequest) => /^Prompt: (\w+)/m.exec(firstText(req))?.[1] ?? '?';
/** Which chain a request belongs to (the goal names it: "bench N"). */
const chainOf = (req: RecordedRequest) => /\(bench (\d+)\)/.exec(firstText(req))?.[1] ?? '?';

const toolResultCount = (req: RecordedRequest): number =>
  req.body.messages.reduce(
    (n: number, m: { content: unknown }) =>
      n +
      (Array.isArray(m.content)
        ? m.content.filter((b: { type: string }) => b.type === 'tool_result').length
        : 0),
    0,
  );

/** The scripted model: replies by prompt name (from the first user message). */
export function scenarioResponder(s: Scenario): (req: RecordedRequest) => Promise<FakeReply> {
  const decisions = new Map<string, number>();
  const reply = (req: RecordedRequest): FakeReply => {
    const p = promptOf(req);
    const findings = (extra: object = {}) => toolReply('record_findings', { summary: `ran ${p}`, ...extra });
    switch (p) {
      case 'requirement_validator':
        return findings({ ambiguity_score: 0.1, confidence: { requirements: 0.95 } });
      case 'prompt_selector': {
        const round = decisions.get(chainOf(req)) ?? 0;
        decisions.set(chainOf(req), round + 1);
        const prompts =
          round < s.rounds
            ? Array.from(
                { length: s.batch },
                (_, i) => DISCOVERY[(round * s.batch + i) % DISCOVERY.length]!,
              ).map((name) => ({ name, focus: 'login flow', reason: 'bench' }))
            : [];
        return toolReply('choose_next_prompts', {
          prompts,
          ready_for_analysis: prompts.length === 0,
          need_new_prompt: false,
          rationale: 'bench',
        });
      }
      case 'uncertainty_analysis':
        return findings({
          confidence: {
            overall: 0.9,
            requirements: 0.95,
            technical_approach: 0.9,
            implementation_details: 0.85,
          },
        });
      case 'solution_synthesizer':
      case 'solution_presenter':
        return findings({ solution: '## Plan\nSign tokens with HMAC in src/token.js.' });
      case 'context_health_checker':
        return findings({ context_health: 8 });
      case 'context_preservation':
        // A digest of about the size a model writes: a dozen compacted facts with their sources.
        return findings({
          digest: Array.from(
            { length: 12 },
            (_, i) =>
              `[F${i}.1] src/app.js:${10 + i}: compacted fact ${i} about the session-based login (bench ${chainOf(req)})`,
          ),
        });
      default: {
        const forced = req.body.tool_choice?.type === 'tool';
        const done = toolResultCount(req);
        if (forced || done >= s.toolTurns) {
          const k = s.findingsPerStep ?? 0;
          if (k === 0) return findings({ discovered: { files: ['src/app.js'] } });
          const n = req.body.messages.length;
          const chain = chainOf(req);
          return findings({
            summary: `ran ${p}: the login flow is session based; tokens need a signing secret and a refresh store (bench ${chain}).`,
            findings: Array.from({ length: k }, (_, i) => realisticFinding(chain, n, i)),
            risks: [`src/app.js:40: logout does not destroy the session store entry (bench ${chain}, ${p})`],
            discovered: {
              files: ['src/app.js', 'src/users.js'],
              [`${p}_notes`]: `session cookie sid, 7-day maxAge (bench ${chain})`,
            },
            uncertainties: [{ area: `${p}_area`, confidence: 0.7, blocking: false, resolved: false }],
          });
        }
        return done % 2 === 0
          ? toolReply('list_files', { path: 'src' })
          : toolReply('read_file', { path: 'src/app.js' });
      }
    }
  };
  return async (req) => {
    if (s.latencyMs > 0) await sleep(s.latencyMs);
    return reply(req);
  };
}

export interface ChainRun {
  outcome: ChainOutcome;
  /** When startChain began and returned, in `performance.now()` ms (deps creation excluded). */
  startMs: number;
  endMs: number;
}

/** Runs `chains` chains of the scenario one after another on one server; returns each run's figures. */
export async function runScenario(
  s: Scenario,
  chains = 1,
): Promise<{ runs: ChainRun[]; server: FakeServer; close(): Promise<void> }> {
  const server = await startFakeAnthropic({
    responder: scenarioResponder(s),
    ...(s.keepRequests === false ? { keepRequests: false } : {}),
  });
  const ws = await makeTempWorkspace({ git: false });
  const close = async () => {
    await server.close();
    await ws.cleanup();
  };
  try {
    const config = {
      ...s.config,
      caps: { ...((s.config?.caps as object | undefined) ?? {}), concurrency: s.concurrency },
    };
    await writeFile(path.join(ws.root, 'claude-exec.config.json'), JSON.stringify(config));
    const base = await createBaseDeps(ws.root, {
      ui: silentUi,
      yes: true,
      trusted: true,
      env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-bench-000000000' },
    });
    const runs: ChainRun[] = [];
    for (let i = 0; i < chains; i++) {
      const startMs = performance.now();
      const outcome = await startChain(`Add JWT auth (bench ${i + 1})`, base, {
        contextsDir: path.join(ws.root, 'contexts'),
        verbose: false,
        until: 'solution-approval',
        model: s.model,
      });
      const endMs = performance.now();
      if (outcome.error || outcome.ctx.status !== 'paused')
        throw new Error(
          `bench chain ended ${outcome.ctx.status}: ${outcome.error?.message ?? outcome.ctx.error ?? ''}`,
        );
      runs.push({ outcome, startMs, endMs });
    }
    return { runs, server, close };
  } catch (err) {
    await close();
    throw err;
  }
}
