/**
 * The test runs of a tests_fail_before_pass_after assertion on a small node:test fixture: the
 * step's tests are run on fresh copies (fixture; fixture + overlay), a failure the fixture
 * already has is not counted as the new tests failing, and a step that wrote no test or a fixture
 * without a test command fails with the reason.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testsBeforeAfter, type BeforeAfterInput } from '../../src/features/library/evalTests.js';
import { createSandbox } from '../../src/tools/index.js';

let root = '';
const put = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
};
const ADD_TEST =
  "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { add } from '../src/add.js';\ntest('adds', () => assert.equal(add(2, 3), 5));\n";

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'evals-ba-int-'));
  put(
    'fixture/package.json',
    JSON.stringify({ name: 'f', type: 'module', scripts: { test: 'node --test' } }),
  );
  put('fixture/src/add.js', 'export function add(a, b) {\n  return a - b;\n}\n');
  put('fixture/test/old.test.js', "import { test } from 'node:test';\ntest('old', () => {});\n");
  put('after/src/add.js', 'export function add(a, b) {\n  return a + b;\n}\n');
  put('step/test/add.test.js', ADD_TEST);
  mkdirSync(path.join(root, 'scratch'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const input = (over: Partial<BeforeAfterInput> = {}): BeforeAfterInput => ({
  fixture: path.join(root, 'fixture'),
  after: path.join(root, 'after'),
  stepWorkspace: path.join(root, 'step'),
  tests: ['test/add.test.js'],
  scratch: path.join(root, 'scratch'),
  sandbox: createSandbox('auto', () => undefined),
  timeoutMs: 60_000,
  ...over,
});

describe('testsBeforeAfter', () => {
  it('passes tests that fail on the fixture and pass with the overlay, leaving the fixture untouched', async () => {
    const v = await testsBeforeAfter(input());
    expect(v.detail).toContain(
      'test/add.test.js with `npm test`: failed before the implementation, as they should (exit 1, 1 failed, 1 passed (node:test); failing: adds); passed after it',
    );
    expect(v.pass).toBe(true);
    expect(readdirSync(path.join(root, 'fixture', 'test'))).toEqual(['old.test.js']);
  }, 120_000);

  it('fails when the new tests fail only where the fixture already fails, and when they fail after', async () => {
    put(
      'fixture/test/old.test.js',
      "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\ntest('old', () => assert.fail('broken before'));\n",
    );
    put('step/test/add.test.js', "import { test } from 'node:test';\ntest('adds', () => {});\n");
    const v = await testsBeforeAfter(input());
    expect(v.pass).toBe(false);
    expect(v.detail).toContain(
      'failed before only where the fixture already fails without them (exit 1, 1 failed, 1 passed (node:test); failing: old)',
    );

    put('step/test/add.test.js', ADD_TEST);
    put('after/src/add.js', 'export function add(a, b) {\n  return a * b;\n}\n');
    const w = await testsBeforeAfter(input({ scratch: path.join(root, 'scratch2') }));
    expect(w.pass).toBe(false);
    expect(w.detail).toContain(
      'failed after the implementation, where they should pass (exit 1, 2 failed, 0 passed (node:test); failing: ',
    );
    expect(w.detail).toMatch(/failing: (old; adds|adds; old)\)$/);
  }, 120_000);

  it('fails with the reason when the step wrote no test, or the fixture has no test command', async () => {
    expect(await testsBeforeAfter(input({ tests: [] }))).toEqual({
      pass: false,
      detail: 'the step wrote no test file, so there is nothing to run before and after',
    });
    rmSync(path.join(root, 'fixture', 'package.json'));
    expect(await testsBeforeAfter(input())).toMatchObject({
      pass: false,
      detail: expect.stringContaining('no test command can be told from the fixture'),
    });
  }, 60_000);
});
