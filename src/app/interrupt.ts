/**
 * SIGINT/SIGTERM: the CLI entry calls `runInterruptHandlers()` before it exits with 130, so a
 * chain being driven can save its context (status `cancelled`) synchronously first.
 */
const handlers = new Set<() => void>();

/** Registers `fn`; returns a function that removes it. */
export function onInterrupt(fn: () => void): () => void {
  handlers.add(fn);
  return () => handlers.delete(fn);
}

/** Runs every registered handler once; a failing handler does not stop the others. */
export function runInterruptHandlers(): void {
  for (const fn of [...handlers]) {
    handlers.delete(fn);
    try {
      fn();
    } catch {
      // Nothing more can be done while the process is exiting.
    }
  }
}
