/**
 * What a paused chain waits for, as text for a human (stderr when a run pauses, stdout for
 * `claude-exec pending ID`): the questions with their proposed defaults, the answers to the
 * questions asked at the gate ("more info") then the presented solution,
 * or the diff of the pending file change, then the commands that answer it. Pure.
 */
import type { PendingView } from '../contract/views/chain.js';

const indent = (text: string, by = '    ') =>
  text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');

/** The text block for `view` of chain `chainId`; `next` are the commands that answer it. */
export function renderPending(chainId: string, view: PendingView, next: string[]): string {
  const lines: string[] = [];
  if (view.kind === 'questions') {
    lines.push(`Chain ${chainId} is waiting for answers to ${view.questions.length} question(s):`);
    for (const q of view.questions) {
      lines.push(
        `  ${q.id}: ${q.question}`,
        `      why: ${q.why}`,
        `      proposed default: ${q.default_answer}`,
      );
    }
  } else if (view.kind === 'approval') {
    lines.push(
      `Chain ${chainId} is waiting for approval of its solution (confidence ${Math.round(view.confidence * 100)}%):`,
      '',
    );
    for (const a of view.answers)
      lines.push(
        `  You asked: ${a.question}`,
        `  Answer${a.step ? ` (step ${a.step})` : ''}:`,
        indent(a.answer?.trim() || '(no answer was recorded)'),
        '',
      );
    if (view.answers.length) lines.push('  The solution, presented again:', '');
    lines.push(indent(view.solution.trim()), '');
  } else {
    lines.push(
      `Chain ${chainId} is waiting for approval of a change to ${view.path}:`,
      '',
      indent(view.diff.trimEnd()),
      '',
    );
  }
  lines.push('To continue:', ...next.map((n) => `  ${n}`));
  return lines.join('\n');
}
