// @ts-check
/**
 * Charts with Chart.js (loaded from /vendor/). Each chart lives in a canvas with a `data-chart`
 * name; a page that re-renders destroys its previous charts first (`dropCharts`). Animation is
 * off: the data changes live, and a chart should show it at once. `Chart.getChart(canvas).data`
 * is what the browser tests read.
 */
import { el } from './common.js';

/** @type {Set<import('chart.js').Chart>} */
const live = new Set();

Chart.defaults.animation = false;
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", sans-serif';
Chart.defaults.color = '#475569';
Chart.defaults.maintainAspectRatio = false;

/** Destroys the charts of the previous render. */
export function dropCharts() {
  for (const c of live) c.destroy();
  live.clear();
}

/**
 * A canvas in a sized box, drawn once it is in the page.
 * @param {string} name
 * @param {import('chart.js').ChartConfiguration} config
 * @param {number} [height] px
 */
export function chart(name, config, height = 220) {
  const canvas = /** @type {HTMLCanvasElement} */ (
    el('canvas', { 'data-chart': name, role: 'img', 'aria-label': name })
  );
  const box = el('div', { class: 'chart' }, canvas);
  // CSSOM, not a style attribute: the CSP allows no inline styles.
  box.style.height = `${height}px`;
  queueMicrotask(() => live.add(new Chart(canvas, config)));
  return box;
}

/**
 * Vertical bars: one dataset per series.
 * @param {string} name
 * @param {string[]} labels
 * @param {{ label: string, data: (number | null)[], color: string }[]} series
 * @param {{ stacked?: boolean, y?: string, height?: number }} [opts]
 */
export function bars(name, labels, series, opts = {}) {
  return chart(
    name,
    {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((s) => ({
          label: s.label,
          data: s.data,
          backgroundColor: s.color,
          maxBarThickness: 56,
        })),
      },
      options: {
        plugins: { legend: { display: series.length > 1 } },
        scales: {
          x: { stacked: opts.stacked },
          y: {
            stacked: opts.stacked,
            beginAtZero: true,
            title: { display: Boolean(opts.y), text: opts.y ?? '' },
          },
        },
      },
    },
    opts.height,
  );
}

/**
 * A line over categories, y in 0..1 shown as percent.
 * @param {string} name
 * @param {string[]} labels
 * @param {{ label: string, data: (number | null)[], color: string }[]} series
 * @param {{ height?: number }} [opts]
 */
export function shareLine(name, labels, series, opts = {}) {
  return chart(
    name,
    {
      type: 'line',
      data: {
        labels,
        datasets: series.map((s) => ({
          label: s.label,
          data: s.data,
          borderColor: s.color,
          backgroundColor: s.color,
          spanGaps: true,
          tension: 0.2,
        })),
      },
      options: {
        plugins: {
          legend: { display: series.length > 1 },
          tooltip: {
            callbacks: { label: (c) => `${c.dataset.label}: ${Math.round(Number(c.parsed.y) * 100)}%` },
          },
        },
        scales: { y: { min: 0, max: 1, ticks: { callback: (v) => `${Math.round(Number(v) * 100)}%` } } },
      },
    },
    opts.height,
  );
}
