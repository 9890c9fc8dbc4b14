/**
 * run_check and its digest: the first problems with file:line, then the end of the output; the
 * tool's name enum; a real command run (no sandbox) reported by exit code.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolInputSchema } from '../../src/llm/layout.js';
import { CHECK_PROBLEMS_SHOWN, digestCheckOutput, problemLines } from '../../src/tools/checkDigest.js';
import { runCheckTool } from '../../src/tools/runCheck.js';
import { countedFailures, checkFeedback } from '../../src/engine/checks.js';
import type { CheckRun } from '../../src/chain/schema.js';

const fixture = (name: string) =>
  readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'test-output', name), 'utf8');

describe('the digest of a check', () => {
  it('tsc: every error line with its file(line,col)', () => {
    expect(problemLines(fixture('tsc.txt'))).toEqual(
      fixture('tsc.txt')
        .split('\n')
        .filter((l) => l.includes('error TS')),
    );
  });

  it("eslint's stylish format: the file line before its problems", () => {
    const out =
      "\n/ws/src/a.js\n   3:7   error  'x' is assigned a value but never used  no-unused-vars\n  10:1   warning  Unexpected console statement  no-console\n\n/ws/src/b.js\n  1:1  error  Parsing error: Unexpected token  \n\n✖ 3 problems (2 errors, 1 warning)\n";
    expect(problemLines(out)).toEqual([
      '/ws/src/a.js',
      "   3:7   error  'x' is assigned a value but never used  no-unused-vars",
      '  10:1   warning  Unexpected console statement  no-console',
      '/ws/src/b.js',
      '  1:1  error  Parsing error: Unexpected token',
    ]);
    expect(digestCheckOutput(out, 4000)).toMatch(
      /end of output:\n(.|\n)*✖ 3 problems \(2 errors, 1 warning\)\n$/,
    );
  });

  it('the first problems, a count of the rest, the tail; within the byte cap', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `src/f${i}.go:${i + 1}:2: undefined: x${i}`);
    const digest = digestCheckOutput(`${lines.join('\n')}\nFAIL\n`, 100_000);
    expect(digest).toContain(`src/f${CHECK_PROBLEMS_SHOWN - 1}.go:`);
    expect(digest).toContain(`… ${100 - CHECK_PROBLEMS_SHOWN} more problem lines`);
    expect(digest.split('end of output:')[1]).toContain('src/f99.go:100:2');
    expect(
      digest
        .split('end of output:')[0]!
        .split('\n')
        .filter((l) => /^src\/f\d+\.go:/.test(l)),
    ).toEqual(lines.slice(0, CHECK_PROBLEMS_SHOWN));
    const cut = digestCheckOutput(`${lines.join('\n')}\n`, 500);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(500 + 10);
    expect(cut).toMatch(/… \(cut\)\n$/);
  });
});

describe('run_check', () => {
  it('offers the chain’s checks as an enum and reports a run by exit code with its digest', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'run-check-'));
    try {
      await writeFile(
        path.join(root, 'check.mjs'),
        "console.log('src/a.ts(3,5): error TS2322: nope'); console.log('Found 1 error.'); process.exit(2);\n",
      );
      const tool = runCheckTool({
        root,
        checks: [
          { name: 'typecheck', argv: ['node', 'check.mjs'], source: 'config checks.typecheck' },
          { name: 'lint', argv: ['node', '-e', '0'], source: 'x' },
        ],
        timeoutMs: 30_000,
        maxOutputBytes: 4000,
      })!;
      const schema = toolInputSchema(tool.name, tool.inputSchema) as {
        properties: { name: { enum: string[] } };
        required: string[];
      };
      expect(schema.properties.name.enum).toEqual(['typecheck', 'lint']);
      expect(schema.required).toEqual(['name']);
      const failed = await tool.run({ name: 'typecheck' });
      expect(failed.content).toBe(
        'exit code 2\n' +
          '<check_output check="typecheck" command="node check.mjs">\n' +
          'problems:\n' +
          'src/a.ts(3,5): error TS2322: nope\n' +
          'end of output:\n' +
          'src/a.ts(3,5): error TS2322: nope\n' +
          'Found 1 error.\n' +
          '</check_output>',
      );
      expect((await tool.run({ name: 'lint' })).content.startsWith('exit code 0\n')).toBe(true);
      expect(tool.inputSchema.safeParse({ name: 'build' }).success).toBe(false);
      expect(runCheckTool({ root, checks: [], timeoutMs: 1, maxOutputBytes: 1 })).toBeNull();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('checks counted toward green', () => {
  const run = (name: string, expect: CheckRun['expect'], passed: boolean): CheckRun => ({
    at: '2026-12-07T00:00:00.000Z',
    name,
    expect,
    argv: [name],
    passed,
    exit_code: passed ? 0 : 1,
    timed_out: false,
    digest: `${name} digest\n`,
    iteration: 0,
  });

  it('a failed check counts unless it already failed in its baseline; no baseline counts', () => {
    const ctx = { check_runs: [run('lint', 'baseline', false), run('typecheck', 'baseline', true)] };
    const after = [
      run('lint', 'green', false),
      run('typecheck', 'green', false),
      run('build', 'green', false),
    ];
    const { counted, preexisting } = countedFailures(ctx, after);
    expect(counted.map((r) => r.name)).toEqual(['typecheck', 'build']);
    expect(preexisting.map((r) => r.name)).toEqual(['lint']);
    expect(countedFailures(ctx, [run('typecheck', 'green', true)]).counted).toEqual([]);
  });

  it('the feedback carries each failed check’s digest in a data block', () => {
    expect(checkFeedback([run('typecheck', 'green', false)])).toBe(
      'The typecheck check failed (exit code 1):\n<check_output check="typecheck" command="typecheck">\ntypecheck digest\n</check_output>',
    );
  });
});
