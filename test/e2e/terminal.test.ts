/**
 * End to end on a real terminal (tmux): `--yes` on a terminal finishes without waiting at
 * "Save as reusable pattern?" (it answers the chain's gates; nothing is saved unless asked).
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, setupE2e } from '../helpers/e2e.js';
import { GOAL } from '../helpers/scenario.js';

const E2E_TIMEOUT_MS = 240_000;
/** How long to wait for the run to end before failing (a run waiting at a question never ends). */
const WAIT_MS = 180_000;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function capture(session: string): Promise<string> {
  return (await execa('tmux', ['capture-pane', '-p', '-S', '-200', '-t', session])).stdout;
}

describe('on a terminal (tmux)', () => {
  it(
    '--yes does not stop at "Save as reusable pattern?"',
    async () => {
      const e = await setupE2e();
      const session = `claude-exec-yes-${process.pid}`;
      try {
        const env = Object.entries(e.env)
          .map(([k, v]) => `${k}=${q(v)}`)
          .join(' ');
        const cmd = `cd ${q(e.ws.root)} && env -i ${env} node ${q(BIN)} --yes ${q(GOAL)}; echo "EXIT=$?"; sleep 600`;
        await execa('tmux', ['new-session', '-d', '-s', session, '-x', '100', '-y', '50', cmd]);
        let screen = '';
        const deadline = Date.now() + WAIT_MS;
        while (!/EXIT=\d+/.test(screen) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000));
          screen = await capture(session);
        }
        expect(screen).toMatch(/EXIT=0/);
        expect(screen).not.toContain('Save as reusable pattern');
        expect(screen).toMatch(/Chain 001: complete/);
      } finally {
        await execa('tmux', ['kill-session', '-t', session], { reject: false });
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
