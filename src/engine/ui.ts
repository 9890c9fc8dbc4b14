/**
 * The human's side as the engine asks for it (progress, questions, approvals, gates): the port a
 * face implements. `src/ui/terminal.ts` implements it for a real terminal (stderr for everything,
 * so stdout stays clean for results and `--json`); the web view and the replay have their own.
 */
import type { Phase, Question } from '../chain/schema.js';

export interface Progress {
  phase(phase: Phase): void;
  stepStart(info: { n: number; prompt: string; focus: string | null }): void;
  /** `findings`: the step's key findings (record_findings `findings`), shown under its summary on a terminal. */
  stepEnd(info: { n: number; prompt: string; summary: string; ok: boolean; findings?: string[] }): void;
  /** After every call: the call's tokens and the chain's running totals. */
  call(info: {
    prompt: string;
    tokens: number;
    chainTokens: number;
    chainCostUsd: number;
    unpriced: boolean;
    cacheReadShare: number | null;
    subscription?: boolean;
  }): void;
  tool(info: { prompt: string; name: string; summary: string }): void;
  info(text: string): void;
  warn(text: string): void;
}

/** A question the human asked at the solution gate and its answer (markdown; null when none was recorded). */
export type GateAnswerShown = { question: string; answer: string | null };

export type GateResponse = { response: 'approved' } | { response: 'rejected' | 'more-info'; note: string };
/** `all`: approve this change and every later one of this implementation (the file-change gate's "all"). */
export type ChangeResponse = { approved: true; all?: boolean } | { approved: false; reason: string };

/**
 * The human side of a chain. Questions and approvals throw InterruptedError when the human
 * presses Ctrl-C (the chain is then saved as `cancelled`).
 */
export interface Ui {
  progress: Progress;
  /** A human can be asked (stdin and stderr are terminals). */
  interactive: boolean;
  /** Asks each question with its proposed default; returns answers by question id. */
  askQuestions(questions: Question[]): Promise<Record<string, string>>;
  /**
   * Shows the answers to the questions asked at this gate ("more info", oldest first), then the
   * solution, and asks Y / n / more-info (with a reason or a question).
   */
  askApproval(solution: string, confidence: number, answers?: GateAnswerShown[]): Promise<GateResponse>;
  /** Shows a diff of a file change and asks to apply it. */
  confirmChange(change: { path: string; diff: string; isNew: boolean }): Promise<ChangeResponse>;
  /** A yes/no question with a default (e.g. "Save as reusable pattern?"); absent where nobody can answer. */
  confirm?(message: string, defaultYes: boolean): Promise<boolean>;
}
