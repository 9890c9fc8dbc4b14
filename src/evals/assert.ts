/**
 * Checking a prompt's result against a case's assertions. Pure: the result, what the run measured
 * and a file-line lookup of the fixture go in, one outcome per assertion comes out. Model-graded
 * rubrics are graded elsewhere (./judge.ts) and passed in as `graded`.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Assertion } from './case.js';

/** One assertion's outcome: `score` 0..1 (1 for a pass of a yes/no check). */
export interface AssertionOutcome {
  type: Assertion['type'];
  pass: boolean;
  score: number;
  /** What was found, in one line (for the table and the saved run). */
  detail: string;
}

/** What a run measured: tokens of all its calls, USD (null when a call had no price), wall time in ms. */
export interface Measured {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  latency_ms: number;
}

/** The grade of an `llm-rubric` assertion, by its index in the case's list. */
export interface Grade {
  pass: boolean;
  score: number;
  reason: string;
}

/**
 * The values at `path` in `value`: dot segments, `[n]` indexes and `[*]` (every element), e.g.
 * `verdict.passed`, `findings[0]`, `decisions[*].key`. Missing steps give nothing.
 */
export function valuesAt(value: unknown, path: string): unknown[] {
  const segments = path.match(/[^.[\]]+|\[(\d+|\*)\]/g) ?? [];
  let current: unknown[] = [value];
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const v of current) {
      if (seg === '[*]') {
        if (Array.isArray(v)) next.push(...v);
      } else if (/^\[\d+\]$/.test(seg)) {
        if (Array.isArray(v) && Number(seg.slice(1, -1)) < v.length) next.push(v[Number(seg.slice(1, -1))]);
      } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && seg in v) {
        next.push((v as Record<string, unknown>)[seg]);
      }
    }
    current = next;
  }
  return current;
}

/** The strings at `path`: a list is flattened one level; other values are left out. */
function textsAt(value: unknown, path: string): string[] {
  return valuesAt(value, path)
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .filter((v): v is string => typeof v === 'string');
}

const empty = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

/** `file:line` citations in `text` (a path with a dot or a slash, then `:` and a line number; `:12-20` counts its first line). */
export function citations(text: string): { file: string; line: number }[] {
  return [...text.matchAll(/(?:^|[\s(`'"[])((?:\.{0,2}\/)?[\w@.-]+(?:\/[\w@.-]+)*\.\w+):(\d+)/g)].map(
    (m) => ({ file: m[1]!.replace(/^\.\//, ''), line: Number(m[2]) }),
  );
}

const outcome = (
  type: Assertion['type'],
  pass: boolean,
  detail: string,
  score = pass ? 1 : 0,
): AssertionOutcome => ({ type, pass, score, detail });
const short = (v: unknown) => {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/**
 * Each assertion of `assertions` checked against `result` (the prompt's result tool input; null
 * when the run failed, and then every assertion on it fails). `lines(file)` gives the line count
 * of a fixture file (path relative to the fixture root) or null when it does not exist there.
 * `graded` holds the judge's grade of each `llm-rubric` assertion by index (a missing grade fails);
 * `ranTests` the outcome of each `tests_fail_before_pass_after` by index (src/features/library/evalTests.ts; a
 * missing one fails).
 */
export function checkAssertions(
  assertions: readonly Assertion[],
  result: unknown,
  measured: Measured,
  lines: (file: string) => number | null,
  graded: ReadonlyMap<number, Grade> = new Map(),
  ranTests: ReadonlyMap<number, { pass: boolean; detail: string }> = new Map(),
): AssertionOutcome[] {
  return assertions.map((a, i) => {
    const noResult = result === null && a.type !== 'cost' && a.type !== 'tokens';
    if (noResult) return outcome(a.type, false, 'no result: the run failed');
    switch (a.type) {
      case 'fields': {
        const missing = a.value.filter((f) => empty((result as Record<string, unknown>)[f]));
        return outcome(
          a.type,
          missing.length === 0,
          missing.length ? `missing or empty: ${missing.join(', ')}` : `present: ${a.value.join(', ')}`,
        );
      }
      case 'equals': {
        const found = valuesAt(result, a.path);
        const ok = found.some((v) => isDeepStrictEqual(v, a.value));
        return outcome(
          a.type,
          ok,
          ok
            ? `${a.path} = ${short(a.value)}`
            : `${a.path} is ${found.length ? short(found[0]) : 'absent'}, expected ${short(a.value)}`,
        );
      }
      case 'contains': {
        const want = a.ignore_case ? a.value.toLowerCase() : a.value;
        const ok = textsAt(result, a.path).some((t) => (a.ignore_case ? t.toLowerCase() : t).includes(want));
        return outcome(a.type, ok, `${a.path} ${ok ? 'contains' : 'does not contain'} ${short(a.value)}`);
      }
      case 'regex': {
        const re = new RegExp(a.value, a.flags);
        const ok = textsAt(result, a.path).some((t) => re.test(t));
        return outcome(a.type, ok, `${a.path} ${ok ? 'matches' : 'does not match'} /${a.value}/${a.flags}`);
      }
      case 'between': {
        const nums = valuesAt(result, a.path).filter((v): v is number => typeof v === 'number');
        const ok =
          nums.length > 0 &&
          nums.every((n) => (a.min === undefined || n >= a.min) && (a.max === undefined || n <= a.max));
        return outcome(
          a.type,
          ok,
          `${a.path} is ${nums.length ? nums.join(', ') : 'not a number'}; wanted ${a.min ?? '-∞'}..${a.max ?? '∞'}`,
        );
      }
      case 'cites_existing_file': {
        const cited = textsAt(result, a.path).flatMap(citations);
        const real = cited.filter((c) => {
          const n = lines(c.file);
          return n !== null && c.line >= 1 && c.line <= n;
        });
        const bad = cited.filter((c) => !real.includes(c)).map((c) => `${c.file}:${c.line}`);
        const ok = real.length >= a.min && bad.length === 0;
        const detail = [
          `${real.length} of ${cited.length} citation(s) in ${a.path} name an existing file and line`,
          ...(bad.length ? [`not in the fixture: ${bad.slice(0, 3).join(', ')}`] : []),
          ...(real.length < a.min ? [`needs ${a.min}`] : []),
        ].join('; ');
        return outcome(a.type, ok, detail, cited.length ? real.length / cited.length : 0);
      }
      case 'cost':
        if (measured.cost_usd === null)
          return outcome(a.type, false, 'unpriced: the model has no price, so the ceiling cannot be checked');
        return outcome(
          a.type,
          measured.cost_usd <= a.max_usd,
          `$${measured.cost_usd.toFixed(4)} of at most $${a.max_usd}`,
        );
      case 'tokens': {
        const over = [
          a.max_input !== undefined && measured.input_tokens > a.max_input
            ? `input ${measured.input_tokens} > ${a.max_input}`
            : '',
          a.max_output !== undefined && measured.output_tokens > a.max_output
            ? `output ${measured.output_tokens} > ${a.max_output}`
            : '',
        ].filter(Boolean);
        return outcome(
          a.type,
          over.length === 0,
          over.length
            ? over.join('; ')
            : `input ${measured.input_tokens}, output ${measured.output_tokens} within the ceilings`,
        );
      }
      case 'llm-rubric': {
        const g = graded.get(i);
        if (!g) return outcome(a.type, false, `not graded by ${a.judge}`);
        const ok = g.pass && g.score >= a.min_score;
        return outcome(
          a.type,
          ok,
          `${a.judge}: score ${g.score.toFixed(2)} (min ${a.min_score})${g.pass ? '' : ', failed'}: ${g.reason}`,
          g.score,
        );
      }
      case 'tests_fail_before_pass_after': {
        const t = ranTests.get(i);
        return t ? outcome(a.type, t.pass, t.detail) : outcome(a.type, false, 'the tests were not run');
      }
    }
  });
}

/** A case's pass (every assertion passed) and score (mean of the assertion scores, 0..1). */
export function caseVerdict(outcomes: readonly AssertionOutcome[]): { pass: boolean; score: number } {
  if (outcomes.length === 0) return { pass: false, score: 0 };
  return {
    pass: outcomes.every((o) => o.pass),
    score: outcomes.reduce((s, o) => s + o.score, 0) / outcomes.length,
  };
}
