/**
 * The human side of a replayed chain (`claude-exec replay`): every gate is answered as it was in the
 * recording (the cassette's `gate` records, src/llm/cassette.ts), in order, so a chain that waited
 * for answers at a terminal, or was answered with `answer`/`approve`, replays as far as it ran.
 * Gates answered with --yes need nothing: the replay runs with the recorded flags.
 */
import { AwaitingInputError } from '../../errors.js';
import type { CassetteGate } from '../../llm/cassette.js';
import type { ChangeResponse, GateResponse, Ui } from '../../engine/ui.js';

/**
 * Wraps `ui` so that its gates answer from `gates`: each question, approval and file change takes
 * the next recorded answer of its kind. Throws AwaitingInputError (the chain stops there, exit 3)
 * when the recording has no answer left for a gate, when a question was not asked in the
 * recording, or when a file change is for another path than the recorded one. `confirm` is left
 * out (no pattern is offered or saved in a replay).
 */
export function replayGateUi(ui: Ui, gates: readonly CassetteGate[]): Ui {
  const used = new Set<number>();
  const next = <K extends CassetteGate['gate']>(
    kind: K,
    what: string,
  ): Extract<CassetteGate, { gate: K }> => {
    const i = gates.findIndex((g, j) => !used.has(j) && g.gate === kind);
    if (i < 0)
      throw new AwaitingInputError(
        `replay: the recording has no answer left for ${what}`,
        'The chain went further than the recording here; record it again (`--record`) to replay this gate.',
      );
    used.add(i);
    return gates[i] as Extract<CassetteGate, { gate: K }>;
  };
  return {
    progress: ui.progress,
    interactive: true,
    async askQuestions(questions) {
      // Answers given in parts (`answer ID --answer q1=…`, then q2) come from successive records.
      const answers: Record<string, string> = {
        ...next('questions', `the questions ${questions.map((q) => q.id).join(', ')}`).answers,
      };
      while (
        questions.some((q) => answers[q.id] === undefined) &&
        gates.some((g, j) => !used.has(j) && g.gate === 'questions')
      )
        Object.assign(answers, next('questions', '').answers);
      const g = { answers };
      const missing = questions.filter((q) => g.answers[q.id] === undefined);
      if (missing.length)
        throw new AwaitingInputError(
          `replay: question ${missing.map((q) => q.id).join(', ')} was not asked in the recording (${missing[0]!.question})`,
          'The chain asks something the recorded one did not; record it again to replay this gate.',
        );
      for (const q of questions)
        ui.progress.info(`  as recorded ${q.id}: ${q.question} → ${g.answers[q.id]}`);
      return Object.fromEntries(questions.map((q) => [q.id, g.answers[q.id]!]));
    },
    async askApproval(): Promise<GateResponse> {
      const g = next('solution', 'the solution approval');
      ui.progress.info(`  solution ${g.response} as recorded${g.note ? `: ${g.note}` : ''}`);
      return g.response === 'approved'
        ? { response: 'approved' }
        : { response: g.response, note: g.note ?? '' };
    },
    async confirmChange(change): Promise<ChangeResponse> {
      const g = next('file-change', `the change to ${change.path}`);
      if (g.path !== change.path)
        throw new AwaitingInputError(
          `replay: the chain proposes a change to ${change.path} where the recording decided one to ${g.path}`,
          'The chain writes other files than the recorded one; record it again to replay this gate.',
        );
      return g.approved
        ? { approved: true, ...(g.all ? { all: true } : {}) }
        : { approved: false, reason: g.reason ?? 'rejected' };
    },
  };
}
