/**
 * The libraries the pages load as classic scripts from /vendor/ (served from node_modules), as
 * the pages' type checker sees them (tsconfig.web.json).
 */
import type * as MarkedModule from 'marked';
import type { DOMPurify as DOMPurifyApi } from 'dompurify';
import type { Chart as ChartClass } from 'chart.js';

declare global {
  const marked: typeof MarkedModule;
  const DOMPurify: DOMPurifyApi;
  const Chart: typeof ChartClass;
}
