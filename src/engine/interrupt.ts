/**
 * SIGINT/SIGTERM: the CLI entry calls `runInterruptHandlers()` before it exits with 130, so a
 * chain being driven can save its context (status `cancelled`) synchronously first. A handler
 * may return what it saved (a chain outcome `{ctx, file}`), which the CLI then reports.
 */
const handlers = new Set<() => unknown>();

/**
 * What a handler returns when it has said on stderr what the interrupt stopped (`serve`): the
 * CLI then prints no generic "interrupted" error (and, with --json, no error document).
 */
export const INTERRUPT_REPORTED = Symbol('interrupt reported');

/** Registers `fn`; returns a function that removes it. */
export function onInterrupt(fn: () => unknown): () => void {
  handlers.add(fn);
  return () => handlers.delete(fn);
}

/** Runs every registered handler once and returns what they returned (failing handlers left out). */
export function runInterruptHandlers(): unknown[] {
  const results: unknown[] = [];
  for (const fn of [...handlers]) {
    handlers.delete(fn);
    try {
      const r = fn();
      if (r !== undefined) results.push(r);
    } catch {
      // Nothing more can be done while the process is exiting.
    }
  }
  return results;
}
