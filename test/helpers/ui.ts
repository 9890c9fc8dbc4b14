/** A Ui for in-process chains: no terminal, progress dropped, gates approve (the chains run with --yes). */
import { createProgress } from '../../src/ui/terminal.js';
import type { Ui } from '../../src/engine/ui.js';

export const silentUi: Ui = {
  progress: createProgress(() => undefined, { color: false, verbose: false }),
  interactive: false,
  askQuestions: async () => ({}),
  askApproval: async () => ({ response: 'approved' }),
  confirmChange: async () => ({ approved: true }),
};
