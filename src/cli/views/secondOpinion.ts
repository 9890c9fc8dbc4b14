/** The second opinions of a chain's quality gates (src/engine/secondOpinion.ts) as lines for the end of a run. */
import type { SecondOpinion } from '../../chain/schema.js';

/** Pure: one line per gate judged twice, for the end of a run (disagreements first). */
export function secondOpinionLines(opinions: readonly SecondOpinion[]): string[] {
  const verdict = (p: boolean) => (p ? 'passed' : 'failed');
  return [...opinions]
    .sort((a, b) => Number(a.agree) - Number(b.agree))
    .map((o) => {
      const both = `${o.first.model} ${verdict(o.first.passed)}, ${o.second.model} ${verdict(o.second.passed)}`;
      if (o.agree) return `second opinion on ${o.prompt}: agree (${both})`;
      const how =
        o.decided_by === 'assumed'
          ? 'the stricter verdict, --yes'
          : o.decided_by
            ? `decided by the ${o.decided_by === 'file' ? 'answers file' : 'user'}`
            : 'waiting for you';
      return `second opinion on ${o.prompt}: DISAGREE (${both}) → ${o.decision ?? 'undecided'} (${how}; ${o.question_id})`;
    });
}
