/**
 * Progress on stderr, in the seed's transcript style. On a terminal: a heading per phase, one
 * line per step ("Running: trace_existing_flow — focus: auth"), then what it found (its summary
 * and up to three key findings), under a live status line (ora: phase, running steps, tokens,
 * cost). Without a terminal: the same headings and one line per step start and end, nothing
 * that redraws. Per-call token lines and tool calls only with `verbose`.
 */
import ora, { type Ora } from 'ora';
import pc from 'picocolors';
import type { Phase } from '../chain/schema.js';
import { sanitizeTerminal } from './sanitize.js';
import { grouped } from './number.js';
import type { Progress } from '../engine/ui.js';

export interface ProgressOptions {
  color: boolean;
  verbose: boolean;
  /** stderr is a terminal: show the live status line and the findings (default false: line-oriented). */
  live?: boolean;
  /** Shown instead of a cost when the calls have no per-token price (the demo: "demo"). */
  costLabel?: string;
}

/** A Progress that the terminal Ui can pause around a question and close at the end. */
export interface TerminalProgress extends Progress {
  /** Hides the status line (before a question or approval is asked). */
  pause(): void;
  /** Shows it again. */
  resume(): void;
  /** Removes the status line for good (before the outcome is printed). */
  close(): void;
}

const FINDINGS_SHOWN = 3;
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const usd = (x: number) => `$${x < 1 ? x.toFixed(4) : x.toFixed(2)}`;
const tokens = grouped;

/** "context-building" → "Context building". */
function phaseTitle(phase: Phase | string): string {
  const words = phase.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Creates the progress; `write` prints one line on stderr. */
export function createProgress(write: (line: string) => void, opts: ProgressOptions): TerminalProgress {
  const c = pc.createColors(opts.color);
  const running = new Map<number, string>();
  const totals = { phase: '', step: 0, tokens: 0, costUsd: 0, unpriced: false, subscription: false };
  let spinner: Ora | null = null;
  let paused = false;
  /** Closed for good: a question asked after the end (e.g. "Save as reusable pattern?") must not bring the status line back. */
  let closed = false;
  /** The step whose "Running:" line was the last thing printed (its result reads "Found: …"). */
  let lastStarted: number | null = null;

  const statusText = () => {
    const steps = [...running.values()];
    const cost =
      totals.subscription && totals.costUsd === 0
        ? 'subscription'
        : totals.unpriced && totals.costUsd === 0
          ? (opts.costLabel ?? 'unpriced')
          : usd(totals.costUsd);
    return sanitizeTerminal(
      `${phaseTitle(totals.phase)} · ${steps.length ? steps.join(', ') : 'working'} · step ${totals.step} · ${tokens(totals.tokens)} tokens · ${cost}`,
    );
  };
  const refresh = () => {
    if (!opts.live || paused) return;
    if (!spinner)
      spinner = ora({
        stream: process.stderr,
        discardStdin: false,
        hideCursor: false,
        isEnabled: true,
        color: 'cyan',
      }).start(statusText());
    else spinner.text = statusText();
  };
  const print = (line: string) => {
    lastStarted = null;
    if (spinner) spinner.clear();
    write(line);
    if (spinner) spinner.render();
  };

  return {
    phase(phase) {
      totals.phase = phase;
      print(`\n${c.bold(c.cyan(`== ${phaseTitle(phase)}`))}`);
      refresh();
    },
    stepStart({ n, prompt, focus }) {
      running.set(n, prompt);
      totals.step = Math.max(totals.step, n);
      const focusText = focus ? c.dim(` — focus: ${clip(oneLine(focus), 80)}`) : '';
      print(opts.live ? `Running: ${prompt}${focusText}` : `[${n}] Running: ${prompt}${focusText}`);
      lastStarted = n;
      refresh();
    },
    stepEnd({ n, prompt, summary, ok, findings }) {
      running.delete(n);
      const text = clip(oneLine(summary), opts.live ? 200 : 160);
      if (!opts.live) print(`[${n}] ${ok ? '✓' : '✗'} ${prompt}: ${text}`);
      else if (!ok) print(`  ${c.red('✗')} ${prompt}: ${text}`);
      else {
        print(lastStarted === n ? `  Found: ${text}` : `  ${c.green('✓')} ${prompt}: ${text}`);
        for (const f of (findings ?? []).slice(0, FINDINGS_SHOWN))
          print(c.dim(`    - ${clip(oneLine(f), 120)}`));
      }
      refresh();
    },
    call(i) {
      totals.tokens = i.chainTokens;
      totals.costUsd = i.chainCostUsd;
      totals.unpriced ||= i.unpriced;
      totals.subscription ||= i.subscription === true;
      if (opts.verbose) {
        const cost = i.subscription
          ? 'subscription'
          : i.unpriced
            ? (opts.costLabel ?? 'unpriced model')
            : usd(i.chainCostUsd);
        print(
          c.dim(
            `    ${i.prompt}: ${tokens(i.tokens)} tok · chain ${tokens(i.chainTokens)} tok · ${cost}` +
              (i.cacheReadShare === null ? '' : ` · cache read ${Math.round(i.cacheReadShare * 100)}%`),
          ),
        );
      }
      refresh();
    },
    tool({ name, summary }) {
      if (opts.verbose) print(c.dim(`    → ${name} ${summary}`));
    },
    info: (text) => print(text),
    warn: (text) => print(c.yellow(`warning: ${text}`)),
    pause() {
      paused = true;
      spinner?.stop();
      spinner = null;
    },
    resume() {
      if (closed) return;
      paused = false;
      refresh();
    },
    close() {
      closed = true;
      paused = true;
      spinner?.stop();
      spinner = null;
    },
  };
}
