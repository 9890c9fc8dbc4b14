/** The text of `claude-exec replay`: what was replayed, and the first request that differs with its diff. */
import type { ReplayReport } from '../../features/replay/replay.js';

/** Pure: the report. */
export function renderReplay(r: ReplayReport): string {
  const lines = [
    `Replayed chain ${r.chain_id} at ${r.commit.slice(0, 12)}: ${r.requests} request(s) sent, ${r.recorded} recorded; the chain exited ${r.exit_code}.`,
  ];
  if (!r.differences.length)
    lines.push(
      r.unused
        ? `Every request sent is as recorded; ${r.unused} recorded request(s) were not sent (the chain stopped earlier).`
        : 'Every request is as recorded.',
    );
  else {
    const first = r.differences[0]!;
    lines.push(
      `${r.differences.length} request(s) differ from the recording. The first: request ${first.seq}${first.prompt ? ` (prompt ${first.prompt})` : ''}, at ${first.field}:`,
      '',
      first.diff.trimEnd(),
    );
  }
  if (r.updated) lines.push('', `The cassette now holds the new requests: ${r.cassette}`);
  else if (r.differences.length)
    lines.push('', 'If the change is intended: claude-exec replay CASSETTE --update');
  return lines.join('\n');
}
