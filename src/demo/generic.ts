/**
 * The smallest valid input for a JSON Schema (as sent in a tool's `input_schema`): what the demo
 * model answers when a forced tool has no script. Required properties only; strings carry `note`
 * so the result says plainly that nothing was examined. Pure.
 */
type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minLength?: number;
  default?: unknown;
};

/** A value that satisfies `schema` (depth-limited), using `note` for strings. */
export function minimalInput(schema: unknown, note: string, depth = 0): unknown {
  const s = (schema ?? {}) as Schema;
  if (depth > 8) return null;
  if ('const' in s) return s.const;
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const option = s.anyOf?.[0] ?? s.oneOf?.[0];
  if (option) return minimalInput(option, note, depth + 1);
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') ?? s.type[0]) : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = minimalInput(s.properties?.[key], note, depth + 1);
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => minimalInput(s.items, note, depth + 1));
    case 'string':
      return note.padEnd(s.minLength ?? 0, '.');
    case 'integer':
    case 'number':
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return s.properties ? minimalInput({ ...s, type: 'object' }, note, depth + 1) : note;
  }
}
