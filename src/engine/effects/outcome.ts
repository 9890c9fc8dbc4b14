/** What performing one workflow step tells the loop (src/engine/loop.ts). */
export type StepOutcome =
  /** Done; `note` goes into the workflow's history. `pauseAfter`: --until asks to stop once the workflow moved on (the message to show). */
  | { note: string; pauseAfter?: string }
  /** Not done and never will be: the workflow fails with `reason`. */
  | { rejected: string }
  /** The chain paused inside the step (saved, status `paused`): `resume` continues the same step. */
  | { paused: true };
