/** The `chains --tree` text: parents with their sub-chains indented under them. */
import type { ChainRowOutput } from '../../contract/chains.js';
import { wrapBelow } from '../../ui/wrap.js';

/**
 * The rows as a tree (text): each parent followed by its sub-chains, indented, with status, phase,
 * confidence and cost. Rows whose parent is not shown are roots.
 */
export function renderTree(
  rows: ChainRowOutput[],
  cost: (r: ChainRowOutput) => string,
  width: number | null = null,
): string {
  const byId = new Map(rows.map((r) => [r.chain_id, r]));
  const lines: string[] = [];
  const line = (r: ChainRowOutput, depth: number) => {
    const pad = depth ? `${'   '.repeat(depth - 1)}└─ ` : '';
    const head = `${pad}${r.chain_id}  ${r.status}  ${r.current_phase}  ${Math.round(r.confidence * 100)}%  ${cost(r)}  ${r.workflow === 'feature' ? '' : `[${r.workflow}] `}`;
    const goal = r.goal.split('\n')[0] ?? '';
    if (width === null || head.length + goal.length <= width) lines.push(`${head}${goal}`);
    else {
      // The goal wraps between words, its lines indented under the chain id, never past the width.
      const indent = ' '.repeat(pad.length + 5);
      lines.push(head.trimEnd(), ...wrapBelow(goal, Math.max(20, width - indent.length), indent));
    }
    for (const c of r.children) {
      const child = byId.get(c);
      if (child) line(child, depth + 1);
    }
  };
  for (const r of rows) if (!r.parent || !byId.has(r.parent)) line(r, 0);
  return lines.join('\n');
}
