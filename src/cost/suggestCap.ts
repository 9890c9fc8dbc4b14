/**
 * What `--max-cost` to suggest after a budget stop, and whether a chain about to start is
 * forecast far above its cap. Pure; USD throughout.
 */

/** Rounds `usd` up to two significant figures (0.3541 → 0.36, 1.234 → 1.3, 0.0102 → 0.011). */
export function roundUpUsd(usd: number): number {
  if (!(usd > 0)) return 0.01;
  const step = 10 ** (Math.floor(Math.log10(usd)) - 1);
  return Number((Math.ceil(usd / step - 1e-9) * step).toPrecision(2));
}

/**
 * The limit to suggest for resuming a chain stopped by its budget: enough for the forecast's
 * 80% upper bound of the whole chain (`forecastHighUsd`, src/features/learning/forecast.ts; null when there was
 * no priced forecast), and never less than twice what was spent or twice the old limit, so a
 * wrong forecast cannot suggest a figure that stops again at once. Rounded up (roundUpUsd).
 */
export function suggestedMaxCost(args: {
  spentUsd: number;
  maxCostUsd: number;
  forecastHighUsd: number | null;
}): number {
  const { spentUsd, maxCostUsd, forecastHighUsd } = args;
  return roundUpUsd(Math.max(forecastHighUsd ?? 0, spentUsd * 2, maxCostUsd * 2));
}

/** How many times the cap the forecast's median may be before the start warns: well past any noise. */
const FORECAST_OVER_CAP_FACTOR = 2;

/**
 * A warning when a chain's forecast median is more than FORECAST_OVER_CAP_FACTOR times its cap
 * (it will very likely stop at the cap, exit 4), naming a cap that covers the forecast; else null.
 */
export function forecastOverCapWarning(
  forecast: { median: number; high: number } | null,
  maxCostUsd: number | null | undefined,
): string | null {
  if (
    !forecast ||
    maxCostUsd === null ||
    maxCostUsd === undefined ||
    forecast.median <= maxCostUsd * FORECAST_OVER_CAP_FACTOR
  )
    return null;
  const times = forecast.median / maxCostUsd;
  const ratio = times >= 10 ? Math.round(times) : times.toFixed(1);
  return (
    `the forecast ($${forecast.median.toFixed(3)}) is ${ratio}× the --max-cost of $${maxCostUsd.toFixed(2)}: ` +
    `the chain will very likely stop at the cap (exit 4); ` +
    `--max-cost ${roundUpUsd(forecast.high)} covers the forecast's 80% range`
  );
}
