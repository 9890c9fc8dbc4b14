/**
 * Events of the phase machine. Its state and effects are zod schemas in src/chain/schema.ts,
 * since they are saved in the context file.
 */
import type { ConfidenceScores } from '../chain/schema.js';

import type { Findings, NextPrompts } from './protocol.js';

export type MachineEvent =
  | { type: 'start' }
  | { type: 'prompt-done'; prompt: string; findings: Findings; confidence: ConfidenceScores }
  | { type: 'batch-done'; findings: Findings[]; confidence: ConfidenceScores }
  | { type: 'decision'; decision: NextPrompts; known: string[] }
  | { type: 'answers' }
  | { type: 'generated'; name: string | null }
  | { type: 'approval'; response: 'approved' | 'rejected' | 'more-info'; note: string }
  | { type: 'checkpointed' }
  | { type: 'tests'; expect: 'red' | 'green'; passed: boolean; output: string }
  /** The red run was due and test_generator had written no test file. */
  | { type: 'no-tests-written' };
