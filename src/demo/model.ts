/** The name of the built-in scripted model of `claude-exec demo`: its calls have no price and are shown as "demo". */
export const DEMO_MODEL = 'demo';
