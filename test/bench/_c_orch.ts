import { runScenario } from './chain-harness.js';
const { runs, server, close } = await runScenario({ latencyMs: 0, rounds: 3, batch: 1, toolTurns: 3, concurrency: 1 }, 8);
for (const r of runs) {
  const t = server.timings.filter((x) => x.arrivedMs >= r.startMs && x.endMs <= r.endMs);
  const gaps = t.slice(1).map((x, i) => x.arrivedMs - t[i]!.endMs);
  const tests = r.outcome.ctx.test_runs.reduce((n, x) => n + (x.duration_ms ?? 0), 0);
  const head = t[0]!.arrivedMs - r.startMs, tail = r.endMs - t.at(-1)!.endMs;
  const big = gaps.map((g, i) => [i + 1, +g.toFixed(1)] as const).sort((a, b) => b[1] - a[1]).slice(0, 4);
  const sum = gaps.reduce((a, b) => a + b, 0);
  console.log(`calls ${t.length} head ${head.toFixed(1)} tail ${tail.toFixed(1)} tests ${tests} gaps sum ${sum.toFixed(1)} (minus tests ${(sum - tests).toFixed(1)}) med ${[...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!.toFixed(1)} biggest ${JSON.stringify(big)} paths ${[...new Set(t.map((x) => x.path))]}`);
}
await close();
