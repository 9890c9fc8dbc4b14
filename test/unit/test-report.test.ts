import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTestOutput } from '../../src/tools/testReport.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(path.join(here, '..', 'fixtures', 'test-output', name), 'utf8');

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

describe('parseTestOutput', () => {
  it.each([
    ['node:test TAP (real output)', fixture('node-tap.txt'), { runner: 'node:test', passed: 1, failed: 1, skipped: 1, failing: ['AC2: fails'] }],
    ['node:test spec reporter (real output)', fixture('node-spec.txt'), { runner: 'node:test', passed: 1, failed: 1, skipped: 1, failing: ['AC2: fails'] }],
    ['pytest (real output)', fixture('pytest.txt'), { runner: 'pytest', passed: 1, failed: 1, skipped: 1, failing: ['test_x.py::test_ac2_bad'] }],
    ['jest', JEST, { runner: 'jest', passed: 4, failed: 1, skipped: 1, failing: ['auth › AC2: rejects an expired token'] }],
    ['vitest', VITEST, { runner: 'vitest', passed: 1, failed: 1, skipped: 1, failing: ['auth > AC2: rejects an expired token', 'test/auth.test.ts > auth > AC2: rejects an expired token'] }],
    ['mocha', MOCHA, { runner: 'mocha', passed: 1, failed: 1, skipped: 1, failing: ['auth rejects an expired token'] }],
    ['go test', GO, { runner: 'go test', passed: null, failed: 1, skipped: null, failing: ['TestRejectsExpired'] }],
    ['go test -v', GO_VERBOSE, { runner: 'go test', passed: 2, failed: 0, skipped: 1, failing: [] }],
    ['cargo test (two binaries summed)', CARGO, { runner: 'cargo test', passed: 2, failed: 1, skipped: 1, failing: ['tests::rejects_expired'] }],
  ])('%s', (_name, output, want) => {
    expect(parseTestOutput(output)).toEqual(want);
  });

  it('reads through colour codes and CRLF', () => {
    const coloured = '\u001b[31m==== 2 failed, 3 passed in 0.5s ====\u001b[0m\r\nFAILED t.py::a\r\n';
    expect(parseTestOutput(`FAILED t.py::a - x\r\n${coloured}`)).toMatchObject({ runner: 'pytest', passed: 3, failed: 2 });
  });

  it('gives null for output no runner summary is in', () => {
    expect(parseTestOutput('> x@1.0.0 test\n> echo "Error: no test specified" && exit 1\n\nError: no test specified\n')).toBeNull();
    expect(parseTestOutput('')).toBeNull();
  });
});
