/**
 * The package's default rules block (the ```claude-exec block of project_rules.md) as the build
 * parsed it: dist/config/rules-block.json, written by scripts/snapshot-prompts.mjs with the
 * block's exact text and its YAML parsed. A rules file whose block has that exact text takes the
 * parsed values from it (no YAML parser loaded); any other block is parsed as usual.
 */
import { readFileSync } from 'node:fs';

/**
 * The snapshot's file name, beside the compiled config loader.
 * @public scripts/snapshot-prompts.mjs (the build) imports it from dist/.
 */
export const RULES_BLOCK_FILE = 'rules-block.json';

/** `block`: the YAML text between the fences, exactly; `data`: what it parses to. */
export interface RulesBlockSnapshot {
  version: 1;
  block: string;
  data: Record<string, unknown>;
}

let cached: RulesBlockSnapshot | null | undefined;

/** The snapshot at `url` (default: beside this module, read once per process); null when missing or of another version. */
export function readRulesBlockSnapshot(url?: URL): RulesBlockSnapshot | null {
  if (!url && cached !== undefined) return cached;
  let s: RulesBlockSnapshot | null = null;
  try {
    const json = JSON.parse(
      readFileSync(url ?? new URL(`./${RULES_BLOCK_FILE}`, import.meta.url), 'utf8'),
    ) as RulesBlockSnapshot;
    if (json?.version === 1 && typeof json.block === 'string' && json.data && typeof json.data === 'object')
      s = json;
  } catch {
    s = null;
  }
  if (!url) cached = s;
  return s;
}

/** A copy of the snapshot's parsed values when `block` is exactly its text; else null. */
export function fromRulesBlockSnapshot(
  snapshot: RulesBlockSnapshot | null,
  block: string,
): Record<string, unknown> | null {
  return snapshot && snapshot.block === block ? structuredClone(snapshot.data) : null;
}
