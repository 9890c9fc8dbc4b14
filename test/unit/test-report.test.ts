import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { failureDigest, presentTestOutput } from '../../src/tools/testDigest.js';
import { parseTestOutput, readableOutput, type TestFailure } from '../../src/tools/testReport.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) =>
  readFileSync(path.join(here, '..', 'fixtures', 'test-output', name), 'utf8');

const JEST = `FAIL src/auth.test.js
  auth
    ✓ AC1: issues a token (3 ms)
    ✕ AC2: rejects an expired token (2 ms)

  ● auth › AC2: rejects an expired token

    expect(received).toBe(expected)

Test Suites: 1 failed, 1 passed, 2 total
Tests:       1 failed, 1 skipped, 4 passed, 6 total
Snapshots:   0 total
Time:        0.512 s
`;

const VITEST = ` ❯ test/auth.test.ts (3 tests | 1 failed) 7ms
   ✓ auth > AC1: issues a token 2ms
   × auth > AC2: rejects an expired token 3ms

 FAIL  test/auth.test.ts > auth > AC2: rejects an expired token
AssertionError: expected 200 to be 401

 Test Files  1 failed (1)
      Tests  1 failed | 1 passed | 1 skipped (3)
   Start at  10:00:00
`;

const MOCHA = `  auth
    ✔ issues a token
    1) rejects an expired token

  1 passing (12ms)
  1 pending
  1 failing

  1) auth
       rejects an expired token:
     AssertionError: expected 200 to equal 401
`;

const GO = `--- FAIL: TestRejectsExpired (0.00s)
    auth_test.go:14: got 200, want 401
FAIL
FAIL	example.com/auth	0.003s
ok  	example.com/store	0.002s
FAIL
`;

const GO_VERBOSE = `=== RUN   TestIssues
--- PASS: TestIssues (0.00s)
=== RUN   TestRejectsExpired
--- PASS: TestRejectsExpired (0.00s)
=== RUN   TestLater
--- SKIP: TestLater (0.00s)
PASS
ok  	example.com/auth	0.003s
`;

const CARGO = `running 3 tests
test tests::issues_token ... ok
test tests::rejects_expired ... FAILED
test tests::later ... ignored

failures:
    tests::rejects_expired

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

running 1 test
test doc_example ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
`;

/** Go 1.24's -json shape for a package that does not build (cmd/go testdata test_json_build.txt): build-output events, then a fail event naming FailedBuild. */
const GO_JSON_124 = [
  '{"ImportPath":"m/builderror [m/builderror.test]","Action":"build-output","Output":"# m/builderror [m/builderror.test]\\n"}',
  '{"ImportPath":"m/builderror [m/builderror.test]","Action":"build-output","Output":"builderror/main_test.go:3:11: undefined: y\\n"}',
  '{"ImportPath":"m/builderror [m/builderror.test]","Action":"build-fail"}',
  '{"Time":"2024-11-17T07:00:51Z","Action":"start","Package":"m/builderror"}',
  '{"Time":"2024-11-17T07:00:51Z","Action":"output","Package":"m/builderror","Output":"FAIL\\tm/builderror [build failed]\\n"}',
  '{"Time":"2024-11-17T07:00:51Z","Action":"fail","Package":"m/builderror","Elapsed":0,"FailedBuild":"m/builderror [m/builderror.test]"}',
  '{"Time":"2024-11-17T07:00:51Z","Action":"run","Package":"m/ok","Test":"TestOk"}',
  '{"Time":"2024-11-17T07:00:51Z","Action":"pass","Package":"m/ok","Test":"TestOk","Elapsed":0}',
  '{"Time":"2024-11-17T07:00:51Z","Action":"pass","Package":"m/ok","Elapsed":0}',
].join('\n');

const build = (name: string, location: string | null, message: string | RegExp) => ({
  kind: 'build',
  name,
  location,
  message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
});
const test_ = (name: string, location: string | null, message: string | RegExp) => ({
  kind: 'test',
  name,
  location,
  message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
});

describe('parseTestOutput on real output (test/fixtures/test-output, captured on this machine)', () => {
  it.each([
    [
      'node-tap.txt',
      {
        runner: 'node:test',
        passed: 1,
        failed: 1,
        skipped: 1,
        failing: ['AC2: fails'],
        broken: [],
        failures: [test_('AC2: fails', '/tmp/rt/a.test.mjs:3:33', '1 == 2')],
      },
    ],
    [
      'node-spec.txt',
      {
        runner: 'node:test',
        passed: 1,
        failed: 1,
        skipped: 1,
        failing: ['AC2: fails'],
        broken: [],
        failures: [test_('AC2: fails', '/tmp/rt/a.test.mjs:3:33', 'AssertionError [ERR_ASSERTION]: 1 == 2')],
      },
    ],
    [
      'node-300-1-tap.txt',
      {
        runner: 'node:test',
        passed: 300,
        failed: 1,
        skipped: 0,
        failing: ['GET /orders/42 returns the order'],
        broken: [],
        failures: [
          test_('GET /orders/42 returns the order', '/tmp/fx/node/test/cart.test.js:308:10', '404 !== 200'),
        ],
      },
    ],
    [
      'node-300-1-spec.txt',
      {
        runner: 'node:test',
        passed: 300,
        failed: 1,
        skipped: 0,
        failing: ['GET /orders/42 returns the order'],
        broken: [],
        failures: [
          test_('GET /orders/42 returns the order', '/tmp/fx/node/test/cart.test.js:308:10', '404 !== 200'),
        ],
      },
    ],
    [
      'node-load-error-tap.txt',
      {
        runner: 'node:test',
        passed: 1,
        failed: 0,
        skipped: 0,
        failing: [],
        broken: ['/tmp/fx/nodeload/test/boom.test.js', '/tmp/fx/nodeload/test/orders.test.js'],
        failures: [
          build(
            '/tmp/fx/nodeload/test/boom.test.js',
            '/tmp/fx/nodeload/test/boom.test.js:2',
            'Error: config not found: ORDERS_URL',
          ),
          build(
            '/tmp/fx/nodeload/test/orders.test.js',
            '/tmp/fx/nodeload/test/orders.test.js:1:1',
            "Cannot find module '/tmp/fx/nodeload/lib/orders.js'",
          ),
        ],
      },
    ],
    [
      'node-load-error-spec.txt',
      {
        runner: 'node:test',
        passed: 1,
        failed: 0,
        skipped: 0,
        failing: [],
        broken: ['/tmp/fx/nodeload/test/boom.test.js', '/tmp/fx/nodeload/test/orders.test.js'],
        failures: [
          build(
            '/tmp/fx/nodeload/test/boom.test.js',
            '/tmp/fx/nodeload/test/boom.test.js:2',
            'Error: config not found: ORDERS_URL',
          ),
          build(
            '/tmp/fx/nodeload/test/orders.test.js',
            'test/orders.test.js:1:1',
            "Cannot find module '/tmp/fx/nodeload/lib/orders.js'",
          ),
        ],
      },
    ],
    [
      'jest-300-1.txt',
      {
        runner: 'jest',
        passed: 300,
        failed: 1,
        skipped: 0,
        failing: ['GET /orders/42 returns the order'],
        broken: [],
        failures: [
          test_(
            'GET /orders/42 returns the order',
            'test/cart.test.js:306:18',
            /Expected: 200\nReceived: 404/,
          ),
        ],
      },
    ],
    [
      'jest-failed-suites.txt',
      {
        runner: 'jest',
        passed: 1,
        failed: 1,
        skipped: 1,
        failing: ['cart › AC2: applies the discount'],
        broken: ['test/missing.test.js', 'test/broken.test.js'],
        failures: [
          build('test/missing.test.js', 'test/missing.test.js:1:20', "Cannot find module '../refund.js'"),
          build(
            'test/broken.test.js',
            'test/broken.test.js',
            'SyntaxError: /tmp/fx/js/test/broken.test.js: Unexpected token (2:13)',
          ),
          test_('cart › AC2: applies the discount', 'test/cart.test.js:8:25', /Expected: 9\nReceived: 10/),
        ],
      },
    ],
    [
      'vitest-300-1.txt',
      {
        runner: 'vitest',
        passed: 300,
        failed: 1,
        skipped: 0,
        failing: ['test/cart.test.js > GET /orders/42 returns the order'],
        broken: [],
        failures: [
          test_(
            'test/cart.test.js > GET /orders/42 returns the order',
            'test/cart.test.js:307:18',
            'expected 404 to be 200',
          ),
        ],
      },
    ],
    [
      'vitest-failed-suites.txt',
      {
        runner: 'vitest',
        passed: 1,
        failed: 1,
        skipped: 1,
        failing: ['AC2: applies the discount', 'test/cart.test.js > cart > AC2: applies the discount'],
        broken: ['test/broken.test.js', 'test/missing.test.js'],
        failures: [
          build('test/broken.test.js', '/tmp/fx/vt/test/broken.test.js:1:0', 'Failed to parse source'),
          build('test/missing.test.js', 'test/missing.test.js:2:1', "Cannot find module '../refund.js'"),
          test_(
            'test/cart.test.js > cart > AC2: applies the discount',
            'test/cart.test.js:9:25',
            'expected 10 to be 9',
          ),
        ],
      },
    ],
    [
      'vitest-transform-failed.txt',
      {
        runner: 'vitest',
        passed: 1,
        failed: 1,
        skipped: 1,
        broken: ['test/typed.test.ts'],
        failures: [
          build('test/typed.test.ts', 'test/typed.test.ts:2:19', 'Transform failed with 1 error'),
          test_(
            'test/cart.test.js > cart > AC2: applies the discount',
            'test/cart.test.js:9:25',
            'expected 10 to be 9',
          ),
        ],
      },
    ],
    [
      'mocha-failing.txt',
      {
        runner: 'mocha',
        passed: 1,
        failed: 1,
        skipped: 1,
        failing: ['cart AC2: applies the discount'],
        broken: [],
        failures: [test_('cart AC2: applies the discount', 'test/cart.test.js:9:12', '10 !== 9')],
      },
    ],
    [
      'mocha-load-error.txt',
      {
        runner: 'mocha',
        passed: null,
        failed: 0,
        skipped: null,
        failing: [],
        broken: ['/tmp/fx/mo/test/missing.test.js'],
        failures: [
          build(
            '/tmp/fx/mo/test/missing.test.js',
            '/tmp/fx/mo/test/missing.test.js:1:20',
            "Error: Cannot find module '../refund.js'",
          ),
        ],
      },
    ],
    [
      'pytest.txt',
      {
        runner: 'pytest',
        passed: 1,
        failed: 1,
        skipped: 1,
        failing: ['test_x.py::test_ac2_bad'],
        broken: [],
        failures: [test_('test_x.py::test_ac2_bad', 'test_x.py:3', 'assert 1 == 2')],
      },
    ],
    [
      'pytest-300-1.txt',
      {
        runner: 'pytest',
        passed: 300,
        failed: 1,
        skipped: 0,
        failing: ['test_cart.py::test_discount'],
        broken: [],
        failures: [
          test_(
            'test_cart.py::test_discount',
            'test_cart.py:10',
            'AssertionError: discount not applied\nassert 10 == 9',
          ),
        ],
      },
    ],
    [
      'pytest-collection-errors.txt',
      {
        runner: 'pytest',
        passed: 0,
        failed: 0,
        skipped: 0,
        failing: [],
        broken: ['tests/test_broken.py', 'tests/test_syntax.py'],
        failures: [
          build(
            'tests/test_broken.py',
            'tests/test_broken.py:1',
            "ImportError: cannot import name 'nosuch' from 'cart'",
          ),
          build('tests/test_syntax.py', '/tmp/fx/py/tests/test_syntax.py:1', 'SyntaxError: invalid syntax'),
        ],
      },
    ],
    [
      'pytest-continue-on-collection-errors.txt',
      {
        runner: 'pytest',
        passed: 1,
        failed: 1,
        skipped: 0,
        failing: ['tests/test_cart.py::test_discount'],
        broken: ['tests/test_broken.py', 'tests/test_syntax.py'],
        failures: [
          build('tests/test_broken.py', 'tests/test_broken.py:1', 'ImportError'),
          build('tests/test_syntax.py', '/tmp/fx/py/tests/test_syntax.py:1', 'SyntaxError'),
          test_('tests/test_cart.py::test_discount', 'tests/test_cart.py:7', 'discount not applied'),
        ],
      },
    ],
    [
      'go-build-failed.txt',
      {
        runner: 'go test',
        passed: null,
        failed: 1,
        skipped: null,
        failing: ['TestTotal'],
        broken: ['example.com/shop/broken'],
        failures: [
          build(
            'example.com/shop/broken',
            'broken/broken.go:4:17',
            /cannot use 3 .*\n.*broken\.go:5:9: cannot use s/,
          ),
          test_('TestTotal', 'calc_test.go:14', 'Total = 4, want 5'),
        ],
      },
    ],
    [
      'go-build-failed-verbose.txt',
      {
        runner: 'go test',
        passed: 2,
        failed: 1,
        skipped: 1,
        failing: ['TestTotal'],
        broken: ['example.com/shop/broken'],
        failures: [
          build('example.com/shop/broken', 'broken/broken.go:4:17', 'cannot use 3'),
          test_('TestTotal', 'calc_test.go:14', 'Total = 4, want 5'),
        ],
      },
    ],
    [
      'go-build-failed.json.txt',
      {
        runner: 'go test',
        passed: 2,
        failed: 1,
        skipped: 1,
        failing: ['TestTotal'],
        broken: ['example.com/shop/broken'],
        failures: [
          build('example.com/shop/broken', 'broken/broken.go:4:17', 'cannot use 3'),
          test_('TestTotal', 'calc_test.go:14', 'Total = 4, want 5'),
        ],
      },
    ],
    [
      'go-300-1.json.txt',
      {
        runner: 'go test',
        passed: 300,
        failed: 1,
        skipped: 0,
        failing: ['TestDiscount'],
        broken: [],
        failures: [test_('TestDiscount', 'orders_test.go:1808', 'Total(10) with discount = 20, want 18')],
      },
    ],
    [
      'go-300-1.txt',
      {
        runner: 'go test',
        passed: null,
        failed: 1,
        skipped: null,
        failing: ['TestDiscount'],
        broken: [],
        failures: [test_('TestDiscount', 'orders_test.go:1808', 'Total(10) with discount = 20, want 18')],
      },
    ],
    [
      'go-missing-module.txt',
      {
        runner: 'go test',
        passed: null,
        failed: 0,
        failing: [],
        broken: ['setup'],
        failures: [
          build('setup', 'setup/setup.go:3:8', 'no required module provides package example.com/shop/nosuch'),
        ],
      },
    ],
    [
      'cargo-failing.txt',
      {
        runner: 'cargo test',
        passed: 1,
        failed: 1,
        skipped: 1,
        failing: ['tests::applies_the_discount'],
        broken: [],
        failures: [
          test_(
            'tests::applies_the_discount',
            'src/lib.rs:16:9',
            'assertion `left == right` failed: discount not applied\n  left: 10\n right: 9',
          ),
        ],
      },
    ],
    [
      'cargo-build-failed.txt',
      {
        runner: 'cargo test',
        passed: 0,
        failed: 0,
        broken: ['rs'],
        failures: [build('rs', 'src/lib.rs:2:21', 'error[E0308]: mismatched types')],
      },
    ],
    [
      'tsc.txt',
      {
        runner: 'tsc',
        passed: null,
        failed: 0,
        broken: ['src/cart.ts', 'src/use.ts'],
        failures: [
          build(
            'src/cart.ts',
            'src/cart.ts:2:9',
            "TS2322: Type 'string' is not assignable to type 'number'.",
          ),
          build('src/use.ts', 'src/use.ts:2:14', 'TS2322'),
        ],
      },
    ],
    [
      'tsc-pretty.txt',
      {
        runner: 'tsc',
        passed: null,
        failed: 0,
        broken: ['src/cart.ts', 'src/use.ts'],
        failures: [
          build('src/cart.ts', 'src/cart.ts:2:9', 'TS2322'),
          build('src/use.ts', 'src/use.ts:2:14', 'TS2322'),
        ],
      },
    ],
  ])('%s', (file, want) => {
    const report = parseTestOutput(fixture(file));
    expect(report).toMatchObject(want);
    expect(report!.failures).toHaveLength(want.failures.length);
  });

  it('reads `go test -json` events back into the text a person reads', () => {
    const text = readableOutput(fixture('go-build-failed.json.txt'));
    expect(text).toContain('    calc_test.go:14: Total = 4, want 5\n--- FAIL: TestTotal (0.00s)\n');
    expect(text).toContain('FAIL\texample.com/shop/broken [build failed]\n');
    expect(text).not.toContain('"Action"');
  });
});

describe('parseTestOutput on other shapes', () => {
  it.each([
    [
      'jest',
      JEST,
      {
        runner: 'jest',
        passed: 4,
        failed: 1,
        skipped: 1,
        failing: ['auth › AC2: rejects an expired token'],
        broken: [],
      },
    ],
    [
      'vitest',
      VITEST,
      {
        runner: 'vitest',
        passed: 1,
        failed: 1,
        skipped: 1,
        failing: [
          'auth > AC2: rejects an expired token',
          'test/auth.test.ts > auth > AC2: rejects an expired token',
        ],
        broken: [],
      },
    ],
    [
      'mocha',
      MOCHA,
      {
        runner: 'mocha',
        passed: 1,
        failed: 1,
        skipped: 1,
        failing: ['auth rejects an expired token'],
        failures: [test_('auth rejects an expired token', null, 'AssertionError: expected 200 to equal 401')],
      },
    ],
    [
      'go test',
      GO,
      {
        runner: 'go test',
        passed: null,
        failed: 1,
        skipped: null,
        failing: ['TestRejectsExpired'],
        failures: [test_('TestRejectsExpired', 'auth_test.go:14', 'got 200, want 401')],
      },
    ],
    [
      'go test -v',
      GO_VERBOSE,
      { runner: 'go test', passed: 2, failed: 0, skipped: 1, failing: [], broken: [] },
    ],
    [
      'go test -json, Go 1.24 build events',
      GO_JSON_124,
      {
        runner: 'go test',
        passed: 1,
        failed: 0,
        broken: ['m/builderror'],
        failures: [build('m/builderror', 'builderror/main_test.go:3:11', 'undefined: y')],
      },
    ],
    [
      'cargo test (two binaries summed)',
      CARGO,
      {
        runner: 'cargo test',
        passed: 2,
        failed: 1,
        skipped: 1,
        failing: ['tests::rejects_expired'],
        broken: [],
      },
    ],
  ])('%s', (_name, output, want) => {
    expect(parseTestOutput(output)).toMatchObject(want);
  });

  it('reads through colour codes and CRLF', () => {
    const coloured = '\u001b[31m==== 2 failed, 3 passed in 0.5s ====\u001b[0m\r\nFAILED t.py::a\r\n';
    expect(parseTestOutput(`FAILED t.py::a - x\r\n${coloured}`)).toMatchObject({
      runner: 'pytest',
      passed: 3,
      failed: 2,
    });
  });

  it('gives null for output no runner summary is in', () => {
    expect(
      parseTestOutput(
        '> x@1.0.0 test\n> echo "Error: no test specified" && exit 1\n\nError: no test specified\n',
      ),
    ).toBeNull();
    expect(parseTestOutput('')).toBeNull();
  });
});

describe('failureDigest', () => {
  const fail = (i: number, size = 40): TestFailure => ({
    kind: 'test',
    name: `test ${i}`,
    message: `expected ${i} ${'x'.repeat(size)}`,
    location: `t.js:${i}`,
  });

  it('puts the failure blocks first, then the summary; 300 passing and 1 failing is the failure, not the passing tail', () => {
    const r = parseTestOutput(fixture('node-300-1-tap.txt'))!;
    const d = failureDigest({
      failures: r.failures,
      failing: r.failing,
      summary: '1 failed, 300 passed (node:test)',
      output: fixture('node-300-1-tap.txt'),
    });
    expect(d).toBe(
      'FAILED GET /orders/42 returns the order — /tmp/fx/node/test/cart.test.js:308:10\n  Expected values to be strictly equal:\n  \n  404 !== 200\n\nSummary: 1 failed, 300 passed (node:test)',
    );
  });

  it('units that did not build come before failing tests', () => {
    const r = parseTestOutput(fixture('go-build-failed.json.txt'))!;
    const d = failureDigest({ failures: r.failures, failing: r.failing, summary: 's', output: '' });
    expect(d.indexOf('DID NOT BUILD example.com/shop/broken — broken/broken.go:4:17')).toBe(0);
    expect(d.indexOf('FAILED TestTotal — calc_test.go:14')).toBeGreaterThan(0);
  });

  it('keeps within its byte budget and names what it left out', () => {
    const failures = Array.from({ length: 40 }, (_, i) => fail(i + 1));
    const d = failureDigest(
      { failures, failing: failures.map((f) => f.name), summary: '40 failed (jest)', output: '' },
      600,
    );
    expect(Buffer.byteLength(d)).toBeLessThanOrEqual(600);
    expect(d.startsWith('FAILED test 1 — t.js:1\n')).toBe(true);
    const left = /(\d+) more failure\(s\) left out for the 600-byte budget: test (\d+);/.exec(d)!;
    const kept = d.split('\n').filter((l) => l.startsWith('FAILED ')).length;
    expect(Number(left[1])).toBe(40 - kept);
    expect(Number(left[2])).toBe(kept + 1);
    expect(d.endsWith('Summary: 40 failed (jest)')).toBe(true);
  });

  it('clips a first failure larger than the budget instead of dropping it', () => {
    const d = failureDigest(
      { failures: [fail(1, 5000)], failing: ['test 1'], summary: '1 failed (jest)', output: '' },
      500,
    );
    expect(Buffer.byteLength(d)).toBeLessThanOrEqual(500);
    expect(d).toContain('FAILED test 1 — t.js:1');
    expect(d).toContain('…[cut]');
    expect(d).toContain('Summary: 1 failed (jest)');
  });

  it('without failures read: the summary and the last lines of the output that fit', () => {
    const output = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n');
    const d = failureDigest({ failures: [], failing: [], summary: null, output }, 300);
    expect(Buffer.byteLength(d)).toBeLessThanOrEqual(300);
    expect(d).toContain('not recognised');
    expect(d.endsWith('line 499')).toBe(true);
    expect(d).not.toContain('line 0\n');
  });
});

describe('presentTestOutput (what run_tests shows)', () => {
  it('go test -json: the failures, the package that did not build and the summary first, then the last lines as text', () => {
    const shown = presentTestOutput(fixture('go-build-failed.json.txt'), 32_000);
    expect(shown.startsWith('DID NOT BUILD example.com/shop/broken — broken/broken.go:4:17\n')).toBe(true);
    expect(shown).toContain('FAILED TestTotal — calc_test.go:14\n  calc_test.go:14: Total = 4, want 5');
    expect(shown).toContain('Summary: 1 failed, 2 passed, 1 skipped, 1 did not build (go test)');
    expect(shown).not.toContain('"Action"');
  });

  it('300 passing and 1 failing within a small cap: the failure, not the passing tail', () => {
    const shown = presentTestOutput(fixture('node-300-1-tap.txt'), 4_000);
    expect(Buffer.byteLength(shown)).toBeLessThanOrEqual(4_000);
    expect(shown).toContain(
      'FAILED GET /orders/42 returns the order — /tmp/fx/node/test/cart.test.js:308:10',
    );
    expect(shown).toContain('404 !== 200');
  });

  it('output no reader recognises: its last bytes, as before', () => {
    expect(presentTestOutput('a\nb\nsomething odd happened\n', 32_000)).toBe(
      'a\nb\nsomething odd happened\n',
    );
  });
});
