/**
 * Concurrency (DESIGN §10): a batch of k = 4 independent discovery prompts, each answered after
 * a scripted latency L, must take < 1.5 L. One chain (./chain-harness.ts) whose controller picks
 * 4 prompts at once; the batch's wall time is read from the context file the chain wrote (first
 * step started_at to last step ended_at, ms resolution) and, for comparison, from the server
 * (first request of the batch received to last reply written).
 */
import { DISCOVERY, runScenario } from './chain-harness.js';
import type { BenchRow } from './run.js';

export const name = 'concurrency';

const K = 4;
const LATENCY_MS = 300;
const TARGET = 1.5;

export async function run(): Promise<BenchRow[]> {
  const { runs, server, close } = await runScenario(
    { latencyMs: LATENCY_MS, rounds: 1, batch: K, toolTurns: 0, concurrency: K },
    1,
  );
  try {
    const ctx = runs[0]!.outcome.ctx;
    const batch = ctx.steps.filter((s) => DISCOVERY.slice(0, K).includes(s.prompt));
    if (batch.length !== K || batch.some((s) => !s.ended_at))
      throw new Error(`expected ${K} finished discovery steps, got ${batch.length}`);
    const fromContext =
      Math.max(...batch.map((s) => Date.parse(s.ended_at!))) -
      Math.min(...batch.map((s) => Date.parse(s.started_at)));
    const ids = new Set(batch.map((s) => s.n));
    const batchCalls = ctx.calls.filter((c) => ids.has(c.step)).length;
    const received = server.timings.filter(
      (t, i) =>
        t.path === '/v1/messages' &&
        DISCOVERY.slice(0, K).some((p) =>
          JSON.stringify(server.requests[i]?.body?.messages?.[0] ?? '').includes(`Prompt: ${p} `),
        ),
    );
    const fromServer =
      Math.max(...received.map((t) => t.endMs)) - Math.min(...received.map((t) => t.startMs));
    const ratio = fromContext / LATENCY_MS;
    return [
      {
        measure: `batch of ${K} prompts (${batchCalls} calls), L = ${LATENCY_MS} ms: wall from the context file`,
        value: `${fromContext} ms`,
      },
      { measure: 'same batch as the server saw it', value: `${fromServer.toFixed(0)} ms` },
      {
        measure: 'batch wall time / L',
        value: `${ratio.toFixed(2)}x`,
        target: `< ${TARGET}x`,
        ok: ratio < TARGET,
      },
    ];
  } finally {
    await close();
  }
}
