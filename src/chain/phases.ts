/**
 * The phases of the feature flow, in order, apart from the context file's schema (./schema.ts
 * re-exports them), so that what only needs their names (the forecast, the workflow schema) does
 * not build the chain's zod schema.
 */
export const PHASES = [
  'requirements-clarification',
  'context-building',
  'uncertainty-analysis',
  'solution-approval',
  'implementation',
  'deployment-readiness',
] as const;
