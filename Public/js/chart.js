// A small SVG chart module of our own: bar and line/area charts over dates, with axes, tick
// labels, hover/focus tooltips and an accessible description (role="img" with <title> and
// <desc>, plus a visually-hidden data table). No third-party code, no inline styles in markup:
// the tooltip is positioned through the CSSOM, which the strict CSP allows.
//
// The chart is drawn at the real pixel width of its container (and redrawn when that changes),
// so text stays readable at 390 px instead of being scaled down with the viewBox.
import { h, uid } from './ui.js';
import { formatMoney, formatDate } from './format.js';
import { t, language } from './i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const RUPEE = '\u20B9';
const MINUS = '\u2212';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An SVG element; attribute values are set with setAttribute, children as text nodes. */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'style') throw new Error('s(): "style" is not allowed');
    if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'testid') el.setAttribute('data-testid', value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function trimDecimal(n, digits) {
  return n.toFixed(digits).replace(/\.0+$/, '').replace(/(\.\d*[1-9])0+$/, '$1');
}

/**
 * Paise -> a short Indian-style amount for axes and summaries:
 * 12000000 -> "₹1.2L", 1500000 -> "₹15K", 2500000000 -> "₹2.5Cr", 85000 -> "₹850".
 */
export function formatMoneyCompact(paise) {
  const n = Number(paise);
  if (!Number.isFinite(n)) return '—';
  const sign = n < 0 ? MINUS : '';
  const rupees = Math.abs(n) / 100;
  let text;
  if (rupees >= 1e7) text = `${trimDecimal(rupees / 1e7, rupees >= 1e8 ? 0 : 1)}Cr`;
  else if (rupees >= 1e5) text = `${trimDecimal(rupees / 1e5, rupees >= 1e6 ? 0 : 1)}L`;
  else if (rupees >= 1e3) text = `${trimDecimal(rupees / 1e3, rupees >= 1e4 ? 0 : 1)}K`;
  else text = trimDecimal(rupees, rupees >= 10 || Number.isInteger(rupees) ? 0 : 2);
  return `${sign}${RUPEE}${text}`;
}

/** "2026-11-24" -> "24 Nov" (a business date: no timezone shift). */
export function shortDate(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(ymd || ''));
  if (!m) return String(ymd || '');
  if (language() === 'hi') {
    return new Intl.DateTimeFormat('hi-IN', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  }
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1] || m[2]}`;
}

/** A "nice" axis: 0 .. max in 3-5 round steps (1, 2, 2.5, 5 × 10^k). */
function niceTicks(max, unit) {
  // unit: the smallest step worth showing (100 paise = ₹1 for money, 1 for counts)
  if (!(max > 0)) return { top: unit * 4, ticks: [0, unit, unit * 2, unit * 3, unit * 4] };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  let step = power;
  for (const f of [1, 2, 2.5, 5, 10]) {
    step = f * power;
    if (step >= rough) break;
  }
  step = Math.max(step, unit);
  const top = Math.ceil(max / step) * step;
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { top, ticks };
}

/** Default summary for the <desc>: range, total, highest and lowest point. */
function summarise(points, { formatFull, formatXFull, seriesLabel }) {
  if (!points.length) return t('No data.');
  const first = points[0];
  const last = points[points.length - 1];
  let hi = first;
  let lo = first;
  let total = 0;
  let nonZero = 0;
  for (const p of points) {
    total += p.value;
    if (p.value > hi.value) hi = p;
    if (p.value < lo.value) lo = p;
    if (p.value) nonZero += 1;
  }
  const parts = [t('{series} for {days} days, {from} to {to}.', { series: seriesLabel, days: points.length, from: formatXFull(first.x), to: formatXFull(last.x) }),
    t('Total {value}.', { value: formatFull(total) })];
  if (nonZero) {
    parts.push(t('Highest {value} on {day}.', { value: formatFull(hi.value), day: formatXFull(hi.x) }));
    parts.push(t('Lowest {value} on {day}.', { value: formatFull(lo.value), day: formatXFull(lo.x) }));
    parts.push(t('{count} of {days} days above zero.', { count: nonZero, days: points.length }));
  } else {
    parts.push(t('Every day is zero.'));
  }
  return parts.join(' ');
}

/**
 * chart({kind: 'bar'|'line', title, points: [{x: 'YYYY-MM-DD', value, detail?}], ...})
 * Options:
 *   kind         'bar' (default) or 'line' (line with a filled area)
 *   title        short title (the SVG <title> and the table caption)
 *   description  text for <desc>; a summary of the data is generated when omitted
 *   seriesLabel  what the values are ("Sales"), used in the summary and table header
 *   money        true: values are paise (compact Indian ticks, full amounts in tooltips)
 *   formatValue / formatValueFull  custom formatters when not money
 *   detailLabel  table header for the optional per-point `detail` text ("Invoices")
 *   height       drawing height in px (default 240)
 *   testid       data-testid on the <figure>
 * Returns the <figure> element. Arrow keys move between points; Home/End jump to the ends.
 */
export function chart(opts) {
  const {
    kind = 'bar', title, description = null, seriesLabel = t('Value'), money = false,
    detailLabel = null, height = 240, testid = null,
  } = opts;
  const points = (opts.points || []).map((p) => ({ x: p.x, value: Number(p.value) || 0, detail: p.detail ?? null }));
  const formatTick = opts.formatValue || (money ? formatMoneyCompact : (v) => String(Math.round(v)));
  const formatFull = opts.formatValueFull || (money ? formatMoney : (v) => String(v));
  const formatX = opts.formatX || shortDate;
  const formatXFull = opts.formatXFull || formatDate;
  const desc = description || summarise(points, { formatFull, formatXFull, seriesLabel });

  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const tooltip = h('div', { class: 'chart-tooltip', role: 'status', 'aria-live': 'polite', hidden: true });
  const canvas = h('div', { class: 'chart-canvas' });
  const table = h('table', { class: 'visually-hidden' },
    h('caption', {}, title),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('Date')),
      h('th', { scope: 'col' }, seriesLabel),
      detailLabel ? h('th', { scope: 'col' }, detailLabel) : null)),
    h('tbody', {}, points.map((p) => h('tr', {},
      h('th', { scope: 'row' }, formatXFull(p.x)),
      h('td', {}, formatFull(p.value)),
      detailLabel ? h('td', {}, p.detail ?? '') : null))));
  const figure = h('figure', { class: `chart chart-${kind}`, testid, dataset: { points: String(points.length) } },
    canvas, tooltip, table);

  let marks = [];
  let active = 0;
  let lastWidth = 0;

  function showTip(i, mark) {
    const p = points[i];
    tooltip.replaceChildren(
      h('span', { class: 'chart-tooltip-date' }, formatXFull(p.x)),
      h('span', { class: 'chart-tooltip-value' }, `${seriesLabel}: ${formatFull(p.value)}`),
      p.detail ? h('span', { class: 'chart-tooltip-detail' }, p.detail) : null);
    tooltip.hidden = false;
    const fig = figure.getBoundingClientRect();
    // Centre over the visible bar or point (not the full-height hit area), above it when it fits.
    const shape = mark.querySelector('.chart-bar, .chart-point') || mark;
    const box = shape.getBoundingClientRect();
    const tip = tooltip.getBoundingClientRect();
    let left = box.left - fig.left + box.width / 2 - tip.width / 2;
    left = Math.max(0, Math.min(left, fig.width - tip.width));
    const top = Math.max(0, box.top - fig.top - tip.height - 8);
    // CSSOM property writes are allowed under the CSP (only style attributes in markup are not).
    tooltip.style.left = `${Math.round(left)}px`;
    tooltip.style.top = `${Math.round(top)}px`;
    marks.forEach((m, j) => m.classList.toggle('is-active', j === i));
  }

  function hideTip() {
    tooltip.hidden = true;
    marks.forEach((m) => m.classList.remove('is-active'));
  }

  function focusMark(i) {
    if (!marks.length) return;
    active = Math.max(0, Math.min(i, marks.length - 1));
    marks.forEach((m, j) => m.setAttribute('tabindex', j === active ? '0' : '-1'));
    marks[active].focus();
  }

  function draw(width) {
    lastWidth = width;
    const W = Math.max(260, Math.round(width));
    const H = height;
    const compact = W < 480;
    const pad = { top: 12, right: compact ? 8 : 16, bottom: 28, left: compact ? 48 : 60 };
    const plotW = W - pad.left - pad.right;
    const plotH = H - pad.top - pad.bottom;
    const max = points.reduce((m, p) => Math.max(m, p.value), 0);
    const { top, ticks } = niceTicks(max, money ? 100 : 1);
    const y = (v) => pad.top + plotH - (top ? (v / top) * plotH : 0);
    const n = Math.max(points.length, 1);
    const slot = plotW / n;
    const cx = (i) => pad.left + slot * i + slot / 2;

    const svg = s('svg', {
      class: 'chart-svg', viewBox: `0 0 ${W} ${H}`, width: '100%', height: H,
      // A group, not an image: its marks are focusable, each an image with its own label.
      preserveAspectRatio: 'xMidYMid meet', role: 'group', 'aria-labelledby': `${titleId} ${descId}`,
      focusable: 'false',
    }, s('title', { id: titleId }, title), s('desc', { id: descId }, desc));

    // y axis: grid lines and tick labels
    const yAxis = s('g', { class: 'chart-axis chart-axis-y', 'aria-hidden': 'true' });
    for (const t of ticks) {
      const ty = y(t);
      yAxis.append(
        s('line', { class: t === 0 ? 'chart-baseline' : 'chart-grid', x1: pad.left, x2: W - pad.right, y1: ty, y2: ty }),
        s('text', { class: 'chart-tick', x: pad.left - 6, y: ty, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, formatTick(t)));
    }
    // x axis: date labels, as many as fit (always the first and the last)
    const xAxis = s('g', { class: 'chart-axis chart-axis-x', 'aria-hidden': 'true' });
    const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(plotW / 64))));
    points.forEach((p, i) => {
      const isLast = i === points.length - 1;
      if (i % every !== 0 && !isLast) return;
      if (!isLast && points.length - 1 - i < every && i !== 0) return; // keep room for the last label
      let anchor = 'middle';
      if (i === 0 && slot < 40) anchor = 'start';
      if (isLast && slot < 40) anchor = 'end';
      const tx = anchor === 'start' ? pad.left : anchor === 'end' ? W - pad.right : cx(i);
      xAxis.append(
        s('line', { class: 'chart-tick-mark', x1: cx(i), x2: cx(i), y1: pad.top + plotH, y2: pad.top + plotH + 4 }),
        s('text', { class: 'chart-tick', x: tx, y: H - 8, 'text-anchor': anchor }, formatX(p.x)));
    });
    svg.append(yAxis, xAxis);

    // the data
    const data = s('g', { class: 'chart-data' });
    if (kind === 'line' && points.length) {
      const coords = points.map((p, i) => [cx(i), y(p.value)]);
      const line = coords.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
      const base = y(0).toFixed(1);
      const area = `${line} L${coords[coords.length - 1][0].toFixed(1)},${base} L${coords[0][0].toFixed(1)},${base} Z`;
      data.append(s('path', { class: 'chart-area', d: area, 'aria-hidden': 'true' }),
        s('path', { class: 'chart-line', d: line, 'aria-hidden': 'true' }));
    }
    marks = points.map((p, i) => {
      const label = `${formatXFull(p.x)}: ${formatFull(p.value)}${p.detail ? `, ${p.detail}` : ''}`;
      const g = s('g', { class: 'chart-mark', role: 'img', tabindex: i === active ? '0' : '-1', 'aria-label': label });
      g.setAttribute('data-index', String(i));
      // an invisible full-height hit area makes small bars and points easy to hover and tap
      g.append(s('rect', { class: 'chart-hit', x: pad.left + slot * i, y: pad.top, width: slot, height: plotH }));
      if (kind === 'line') {
        g.append(s('circle', { class: 'chart-point', cx: cx(i), cy: y(p.value), r: compact ? 3 : 3.5 }));
      } else {
        const bw = Math.max(2, slot * 0.7);
        const by = y(p.value);
        const bh = Math.max(p.value > 0 ? 1.5 : 0, y(0) - by);
        g.append(s('rect', { class: 'chart-bar', x: cx(i) - bw / 2, y: y(0) - bh, width: bw, height: bh, rx: Math.min(3, bw / 4) }));
      }
      g.addEventListener('mouseenter', () => showTip(i, g));
      g.addEventListener('mouseleave', () => { if (document.activeElement !== g) hideTip(); });
      g.addEventListener('focus', () => {
        active = i;
        marks.forEach((m, j) => m.setAttribute('tabindex', j === i ? '0' : '-1'));
        showTip(i, g);
      });
      g.addEventListener('blur', hideTip);
      g.addEventListener('keydown', (e) => {
        let next = null;
        if (e.key === 'ArrowRight' || e.key === 'ArrowUp') next = i + 1;
        else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') next = i - 1;
        else if (e.key === 'Home') next = 0;
        else if (e.key === 'End') next = marks.length - 1;
        else if (e.key === 'Escape') {
          hideTip();
          return;
        }
        if (next === null) return;
        e.preventDefault();
        focusMark(next);
      });
      return g;
    });
    data.append(...marks);
    svg.append(data);
    canvas.replaceChildren(svg);
    tooltip.hidden = true;
  }

  // Draw once attached (to know the width), then again whenever the width changes.
  const measure = () => canvas.getBoundingClientRect().width || figure.getBoundingClientRect().width || 600;
  if (typeof ResizeObserver === 'function') {
    let seen = false;
    const ro = new ResizeObserver(() => {
      if (!figure.isConnected) {
        if (seen) ro.disconnect(); // the page was left
        return;
      }
      seen = true;
      const w = measure();
      if (w > 0 && Math.abs(w - lastWidth) >= 1) {
        const hadFocus = marks.includes(document.activeElement);
        draw(w);
        if (hadFocus) focusMark(active);
      }
    });
    ro.observe(canvas);
  }
  draw(600);
  return figure;
}
