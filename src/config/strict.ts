/**
 * Unknown keys in a configuration source are errors, not silently dropped settings: a typo such
 * as `"limts": {"max_cost_usd": 0.01}` would otherwise remove a budget without a word. Pure:
 * walks parsed JSON beside the zod schema and names each key the schema does not have, with the
 * closest known key when one is near (edit distance at most 2, or a third of the key's length).
 */
import leven from 'leven';
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object or record schema under defaults, optionals and nullables; null for anything else. */
function container(schema: z.ZodType): Def | null {
  let def = defOf(schema);
  while (def.innerType && def.type !== 'object' && def.type !== 'record') def = defOf(def.innerType);
  return def.type === 'object' || def.type === 'record' ? def : null;
}

/** The known key nearest to `key`, if it is near enough to be what was meant. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = leven(key.toLowerCase(), name.toLowerCase());
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

/**
 * `dot.path: unknown key "x" — did you mean "y"?` for every key of `json` (at any depth) that
 * `schema` does not define; records (e.g. `prices`) check the keys of their values. Values of the
 * wrong type are left to the schema's own validation.
 */
export function unknownKeyIssues(json: unknown, schema: z.ZodType, at: string[] = []): string[] {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return [];
  const def = container(schema);
  if (!def) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (def.type === 'record') {
      if (def.valueType) out.push(...unknownKeyIssues(value, def.valueType, [...at, key]));
      continue;
    }
    const child = def.shape?.[key];
    if (child) {
      out.push(...unknownKeyIssues(value, child, [...at, key]));
      continue;
    }
    const guess = closest(key, Object.keys(def.shape ?? {}));
    const where = at.length ? `${at.join('.')}: ` : '';
    out.push(
      `${where}unknown key ${JSON.stringify(key)}${guess ? ` — did you mean ${JSON.stringify(guess)}?` : ''}`,
    );
  }
  return out;
}
