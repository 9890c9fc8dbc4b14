/**
 * End to end in a real browser: the built binary's `serve` on a contexts directory made by a real
 * chain (run by the built binary against the fake Messages API, stopped at its questions), opened
 * in Debian's headless chromium (playwright-core). It checks what the pages show, a live update
 * while the chain records calls, every gate answered from the page until the chain completes,
 * the cost chart's data against `cost-report --json`, and refusals: no token, another origin,
 * another Host. Screenshots go to test/artifacts/web/ (git-ignored).
 *
 * Without /usr/bin/chromium the browser tests are skipped with the reason printed; the HTTP-level
 * tests of the access policy (test/unit/web-security.test.ts) always run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPriceTable } from '../../src/cost/prices.js';
import { fakeChain } from '../helpers/chains.js';
import { jsonOut, onlyChain, setupE2e, type E2e } from '../helpers/e2e.js';
import { GOAL, RESOLVER_ANSWER } from '../helpers/scenario.js';
import { TOKEN_MODULE_PATH, TOKEN_TEST_PATH } from '../helpers/scenario-files.js';
import {
  browserUnavailable,
  launchChromium,
  request,
  startServe,
  type ServeProcess,
} from '../helpers/web.js';

const TIMEOUT_MS = 300_000;
const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts/web');
const unavailable = browserUnavailable();
if (unavailable) console.warn(`test/e2e/web.test.ts skipped: ${unavailable}`);

let e: E2e;
let serve: ServeProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const fact = (name: string) => page.locator(`[data-fact="${name}"] dd`).innerText();

describe.skipIf(unavailable !== null)('the web view in headless chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // Replies a little slowly, so the chain is seen running between its calls.
    e = await setupE2e({ latencyMs: 150 });
    const first = await e.run('--json', GOAL);
    expect(first.exitCode, first.stderr).toBe(3);
    expect(jsonOut(first)).toMatchObject({ chain_id: '001', pending: { kind: 'questions' } });
    serve = await startServe(['--cwd', e.ws.root], e.ws.root, e.env);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // Generous: the machine may be busy with other test files (no timing is asserted).
    page.setDefaultTimeout(90_000);
  }, TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (serve) expect(await serve.stop()).toBe(130);
    await e?.close();
  });

  it(
    'the printed URL logs in (HttpOnly cookie, clean URL) and lists the chain',
    async () => {
      const res = await page.goto(serve.doc.url);
      expect(res?.status()).toBe(200);
      expect(page.url()).toBe(`${serve.doc.origin}/`);
      expect(await page.evaluate('document.cookie')).toBe('');
      const row = page.locator('tr[data-chain="001"]');
      await row.waitFor();
      expect(await row.locator('.status').innerText()).toBe('awaiting-input');
      expect(await row.innerText()).toContain(GOAL);
      expect(await row.locator('td').nth(4).innerText()).toMatch(/^\$\d/);
      await shot('chains');
    },
    TIMEOUT_MS,
  );

  it(
    'the chain page shows the timeline and every call; answering from the page continues the chain, live',
    async () => {
      const { ctx } = await onlyChain(e.ws.root);
      await page.goto(`${serve.doc.origin}/chains/001`);
      await page.locator('#gate[data-kind="questions"]').waitFor();
      expect(
        await page
          .locator('[data-testid="timeline"] .seg')
          .evaluateAll((s) => s.map((x) => x.getAttribute('data-phase'))),
      ).toEqual(ctx.phase_history.map((p) => p.phase));
      const callRows = page.locator('[data-testid="calls"] tbody tr');
      expect(await callRows.count()).toBe(ctx.calls.length);
      expect(await callRows.first().locator('td').last().innerText()).toBe(ctx.calls[0]!.request_id);
      expect(await page.locator('textarea[name="q1"]').inputValue()).toBe(ctx.questions[0]!.default_answer);
      await shot('chain-questions');

      // Watch what the page shows while the chain goes on, without a reload.
      // (Browser-side code is given as text: this file is type-checked without the DOM library.)
      await page.evaluate(`
      window.mark = 'same page';
      window.seen = [];
      new MutationObserver(() => {
        const status = document.querySelector('[data-fact="status"] dd')?.textContent ?? '';
        const calls = document.querySelector('[data-fact="calls"] dd')?.textContent ?? '';
        window.seen.push(status + ' ' + calls);
      }).observe(document.getElementById('app'), { childList: true, subtree: true });
    `);
      await page.locator('textarea[name="q1"]').fill('Rotate on every use (typed in the browser)');
      await page.getByRole('button', { name: 'Send answers' }).click();
      await expect
        .poll(() => page.locator('.gate-status').innerText(), { timeout: 120_000 })
        .toContain('Sent');
      await page.locator('#gate[data-kind="approval"]').waitFor({ timeout: 120_000 });
      const seen = (await page.evaluate('window.seen')) as string[];
      const runningCalls = seen.filter((s) => s.startsWith('running ')).map((s) => Number(s.split(' ')[1]));
      expect(runningCalls.length, seen.join(' | ')).toBeGreaterThan(0);
      expect(Math.max(...runningCalls)).toBeGreaterThan(ctx.calls.length);
      expect(await page.evaluate('window.mark')).toBe('same page');
      expect(Number(await fact('calls'))).toBeGreaterThan(ctx.calls.length);
      // What was typed reached the model; the untouched default was sent as the user's answer.
      expect(
        e
          .messages()
          .some((m) => JSON.stringify(m.body).includes('Rotate on every use (typed in the browser)')),
      ).toBe(true);
      const answered = (await onlyChain(e.ws.root)).ctx.questions;
      expect(answered.map((q) => [q.answer, q.answered_by])).toEqual([
        ['Rotate on every use (typed in the browser)', 'user'],
        [ctx.questions[1]!.default_answer, 'user'],
      ]);
      expect(await page.locator('#gate .markdown').innerText()).toContain('Plan');
      await shot('chain-approval');
    },
    TIMEOUT_MS,
  );

  it(
    'a question asked from the page is answered above the solution presented again; then the solution, then each file change, approved until the chain completes',
    async () => {
      const question = 'How is logout handled? (asked in the browser)';
      await page.locator('#gate textarea[name="note"]').fill(question);
      await page.getByRole('button', { name: 'Ask for more info' }).click();
      const answer = page.locator('#gate [data-testid="gate-answer"]');
      await answer.waitFor({ timeout: 120_000 });
      expect(await answer.innerText()).toContain(`You asked: ${question}`);
      // Markdown: the backticks become <code>.
      expect(await answer.innerText()).toContain(RESOLVER_ANSWER.replaceAll('`', ''));
      const answerFirst = await page.evaluate(`(() => {
      const a = document.querySelector('#gate [data-testid="gate-answer"]');
      const solution = [...document.querySelectorAll('#gate .markdown')].find((m) => m.textContent.includes('Plan'));
      return solution !== undefined && (a.compareDocumentPosition(solution) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    })()`);
      expect(answerFirst).toBe(true);
      expect(await page.locator('[data-testid="approvals"]').innerText()).toContain(
        RESOLVER_ANSWER.replaceAll('`', ''),
      );
      await shot('chain-more-info');
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.locator('#gate[data-kind="file-change"]').waitFor({ timeout: 120_000 });
      expect(await page.locator('[data-testid="diff"]').innerText()).toContain('+import');
      await shot('chain-diff');
      // Each approval: the gate goes while the chain runs; then a new gate (the same file may be
      // changed twice, so the gate element itself is marked), or the end.
      for (let i = 0; i < 8 && (await page.locator('#gate').count()) > 0; i++) {
        await page.locator('#gate').evaluate((g) => g.setAttribute('data-answered', 'yes'));
        await page.getByRole('button', { name: 'Approve' }).click();
        await expect
          .poll(
            () =>
              page.evaluate(
                `document.querySelector('#gate:not([data-answered])') !== null || document.querySelector('[data-fact="status"] dd')?.textContent === 'complete'`,
              ),
            { timeout: 120_000 },
          )
          .toBe(true);
      }
      await expect.poll(() => fact('status'), { timeout: 120_000 }).toBe('complete');
      expect(await page.locator('#files').innerText()).toContain(TOKEN_TEST_PATH);
      expect(await page.locator('#files').innerText()).toContain(TOKEN_MODULE_PATH);
      const { ctx } = await onlyChain(e.ws.root);
      expect(ctx.status).toBe('complete');
      expect(
        ctx.approval_history
          .filter((a) => a.user_response !== 'approved')
          .map((a) => [a.user_response, a.note]),
      ).toEqual([['more-info', question]]);
      expect(await page.locator('[data-testid="calls"] tbody tr').count()).toBe(ctx.calls.length);
      await shot('chain-complete');
    },
    TIMEOUT_MS,
  );

  it(
    'the costs page charts what `cost-report --json` says',
    async () => {
      const [byDay, byPrompt] = await Promise.all([
        e.run('cost-report', '--by', 'day', '--days', '30', '--top', '1000', '--json'),
        e.run('cost-report', '--by', 'prompt', '--days', '30', '--json'),
      ]);
      const day = jsonOut(byDay) as {
        breakdown: { rows: { key: string; cost_usd: number | null; cache_read_share: number | null }[] };
      };
      const prompt = jsonOut(byPrompt) as { breakdown: { rows: { key: string }[] } };
      await page.goto(`${serve.doc.origin}/costs?days=30`);
      await page.locator('canvas[data-chart="cost-per-day"]').waitFor();
      // What Chart.js draws: the data of its chart objects. (page.evaluate, not waitForFunction,
      // which would need the eval that the page's CSP forbids.)
      const readCharts = () =>
        page.evaluate(`(() => {
      const read = (name) => {
        const c = Chart.getChart(document.querySelector('canvas[data-chart="' + name + '"]'));
        return c ? { labels: c.data.labels, data: c.data.datasets[0].data } : null;
      };
      const cost = read('cost-per-day');
      const cache = read('cache-read-share');
      return cost && cache ? { cost, cache } : null;
    })()`);
      await expect.poll(readCharts, { timeout: 60_000 }).not.toBeNull();
      const data = (await readCharts()) as {
        cost: { labels: string[]; data: unknown[] };
        cache: { labels: string[]; data: unknown[] };
      };
      expect(data.cost.labels).toEqual(day.breakdown.rows.map((r) => r.key));
      expect(data.cost.data).toEqual(day.breakdown.rows.map((r) => r.cost_usd));
      expect(data.cache.data).toEqual(day.breakdown.rows.map((r) => r.cache_read_share));
      expect(await page.locator('[data-testid="by-prompt"] tbody tr td').first().innerText()).toBe(
        prompt.breakdown.rows[0]!.key,
      );
      expect(await page.locator('[data-testid="top-chains"] tbody tr').count()).toBe(1);
      await shot('costs');
      // At 1,400 px and at 1,280 px every breakdown table is whole in its box: no column clipped.
      for (const width of [1400, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        const clipped = await page.evaluate(
          `[...document.querySelectorAll('.grid3 > div')].filter((d) => d.scrollWidth > d.clientWidth + 1).map((d) => d.querySelector('h3')?.textContent)`,
        );
        expect(clipped, `at ${width} px`).toEqual([]);
        expect(await page.locator('.grid3 > div').count()).toBeGreaterThan(0);
      }
      await page.setViewportSize({ width: 1280, height: 900 });
    },
    TIMEOUT_MS,
  );

  it(
    'refuses a browser without the token, a page of another origin, and another Host',
    async () => {
      const stranger = await browser.newContext();
      try {
        const p = await stranger.newPage();
        const res = await p.goto(`${serve.doc.origin}/chains/001`);
        expect(res?.status()).toBe(401);
        const body = await p.locator('body').innerText();
        expect(body).toContain('unauthorized');
        expect(body).not.toContain(GOAL);
      } finally {
        await stranger.close();
      }

      // Another origin on the same host (same site, so the SameSite cookie goes along): its script
      // reads and posts with the user's cookie; the server refuses both.
      const target = serve.doc.origin;
      const evil = http.createServer((_req, res) => {
        res.setHeader('content-type', 'text/html');
        res.end(`<!doctype html><script>
        fetch('${target}/api/chains/001', { credentials: 'include' }).catch(() => {});
        fetch('${target}/api/chains/001/approve', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"response":"approved"}' }).catch(() => {});
        fetch('${target}/api/chains/001/answer', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{"answers":{"q1":"x"}}' }).catch(() => {});
      </script>`);
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
      try {
        const before = (await onlyChain(e.ws.root)).ctx;
        // The browser hides a refused cross-origin response from the page and from playwright's
        // events; the DevTools protocol still reports its status.
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        // A request's status may be reported before the request itself: joined by id afterwards.
        const sent = new Map<string, string>();
        const codes = new Map<string, number>();
        cdp.on('Network.requestWillBeSent', (ev) =>
          sent.set(ev.requestId, `${ev.request.method} ${ev.request.url}`),
        );
        cdp.on('Network.responseReceivedExtraInfo', (ev) => codes.set(ev.requestId, ev.statusCode));
        const statuses = () =>
          [...codes]
            .map(([id, code]) => [sent.get(id), code] as const)
            .filter(([what]) => what?.includes(`${target}/api/`))
            .map(([what, code]) => `${what!.replace(target, '')} ${code}`)
            .sort();
        await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
        await expect.poll(() => statuses().length, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
        // The JSON POST is preflighted; a preflight carries no cookie, so it is refused as without token.
        expect(statuses()).toEqual([
          `GET /api/chains/001 403`,
          `OPTIONS /api/chains/001/answer 401`,
          `POST /api/chains/001/approve 403`,
        ]);
        const after = (await onlyChain(e.ws.root)).ctx;
        expect(after.approval_history).toEqual(before.approval_history);
        expect(after.updated_at).toBe(before.updated_at);
      } finally {
        evil.close();
      }

      const wrongHost = await request(serve.doc.port, {
        path: '/api/chains',
        headers: { authorization: `Bearer ${serve.doc.token}`, host: 'evil.example' },
      });
      expect(wrongHost.status).toBe(403);
      expect(wrongHost.body).not.toContain(GOAL);
    },
    TIMEOUT_MS,
  );

  it(
    'never runs script from model text: goal, summaries, findings and Markdown are shown, not executed',
    async () => {
      const { file, ctx } = fakeChain({ n: 90, startedAt: new Date(), calls: 3, table: loadPriceTable() });
      const evil = [
        '**Plan** <script>window.pwned = "script"</script>',
        '<img src=x onerror="window.pwned = \'img\'">',
        '[click](javascript:window.pwned=\'link\') <a href="javascript:window.pwned=1">a</a>',
        '<iframe src="/"></iframe><form action="/api/chains/090/approve"><button>go</button></form>',
      ].join('\n\n');
      ctx.goal = '<img src=x onerror="window.pwned = \'goal\'">Add search';
      ctx.steps[0]!.summary = '<b onmouseover="window.pwned=1">summary</b>';
      ctx.steps[0]!.result = {
        summary: 's',
        findings: ['<script>window.pwned = "finding"</script>src/app.js:3'],
      };
      ctx.solution = evil;
      ctx.status = 'awaiting-input';
      ctx.pending = { kind: 'approval', presented: evil };
      await writeFile(path.join(e.ws.root, 'contexts', file), JSON.stringify(ctx));
      await page.goto(`${serve.doc.origin}/chains/090`);
      await page.locator('#gate .markdown strong').waitFor();
      await page.locator('#steps details').first().locator('summary').click();
      expect(await page.evaluate('window.pwned')).toBeUndefined();
      expect(
        await page
          .locator('main script, main iframe, main form img, .markdown img, .markdown form, .markdown iframe')
          .count(),
      ).toBe(0);
      expect(await page.locator('a[href^="javascript"]').count()).toBe(0);
      expect(await page.locator('h1').innerText()).toContain('<img src=x onerror=');
      expect(await page.locator('#steps details').first().innerText()).toContain(
        '<script>window.pwned = "finding"</script>src/app.js:3',
      );
      await shot('chain-hostile-text');
    },
    TIMEOUT_MS,
  );
});
