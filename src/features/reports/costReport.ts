/**
 * `cost-report`: the cost of the chains started inside a time window, read from one or more
 * contexts directories. Returns a CostReport (src/cost/report.ts; it is also the `--json` shape).
 */
import { UsageError } from '../../errors.js';
import {
  buildCostReport,
  DEFAULT_THRESHOLDS,
  type BreakdownBy,
  type CostReport,
  type ReportThresholds,
} from '../../cost/report.js';
import { scanChains, type TimeWindow } from '../../cost/scan.js';

const DAY_MS = 86_400_000;

export interface CostReportRequest {
  dirs: string[];
  /** Last N days (default 7 when neither `days` nor `since` is given). */
  days?: number;
  /** YYYY-MM-DD (UTC), from the start of that day. */
  since?: string;
  /** YYYY-MM-DD (UTC), up to the end of that day. */
  until?: string;
  by?: BreakdownBy;
  top?: number;
  now: Date;
  thresholds?: Partial<ReportThresholds>;
  /** Corrupt or foreign context files, skipped. */
  onWarning: (msg: string) => void;
}

/** Parses YYYY-MM-DD as the start of that day in UTC (ms). Throws UsageError otherwise. */
function parseDay(text: string, flag: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text.trim()) {
    throw new UsageError(`${flag} must be a date YYYY-MM-DD, got "${text}"`);
  }
  return ms;
}

/**
 * The window of a request: `since` inclusive, `until` through the end of its day; `days` counts
 * back from `until` (or now). Throws UsageError when both `days` and `since` are given, for a
 * bad date or a non-positive `days`.
 */
export function resolveWindow(req: Pick<CostReportRequest, 'days' | 'since' | 'until' | 'now'>): TimeWindow {
  if (req.days !== undefined && req.since !== undefined)
    throw new UsageError(
      '--days and --since cannot be used together',
      'Give either --days N or --since YYYY-MM-DD.',
    );
  if (req.days !== undefined && !(Number.isFinite(req.days) && req.days > 0))
    throw new UsageError(`--days must be a positive number, got "${req.days}"`);
  const untilMs = req.until === undefined ? undefined : parseDay(req.until, '--until') + DAY_MS;
  if (req.since !== undefined) {
    const sinceMs = parseDay(req.since, '--since');
    if (untilMs !== undefined && untilMs <= sinceMs)
      throw new UsageError(`--since ${req.since} is after --until ${req.until}`);
    return { sinceMs, untilMs };
  }
  return { sinceMs: (untilMs ?? req.now.getTime()) - (req.days ?? 7) * DAY_MS, untilMs };
}

/** Scans `dirs` for the window and builds the report. Throws UsageError for bad options. */
export async function costReport(req: CostReportRequest): Promise<CostReport> {
  const window = resolveWindow(req);
  const top = req.top ?? 5;
  if (!Number.isInteger(top) || top < 0)
    throw new UsageError(`--top must be a whole number, got "${req.top}"`);
  const scan = await scanChains(req.dirs, window, req.onWarning);
  return buildCostReport(scan, {
    by: req.by ?? 'prompt',
    top,
    window,
    thresholds: { ...DEFAULT_THRESHOLDS, ...req.thresholds },
  });
}
