/**
 * How the signal handler in the CLI entry reports a chain an interrupt saved. The outcome
 * printer (src/cli/outcome.ts, with the spec and test-run modules behind it) is heavy, so the
 * entry does not import it; the module registers its printer here when it is loaded, which
 * every command that drives a chain does before it starts. The handler must stay synchronous.
 */
import type { ChainOutcome } from '../engine/run.js';
import type { InterruptedError } from '../errors.js';
import type { Io } from './io.js';

/** Prints one interrupted chain's outcome (summary on stdout or a run@1 document with --json). */
export type InterruptedOutcomePrinter = (
  io: Io,
  json: boolean,
  outcome: ChainOutcome & { error: InterruptedError },
) => void;

let printer: InterruptedOutcomePrinter | null = null;

/** Called by the outcome module when it loads. */
export function setInterruptedOutcomePrinter(fn: InterruptedOutcomePrinter): void {
  printer = fn;
}

/** The registered printer; null when no command that drives a chain has loaded it. */
export function interruptedOutcomePrinter(): InterruptedOutcomePrinter | null {
  return printer;
}

/** A value returned by an interrupt handler of a chain being driven. */
export function isChainOutcome(v: unknown): v is ChainOutcome {
  return typeof v === 'object' && v !== null && 'ctx' in v && 'file' in v;
}
