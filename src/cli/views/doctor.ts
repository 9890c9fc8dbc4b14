/** The text of `claude-exec doctor`: one line per check, with what to do under each warning or failure. */
import pc from 'picocolors';
import type { Check } from '../../features/init/doctor.js';

const MARK: Record<Check['status'], string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** Pure: the report; `color` adds green/yellow/red marks. */
export function renderDoctor(checks: Check[], color: boolean): string {
  const paint = (c: Check, s: string) =>
    !color
      ? s
      : c.status === 'ok'
        ? pc.green(s)
        : c.status === 'warn'
          ? pc.yellow(s)
          : c.status === 'fail'
            ? pc.red(s)
            : pc.dim(s);
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${paint(c, MARK[c.status])} ${c.name.padEnd(width)}  ${c.detail}`);
    if (c.fix) lines.push(`  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    failed
      ? `${failed} problem${failed === 1 ? '' : 's'} to fix before a chain can run${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}.`
      : warned
        ? `Ready, with ${warned} warning${warned === 1 ? '' : 's'}.`
        : 'Ready.',
  );
  return lines.join('\n');
}
