/**
 * Confidence that means one thing: the chain's dimensions change only from the prompts
 * whose job is to assess them, declared in ASSESSES below. Every other prompt's reported confidence
 * is kept on its step (`confidence_reported`) and shown to the assessors, but never written into
 * `confidence_scores` — a prompt rating its own output is not evidence about the chain. Pure.
 */
import type { ConfidenceScores, PartialConfidence, Uncertainty } from '../chain/schema.js';

const DIMENSIONS = ['overall', 'requirements', 'technical_approach', 'implementation_details'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

const REQUIREMENTS: Dimension[] = ['requirements'];
const ALL: Dimension[] = [...DIMENSIONS];

/**
 * Which prompt may set which chain dimension. Requirement prompts judge the requirements;
 * uncertainty_analysis and confidence_calibrator assess the whole chain; the synthesizer judges
 * the approach it designed on evidence, the designer the file-level details it anchored in code.
 * Names are canonical prompt names (aliases resolve to them first).
 */
export const ASSESSES: Readonly<Record<string, readonly Dimension[]>> = {
  new_case: REQUIREMENTS,
  requirement_disambiguator: REQUIREMENTS,
  requirement_validator: REQUIREMENTS,
  requirement_extractor: REQUIREMENTS,
  clarification_generator: REQUIREMENTS,
  uncertainty_analysis: ALL,
  confidence_calibrator: ALL,
  solution_synthesizer: ['technical_approach'],
  solution_designer: ['implementation_details'],
};

/** The dimensions `prompt` is declared to assess (empty for every other prompt). */
export function assessedBy(prompt: string): readonly Dimension[] {
  return ASSESSES[prompt] ?? [];
}

/** Only the dimensions a result actually gave, or null when it gave none. */
export function reportedConfidence(reported: PartialConfidence | undefined): PartialConfidence | null {
  if (!reported) return null;
  const out: PartialConfidence = {};
  for (const d of DIMENSIONS) if (reported[d] !== undefined) out[d] = reported[d];
  return Object.keys(out).length ? out : null;
}

/**
 * The chain's confidence after `prompt` reported `reported`: each dimension the prompt assesses
 * and reported is taken; everything else stays as it was. `overall` changes only from an assessor
 * of `overall`: its own figure, or, when it gave the other three but not `overall`, the weakest
 * of them — never as a by-product of another prompt's scores.
 */
export function applyConfidence(
  prev: ConfidenceScores,
  prompt: string,
  reported: PartialConfidence | undefined,
): ConfidenceScores {
  const next = { ...prev };
  const dims = assessedBy(prompt);
  for (const d of dims) {
    const v = reported?.[d];
    if (v !== undefined) next[d] = v;
  }
  if (
    dims.includes('overall') &&
    reported?.overall === undefined &&
    reported &&
    DIMENSIONS.slice(1).some((d) => reported[d] !== undefined)
  ) {
    next.overall = Math.min(next.requirements, next.technical_approach, next.implementation_details);
  }
  return next;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * What a step added to confidence (0..1 points; negative when it lowered it): for a prompt that
 * assesses chain dimensions, the mean change of those dimensions it reported; otherwise the mean
 * change of the uncertainty areas it updated that existed before it (a new area has no "before").
 * Null when neither applies.
 */
export function confidenceGain(
  prompt: string,
  before: { scores: ConfidenceScores; uncertainties: readonly Uncertainty[] },
  after: { scores: ConfidenceScores; uncertainties: readonly Uncertainty[] },
  reported: PartialConfidence | undefined,
  updatedAreas: readonly string[],
): number | null {
  const dims = assessedBy(prompt).filter((d) => reported?.[d] !== undefined);
  if (dims.length) return round(mean(dims.map((d) => after.scores[d] - before.scores[d])));
  const deltas: number[] = [];
  for (const area of new Set(updatedAreas)) {
    const was = before.uncertainties.find((u) => u.area === area);
    const now = after.uncertainties.find((u) => u.area === area);
    if (was && now) deltas.push(now.confidence - was.confidence);
  }
  return deltas.length ? round(mean(deltas)) : null;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
