/** The typo guard of the default command: no chain from a mistyped command or a one-word task. */
import { describe, expect, it } from 'vitest';
import { closestCommand, guardDefaultTask } from '../../src/cli/typo.js';
import { UsageError } from '../../src/errors.js';

const NAMES = [
  'resume',
  'approve',
  'answer',
  'chains',
  'status',
  'show',
  'pending',
  'rollback',
  'cost-report',
  'chain-cost',
  'prices',
  'prompts',
  'init',
  'demo',
  'help',
];

describe('closestCommand', () => {
  it.each([
    ['chians', 'chains'],
    ['cost-reprot', 'cost-report'],
    ['staus', 'status'],
    ['STATUS', 'status'],
    ['promts', 'prompts'],
    ['demoo', 'demo'],
    ['add', null],
    ['refactor', null],
    ['x', null],
  ])('%s → %s', (word, expected) => {
    expect(closestCommand(word, NAMES)).toBe(expected);
  });
});

describe('guardDefaultTask', () => {
  const refuse = (task: string[], explicit = false) => {
    try {
      guardDefaultTask(task, NAMES, explicit);
      return null;
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as UsageError).message;
    }
  };

  it('refuses a near miss of a command, naming it, even with more words', () => {
    expect(refuse(['chians'])).toBe('unknown command "chians" — did you mean "chains"?');
    expect(refuse(['staus', '001'])).toBe('unknown command "staus" — did you mean "status"?');
  });

  it('refuses a one-word task without run, and accepts it with run', () => {
    expect(refuse(['refactor'])).toBe('unknown command "refactor"');
    expect(refuse(['refactor'], true)).toBeNull();
    expect(refuse(['chians'], true)).toBeNull();
  });

  it('accepts a task of several words, quoted or not', () => {
    expect(refuse(['Add JWT authentication to the app'])).toBeNull();
    expect(refuse(['add', 'rate', 'limiting'])).toBeNull();
    // The first word of a quoted task is not taken for a command.
    expect(refuse(['chains of responsibility: refactor the handlers'])).toBeNull();
  });
});
