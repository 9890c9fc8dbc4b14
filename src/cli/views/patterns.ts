/** What `save-pattern` prints, and the prompt to save after a chain completes: text, or save-pattern@1. */
import path from 'node:path';
import type { SavePatternResult } from '../../features/patterns/save.js';
import { printJson, type Io } from '../io.js';

const pct = (xs: number[]) => xs.map((x) => `${Math.round(x * 100)}%`).join(' → ');
const usd = (n: number | null) => (n === null ? 'unpriced' : `$${n.toFixed(4)}`);

/** The lines printed after a pattern was saved. */
function renderSaved(r: SavePatternResult, cwd: string): string {
  const p = r.pattern;
  return [
    `Pattern saved: ${p.name} (${path.relative(cwd, r.file) || r.file})`,
    `  ${p.task_kind}`,
    `  ${p.questions.length} question(s) with answers, ${p.decisions.length} decision(s), discovery: ${p.discovery_prompts.map((d) => d.name).join(', ') || '-'}`,
    `  uncertainty path ${pct(p.uncertainty_path) || '-'} · ${p.approval_iterations} approval round(s) · ${p.calls} calls · ${usd(p.cost_usd)}`,
    `  extraction: ${r.reused ? 'reused (no call)' : usd(r.extraction_cost_usd)}`,
  ].join('\n');
}

function savedJson(r: SavePatternResult) {
  const { body: _b, file: _f, layer: _l, overrides: _o, ...fm } = r.pattern;
  return {
    schema: 'claude-exec/save-pattern@1',
    chain_id: r.ctx.chain_id,
    name: r.pattern.name,
    file: r.file,
    reused: r.reused,
    extraction_cost_usd: r.extraction_cost_usd,
    warning: r.warning,
    pattern: fm,
  };
}

/** Prints a saved pattern as text or as save-pattern@1. */
export function printSaved(io: Io, json: boolean, r: SavePatternResult, cwd: string): void {
  if (r.warning) io.err(`warning: ${r.warning}`);
  if (json) printJson(io, savedJson(r));
  else io.out(renderSaved(r, cwd));
}
