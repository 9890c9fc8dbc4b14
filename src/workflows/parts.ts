/**
 * The parts of a split (`--split`, workflows/split.yaml): the sub-chains an approved plan names,
 * and the order they may start in. Pure.
 */

/** One planned part as a `sub_chains` step runs it: its key, task, dependencies (keys) and workflow (null: feature). */
export interface PlannedPart {
  key: string;
  goal: string;
  depends_on: string[];
  workflow: string | null;
}

/** The items of `plan` in an order where every one comes after what it depends on; null when there is a cycle. Pure. */
export function topoOrder<T extends { key: string; depends_on: string[] }>(plan: readonly T[]): T[] | null {
  const out: T[] = [];
  const done = new Set<string>();
  let progress = true;
  while (out.length < plan.length && progress) {
    progress = false;
    for (const p of plan) {
      if (done.has(p.key) || !p.depends_on.every((d) => done.has(d))) continue;
      out.push(p);
      done.add(p.key);
      progress = true;
    }
  }
  return out.length === plan.length ? out : null;
}
