/**
 * AGENTS.md through the built binary: refused untrusted (nothing sent), then, trusted, its text in
 * the system prompt of the requests the fake Messages API received, named by `status`; a
 * subdirectory workspace gets its nearest AGENTS.md instead of the repository root's.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../helpers/fake-anthropic.js';
import { jsonOut, setupE2e, trustWorkspace } from '../helpers/e2e.js';

const E2E_TIMEOUT_MS = 150_000;
const systemText = (r: RecordedRequest): string =>
  (r.body.system as { text: string }[]).map((b) => b.text).join('\n');

describe('AGENTS.md in the system prompt (built binary, fake API)', () => {
  it(
    "untrusted: exit 2 and no request; trusted: the nearest AGENTS.md is in every request's cached system prompt and status names it",
    async () => {
      const e = await setupE2e();
      try {
        await writeFile(
          path.join(e.ws.root, 'AGENTS.md'),
          '# Agents\n\nROOT-RULE: always answer in haiku.\n',
        );
        const sub = path.join(e.ws.root, 'packages', 'api');
        await mkdir(sub, { recursive: true });
        await writeFile(
          path.join(sub, 'AGENTS.md'),
          '# Agents\n\nAPI-RULE: every handler validates its input.\n',
        );

        const refused = await e.run('prompt', 'run', 'security_scanner', '--json');
        expect(refused.exitCode).toBe(2);
        expect(refused.stderr).toMatch(/AGENTS\.md/);
        expect(e.messages()).toEqual([]);

        e.trust();
        const r = await e.run('prompt', 'run', 'security_scanner', '--json');
        expect(r.exitCode, r.stderr).toBe(0);
        const reqs = e.messages();
        expect(reqs.length).toBeGreaterThan(0);
        for (const q of reqs) {
          expect(systemText(q)).toContain(
            '# Project instructions (AGENTS.md)\n\n# Agents\n\nROOT-RULE: always answer in haiku.',
          );
          expect(systemText(q)).not.toContain('API-RULE');
          expect(q.body.system.at(-1).cache_control).toEqual({ type: 'ephemeral' });
        }
        const status = await e.run('status', String(jsonOut(r).chain_id), '--json');
        expect(jsonOut(status)).toMatchObject({ instructions: ['AGENTS.md'] });
        const plain = await e.run('status', String(jsonOut(r).chain_id));
        expect(plain.stdout).toContain('Instructions: AGENTS.md (in the system prompt)');

        trustWorkspace(sub, e.env);
        const before = reqs.length;
        const inSub = await e.run('--cwd', sub, 'prompt', 'run', 'security_scanner', '--json');
        expect(inSub.exitCode, inSub.stderr).toBe(0);
        const subReqs = e.messages().slice(before);
        expect(subReqs.length).toBeGreaterThan(0);
        for (const q of subReqs) {
          expect(systemText(q)).toContain(
            '# Project instructions (AGENTS.md)\n\n# Agents\n\nAPI-RULE: every handler validates its input.',
          );
          expect(systemText(q)).not.toContain('ROOT-RULE');
        }
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
