// @ts-check
// "Requests per version": a stacked area chart drawn by Chart.js (loaded before this module as a
// classic script, window.Chart, from the gateway's node_modules), and the same numbers as a table.

import { $, h } from './dom.js';
import { dateTimeFormat, dayFormat, dayHourFormat, fmt, timeFormat } from './format.js';
import { RANGES, state } from './state.js';

/** @typedef {import('../../usage/api-types.js').DeprecatedReport} DeprecatedReport */
/** @typedef {import('../../usage/api-types.js').UsageSeries} UsageSeries */
/** @typedef {import('chart.js').Chart<'line', number[], string>} LineChart */
/** @typedef {import('chart.js').ChartDataset<'line', number[]>} LineDataset */

// Okabe–Ito based: distinguishable with the common colour-vision deficiencies. Deprecated versions
// take the warm colours and are also hatched and dashed, so colour is never the only signal.
const ACTIVE_COLORS = ['#0072B2', '#009E73', '#56B4E9', '#6A51A3', '#2F4B7C'];
const DEPRECATED_COLORS = ['#D55E00', '#E69F00', '#A6611A', '#CC79A7', '#8C510A'];

/** @type {LineChart | null} */
let chart = null;

/** Chart.js, when its script loaded. */
function chartLibrary() {
  return /** @type {{ Chart?: typeof import('chart.js').Chart }} */ (/** @type {unknown} */ (window)).Chart;
}

/**
 * @param {string} hex `#rrggbb`
 * @param {number} alpha
 */
function withAlpha(hex, alpha) {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/**
 * Diagonal stripes: deprecated versions read as such without relying on colour.
 * @param {string} color
 * @returns {CanvasPattern | string}
 */
function hatch(color) {
  const size = 10;
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const g = tile.getContext('2d');
  if (!g) return withAlpha(color, 0.16);
  g.fillStyle = withAlpha(color, 0.16);
  g.fillRect(0, 0, size, size);
  g.strokeStyle = withAlpha(color, 0.6);
  g.lineWidth = 2;
  g.beginPath();
  for (const offset of [-size, 0, size]) {
    g.moveTo(offset, size);
    g.lineTo(offset + size, 0);
  }
  g.stroke();
  return g.createPattern(tile, 'repeat') ?? withAlpha(color, 0.16);
}

/**
 * @param {string} iso
 * @param {number} stepSeconds
 */
function bucketLabel(iso, stepSeconds) {
  const date = new Date(iso);
  if (stepSeconds >= 86_400) return dayFormat.format(date);
  if (state.range === '24h') return timeFormat.format(date);
  return dayHourFormat.format(date);
}

/**
 * @param {UsageSeries} series
 * @param {DeprecatedReport} dep
 */
export function renderChart(series, dep) {
  const status = new Map(dep.versions.map((v) => [v.version, v.status]));
  const hasData = series.versions.some((v) => v.counts.some((c) => c > 0));
  const box = $('#chart-box');
  const empty = $('#chart-empty');
  box.hidden = !hasData;
  empty.hidden = hasData;
  empty.textContent = hasData ? '' : `No requests in ${RANGES[state.range].label}.`;
  renderSeriesTable(series, status);
  if (!hasData) return;

  const Chart = chartLibrary();
  if (typeof Chart !== 'function') {
    box.hidden = true;
    empty.hidden = false;
    empty.textContent = 'The chart library did not load; the numbers are in the table below.';
    return;
  }

  let active = 0;
  let deprecated = 0;
  const datasets = series.versions.map((v, i) => {
    const retired = v.deprecated || status.has(v.version);
    const color = retired ? DEPRECATED_COLORS[deprecated++ % DEPRECATED_COLORS.length] : ACTIVE_COLORS[active++ % ACTIVE_COLORS.length];
    const suffix = status.get(v.version) === 'sunset' ? ' (sunset)' : retired ? ' (deprecated)' : v.version === dep.head ? ' (latest)' : '';
    /** @type {LineDataset} */
    const dataset = {
      label: `${v.version}${suffix}`,
      data: v.counts,
      borderColor: color,
      backgroundColor: retired ? hatch(color) : withAlpha(color, 0.28),
      borderWidth: 2,
      borderDash: retired ? [6, 4] : [],
      pointRadius: 0,
      pointHoverRadius: 4,
      pointBackgroundColor: color,
      tension: 0.3,
      cubicInterpolationMode: 'monotone', // no overshoot below zero or above a bucket's count
      fill: i === 0 ? 'origin' : '-1',
    };
    return dataset;
  });
  const labels = series.buckets.map((b) => bucketLabel(b, series.step_seconds));
  const total = series.buckets.map((_, i) => series.versions.reduce((n, v) => n + (v.counts[i] ?? 0), 0));
  $('#chart').setAttribute('aria-label', `Requests per version over ${RANGES[state.range].label}, stacked: ${
    series.versions.map((v) => `${v.version}${v.deprecated ? ' (deprecated)' : ''} ${fmt(v.counts.reduce((a, b) => a + b, 0))}`).join(', ')}. The numbers are also in the table below the chart.`);

  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    chart.update();
    return;
  }
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#4a5360';
  /** @type {import('chart.js').ChartConfiguration<'line', number[], string>} */
  const config = {
    type: 'line',
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 16 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, grid: { color: '#eceef1' }, border: { display: false } },
      },
      plugins: {
        legend: { position: 'bottom', align: 'start', labels: { boxWidth: 28, boxHeight: 12, padding: 16 } },
        tooltip: {
          itemSort: (a, b) => b.datasetIndex - a.datasetIndex,
          callbacks: {
            label: (item) => ` ${item.dataset.label}: ${fmt(item.parsed.y ?? 0)}`,
            footer: (items) => items.length ? `Total: ${fmt(total[items[0].dataIndex] ?? 0)}` : '',
          },
        },
      },
    },
  };
  chart = new Chart($('#chart', HTMLCanvasElement), config);
}

/**
 * @param {UsageSeries} series
 * @param {Map<string, 'deprecated' | 'sunset'>} status
 */
function renderSeriesTable(series, status) {
  const table = $('#series-table');
  table.replaceChildren(
    h('caption', { className: 'visually-hidden', textContent: 'Requests per version per bucket' }),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', textContent: 'Bucket start' }),
      series.versions.map((v) => h('th', { scope: 'col', className: 'num', textContent: `${v.version}${v.deprecated || status.has(v.version) ? ' (deprecated)' : ''}` })))),
    h('tbody', {}, series.buckets.map((b, i) => h('tr', {},
      h('th', { scope: 'row', textContent: dateTimeFormat.format(new Date(b)) }),
      series.versions.map((v) => h('td', { className: 'num', textContent: fmt(v.counts[i] ?? 0) }))))),
  );
}
