/**
 * Measured cost classes for the selector's catalog (`cost_estimate` classes follow measured
 * medians where `prompts stats` has data). A small file in the contexts directory,
 * `.prompt-costs.json` = `{version: 1, chains: [chain_uid…], samples: {prompt: [uncached tokens
 * of a finished run…]}}`, keeps the latest runs per prompt: `prompts stats` rewrites it from every
 * chain it read, and each chain adds its own runs when it finishes (once per chain_uid). A chain
 * reads it when it starts; a missing or unreadable file means the declared classes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { median as ssMedian } from 'simple-statistics';
import type { ChainContext } from '../chain/schema.js';
import { removeTempFilesOfExitedWriters, writeFileDurableSync } from '../durable.js';
import type { CostClasses } from '../library/catalog.js';
import type { CostEstimate } from '../library/parse.js';

/**
 * The cost class of a run of `tokens` uncached tokens (input + cache write + output; cache reads,
 * the shared prefix, left out). Bounds from the prompt format (seed §"Prompt Format"): minimal
 * < 100, low < 1,000, medium < 5,000, high from 5,000.
 */
export function costClassOf(tokens: number): CostEstimate {
  return tokens < 100 ? 'minimal' : tokens < 1_000 ? 'low' : tokens < 5_000 ? 'medium' : 'high';
}

/** Runs needed before a measured class replaces the declared one. */
export const MIN_RUNS_FOR_CLASS = 3;

/** The median of `xs` (simple-statistics); NaN for an empty list. */
export function median(xs: readonly number[]): number {
  return xs.length ? ssMedian([...xs]) : Number.NaN;
}

export const PROMPT_COSTS_FILE = '.prompt-costs.json';
/** Runs kept per prompt (the latest), and chains remembered as counted. */
const MAX_SAMPLES = 50;
const MAX_CHAINS = 2_000;

interface CostsFile {
  version: 1;
  chains: string[];
  samples: Record<string, number[]>;
}

function read(dir: string): CostsFile {
  try {
    const json = JSON.parse(readFileSync(path.join(dir, PROMPT_COSTS_FILE), 'utf8')) as CostsFile;
    if (json?.version === 1 && Array.isArray(json.chains) && json.samples && typeof json.samples === 'object')
      return json;
  } catch {
    // missing or unreadable: no measurements
  }
  return { version: 1, chains: [], samples: {} };
}

function write(dir: string, data: CostsFile): void {
  const file = path.join(dir, PROMPT_COSTS_FILE);
  // A writer killed mid-write (its chain finishing) leaves a temp file; the next write removes it.
  removeTempFilesOfExitedWriters(file);
  writeFileDurableSync(file, `${JSON.stringify(data)}\n`);
}

/** The measured cost classes in `dir` (prompts with at least MIN_RUNS_FOR_CLASS runs). */
export function readCostClasses(dir: string): CostClasses {
  const out: Record<string, ReturnType<typeof costClassOf>> = {};
  for (const [name, xs] of Object.entries(read(dir).samples)) {
    const ok = xs.filter((x) => Number.isFinite(x) && x >= 0);
    if (ok.length >= MIN_RUNS_FOR_CLASS) out[name] = costClassOf(median(ok));
  }
  return out;
}

/** Uncached tokens of each finished run of `ctx`, by prompt. */
function runsOf(ctx: ChainContext): Record<string, number[]> {
  const tokens = new Map<number, number>();
  for (const c of ctx.calls)
    tokens.set(
      c.step,
      (tokens.get(c.step) ?? 0) +
        c.usage.input_tokens +
        c.usage.output_tokens +
        (c.usage.cache_creation_input_tokens ?? 0),
    );
  const out: Record<string, number[]> = {};
  for (const s of ctx.steps)
    if (s.status === 'complete' && tokens.has(s.n)) (out[s.prompt] ??= []).push(tokens.get(s.n)!);
  return out;
}

/** Adds the runs of a finished chain to `dir`'s file, unless that chain was counted already. Never throws. */
export function recordChainCosts(dir: string, ctx: ChainContext): void {
  try {
    const data = read(dir);
    if (data.chains.includes(ctx.chain_uid)) return;
    for (const [name, xs] of Object.entries(runsOf(ctx)))
      data.samples[name] = [...(data.samples[name] ?? []), ...xs].slice(-MAX_SAMPLES);
    data.chains = [...data.chains, ctx.chain_uid].slice(-MAX_CHAINS);
    write(dir, data);
  } catch {
    // The measurements are an optimisation of the catalog text; a chain never fails for them.
  }
}

/** Rewrites `dir`'s file from `chains` (what `prompts stats` read). Never throws. */
export function rewriteCosts(dir: string, chains: readonly ChainContext[]): void {
  try {
    const samples: Record<string, number[]> = {};
    const counted = new Set<string>();
    for (const ctx of chains) {
      if (counted.has(ctx.chain_uid)) continue;
      counted.add(ctx.chain_uid);
      for (const [name, xs] of Object.entries(runsOf(ctx)))
        samples[name] = [...(samples[name] ?? []), ...xs].slice(-MAX_SAMPLES);
    }
    write(dir, { version: 1, chains: [...counted].slice(-MAX_CHAINS), samples });
  } catch {
    // as above
  }
}
