/**
 * The README's screenshots of the web view (docs/web/*.png), made by hand:
 * `npx tsx scripts/web-screenshots.ts [OUT_DIR]` (needs /usr/bin/chromium), then
 * `pngquant --force --quality 70-90 --output F F` on each file to keep them small.
 *
 * The contexts directory holds two weeks of earlier chains (test/helpers/chains.ts, the same
 * realistic files the cost tests use) and one real chain: the test scenario's model on a fake
 * Messages API, with its questions answered, paused at the solution approval.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { answerChain, startChain } from '../src/engine/run.js';
import { createBaseDeps } from '../src/engine/deps.js';
import { loadPriceTable } from '../src/cost/prices.js';
import { createProgress } from '../src/ui/progress.js';
import type { Ui } from '../src/engine/ui.js';
import { startWebServer } from '../src/web/server.js';
import { fakeChain } from '../test/helpers/chains.js';
import { startFakeAnthropic } from '../test/helpers/fake-anthropic.js';
import { createScenario, GOAL } from '../test/helpers/scenario.js';
import { launchChromium } from '../test/helpers/web.js';
import { makeTempWorkspace } from '../test/helpers/workspace.js';

const out = path.resolve(process.argv[2] ?? 'docs/web');
const never = () => Promise.reject(new Error('no terminal'));
const ui: Ui = {
  progress: createProgress(() => undefined, { color: false, verbose: false }),
  interactive: false,
  askQuestions: never,
  askApproval: never,
  confirmChange: never,
};

const ws = await makeTempWorkspace();
const contexts = path.join(ws.root, 'contexts');
await mkdir(contexts, { recursive: true });
const table = loadPriceTable();
const DAY = 86_400_000;
const GOALS = [
  'Add request logging with pino',
  'Fix the flaky session test',
  'Move sessions to Redis',
  'Rate-limit the login route',
  'Add CSRF protection to forms',
  'Paginate GET /notes',
  'Upgrade to Express 5',
];
for (let n = 1; n <= 7; n++) {
  const { file, ctx } = fakeChain({
    n,
    startedAt: new Date(Date.now() - (15 - n * 2) * DAY),
    calls: 12 + n * 5,
    table,
    models: n % 3 ? ['claude-sonnet-4-6', 'claude-haiku-4-5'] : ['claude-opus-4-6'],
  });
  ctx.goal = GOALS[n - 1]!;
  if (n === 5) ctx.status = 'failed';
  await writeFile(path.join(contexts, file), JSON.stringify(ctx, null, 2));
}

const fake = await startFakeAnthropic({ responder: createScenario().responder });
const env = {
  ANTHROPIC_BASE_URL: fake.url,
  ANTHROPIC_API_KEY: 'sk-screenshots-0001',
  CLAUDE_EXEC_USER_PROMPTS: '/nonexistent',
};
const base = await createBaseDeps(ws.root, { ui, yes: false, env });
const first = await startChain(GOAL, base, { contextsDir: contexts, verbose: false });
await answerChain(
  first.ctx.chain_id,
  { q1: 'Yes, rotate them and revoke the old one', q2: 'From the JWT_SECRET environment variable' },
  'user',
  base,
  { contextsDir: contexts, verbose: false },
);

const server = await startWebServer({
  dirs: [contexts],
  port: 0,
  readOnly: false,
  flags: [],
  log: () => undefined,
  env,
});
const browser = await launchChromium();
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 820 } })).newPage();
  await mkdir(out, { recursive: true });
  await page.goto(server.url);
  await page.locator('table.chains').waitFor();
  await page.screenshot({ path: path.join(out, 'chains.png') });
  await page.goto(`${server.origin}/chains/${first.ctx.chain_id}`);
  await page.locator('#gate').waitFor();
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.screenshot({ path: path.join(out, 'chain.png') });
  await page.locator('#steps details').nth(6).locator('summary').click();
  await page.locator('#steps').evaluate((el) => el.scrollIntoView());
  await page.screenshot({ path: path.join(out, 'chain-steps.png') });
  await page.locator('#cost').evaluate((el) => el.scrollIntoView());
  await page.screenshot({ path: path.join(out, 'chain-calls.png') });
  await page.setViewportSize({ width: 1280, height: 1250 });
  await page.goto(`${server.origin}/costs?days=30`);
  await page.locator('canvas[data-chart="cost-per-day"]').waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(out, 'costs.png') });
  console.log(`wrote ${out}/chains.png, chain.png, chain-steps.png, chain-calls.png, costs.png`);
} finally {
  await browser.close();
  await server.close();
  await fake.close();
  await ws.cleanup();
}
