/**
 * `claude-exec show ID --memory`: the `{{context}}` a prompt of the chain would be given now —
 * the chain memory rendered for its current phase within the workspace's memory budget.
 */
import type { Phase } from '../../chain/schema.js';
import { renderMemory } from '../../memory/render.js';
import type { SectionId } from '../../memory/sections.js';
import { loadChain } from './chains.js';

/** The `--json` shape of `show ID --memory` (`claude-exec/memory@1`, src/contract/memory.ts). */
export interface MemoryView {
  schema: 'claude-exec/memory@1';
  chain_id: string;
  file: string;
  phase: Phase;
  /** The prompt the memory is rendered for: --prompt, else the one the chain runs next, else null. */
  prompt: string | null;
  /** Estimated tokens (UTF-8 bytes / 4): the budget, the text shown, the whole memory. */
  budget_tokens: number;
  tokens: number;
  full_tokens: number;
  /** Lines left out and shown, per section. */
  omitted: Partial<Record<SectionId, number>>;
  shown: Partial<Record<SectionId, number>>;
  text: string;
}

/**
 * Renders the memory of chain `id` (the newest when undefined) for `opts.prompt` or the prompt
 * the chain would run next. Throws UsageError for an unknown chain or a prompt that neither the
 * workspace's library nor the chain's steps know, ContextFileError for a bad file.
 */
export async function chainMemory(
  dirs: string[],
  id: string | undefined,
  opts: { budgetTokens: number; prompt?: string },
): Promise<MemoryView> {
  const { ctx, file } = await loadChain(dirs, id);
  if (opts.prompt !== undefined && !ctx.steps.some((s) => s.prompt === opts.prompt)) {
    // A name neither the library nor the chain knows is a typo, not a prompt with no sections.
    const { openLibrary, showPrompt } = await import('../library/prompts.js');
    showPrompt((await openLibrary(ctx.workspace)).catalog, opts.prompt);
  }
  const next = ctx.machine.awaiting;
  const prompt =
    opts.prompt ??
    ctx.single_prompt ??
    (next?.kind === 'prompt' ? next.run.name : next?.kind === 'decide' ? 'prompt_selector' : null);
  const m = renderMemory(ctx, { budgetTokens: opts.budgetTokens, prompt: prompt ?? undefined });
  return {
    schema: 'claude-exec/memory@1',
    chain_id: ctx.chain_id,
    file,
    phase: ctx.current_phase,
    prompt,
    budget_tokens: m.budgetTokens,
    tokens: m.tokens,
    full_tokens: m.fullTokens,
    omitted: m.omitted,
    shown: m.shown,
    text: m.text,
  };
}
