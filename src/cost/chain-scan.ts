/** What a cost report is built from (./scan.ts reads it, ./report.ts builds the report). */
import type { CallTotals, RunningTotals } from './aggregate.js';

export interface ReportChain {
  file: string;
  chainId: string;
  chainUid: string;
  slug: string;
  goal: string;
  status: string;
  /** Start time from the file name, ms since the epoch (UTC). */
  startedAtMs: number;
  updatedAt: string;
  /** The sum of its calls. */
  totals: CallTotals;
}

/** What a report is built from: the chains read, and their calls summed. */
export interface ChainScan {
  chains: ReportChain[];
  totals: RunningTotals;
}

/** A time window in ms since the epoch (UTC): since inclusive, until exclusive; absent = open. */
export interface TimeWindow {
  sinceMs?: number;
  untilMs?: number;
}
