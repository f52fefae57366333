// ECharts option builders: pure functions (report, theme) -> option, or null when the report
// lacks what the chart needs (the page then hides the chart). Every chart takes its data from
// `dataset`; every string that came from a user's file goes through encodeHTML in tooltips
// (axis labels and legends are drawn on canvas, never as HTML).

import { formatValue, formatBucket, formatNumber } from '../format.js';

// Tooltip text is HTML: escape what came from the user's files (as ECharts' format.encodeHTML
// does), without importing the chart library into the page's first load.
const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const encodeHTML = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/** Default palette for both themes; the page passes CSS-derived colours for text and lines. */
export const LIGHT = {
  text: '#1d2433', muted: '#5b6475', line: '#d5dae3', split: '#eceff4', bg: '#ffffff',
  palette: ['#4361ee', '#12a388', '#f08c2e', '#d8456b', '#8c62da', '#2f9fd6', '#93a12c', '#6f7a8c'],
  good: '#138a5b', bad: '#c93a4e', neutral: '#a8b0bf', warn: '#e0a10b',
  heat: ['#f1f4ff', '#6a80ee'],
};
export const DARK = {
  text: '#e6e9ef', muted: '#a3acbd', line: '#3a4151', split: '#2a303c', bg: '#181c24',
  palette: ['#7b93ff', '#2fc9a8', '#ffab57', '#ff6f93', '#b596ff', '#5cc4f5', '#c2cf55', '#9aa5b8'],
  good: '#3ecf8e', bad: '#ff6b7f', neutral: '#6c7588', warn: '#f2c04b',
  heat: ['#1e2433', '#4f63c8'],
};

const has = (x) => Array.isArray(x) && x.length > 0;
const kpi = (report, id) => (report && report.kpis && report.kpis[id]) || null;
/** A trend series with at least one value, else null (a series of nulls draws nothing). */
const series = (report, id) => {
  const list = report && report.series && report.series[id];
  return has(list) && list.some((p) => p.value !== null && p.value !== undefined) ? list : null;
};
const fmt = (v, unit) => formatValue(v, unit);

function base(theme, extra = {}) {
  return {
    aria: { enabled: true, decal: { show: false } },
    backgroundColor: 'transparent',
    color: theme.palette,
    textStyle: { color: theme.text, fontFamily: 'inherit' },
    animationDuration: 300,
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, textStyle: { color: theme.muted }, itemWidth: 12, itemHeight: 12, icon: 'roundRect' },
    tooltip: {
      confine: true,
      backgroundColor: theme.bg,
      borderColor: theme.line,
      textStyle: { color: theme.text },
    },
    ...extra,
  };
}

const catAxis = (theme, extra = {}) => ({
  type: 'category',
  axisLine: { lineStyle: { color: theme.line } },
  axisTick: { show: false },
  axisLabel: { color: theme.muted, hideOverlap: true },
  ...extra,
});
/** Axis tick labels: short, no decimals for money and counts (10,000 -> "10K"). */
// Made on first use: a compact formatter takes ~100 ms to create (ICU data), which would lengthen
// the page's first long task, while the engine worker waits for the main thread to start.
let axisFormat = null;
const axisNumber = { format: (v) => (axisFormat ??= new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 })).format(v) };
export function axisLabel(v, unit) {
  if (unit === '%') return `${axisNumber.format(v)}%`;
  if (unit === 'hours') return `${axisNumber.format(v)} h`;
  if (unit === 'days') return `${axisNumber.format(v)} d`;
  return axisNumber.format(v);
}
const valAxis = (theme, unit, extra = {}) => ({
  type: 'value',
  axisLabel: { color: theme.muted, formatter: (v) => axisLabel(v, unit) },
  splitLine: { lineStyle: { color: theme.split } },
  ...extra,
});

/**
 * Axis tooltip for dataset rows of objects: `fields` maps series name -> {key, unit}.
 * Category labels may be user text (channels, products), so everything is encoded.
 */
function axisTooltip(fields, label = (x) => x) {
  return (params) => {
    const list = Array.isArray(params) ? params : [params];
    if (!list.length) return '';
    const head = encodeHTML(String(label(list[0].name ?? '')));
    const lines = list.map((p) => {
      const f = fields[p.seriesName];
      const v = f ? p.value[f.key] : null;
      return `${p.marker}${encodeHTML(p.seriesName)}: <b>${encodeHTML(f ? fmt(v, f.unit) : '')}</b>`;
    });
    return [head, ...lines].join('<br>');
  };
}

/** Joins several series of [{bucket, value}] into dataset rows {bucket, a, b, ...}. */
function joinSeries(parts) {
  const rows = new Map();
  for (const [key, list] of Object.entries(parts)) {
    for (const p of list || []) {
      if (!rows.has(p.bucket)) rows.set(p.bucket, { bucket: p.bucket });
      rows.get(p.bucket)[key] = p.value;
    }
  }
  return [...rows.values()].sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
}

// ---------- Sales ----------

export function revenueTrend(report, theme) {
  const rev = series(report, 'revenue');
  const ord = series(report, 'orders');
  if (!rev && !ord) return null;
  const unit = (kpi(report, 'revenue') || {}).unit || 'currency';
  const fields = { Revenue: { key: 'revenue', unit }, Orders: { key: 'orders', unit: 'count' } };
  const s = [];
  if (rev) s.push({ name: 'Revenue', type: 'bar', encode: { x: 'bucket', y: 'revenue' }, barMaxWidth: 28, itemStyle: { borderRadius: [3, 3, 0, 0] } });
  if (ord) s.push({ name: 'Orders', type: 'line', yAxisIndex: rev ? 1 : 0, encode: { x: 'bucket', y: 'orders' }, symbol: 'none', smooth: 0.2, lineStyle: { width: 2 } });
  return base(theme, {
    dataset: { dimensions: ['bucket', 'revenue', 'orders'], source: joinSeries({ revenue: rev, orders: ord }) },
    tooltip: { ...base(theme).tooltip, trigger: 'axis', formatter: axisTooltip(fields, formatBucket) },
    xAxis: catAxis(theme, { axisLabel: { color: theme.muted, hideOverlap: true, formatter: formatBucket } }),
    yAxis: rev && ord
      ? [valAxis(theme, unit), valAxis(theme, 'count', { splitLine: { show: false } })]
      : [valAxis(theme, rev ? unit : 'count')],
    series: s,
  });
}

export function newVsReturning(report, theme) {
  const nw = series(report, 'new_customers');
  const ret = series(report, 'returning_customers');
  if (!nw && !ret) return null;
  const fields = { New: { key: 'new', unit: 'count' }, Returning: { key: 'returning', unit: 'count' } };
  const s = [];
  if (nw) s.push({ name: 'New', type: 'bar', stack: 'c', encode: { x: 'bucket', y: 'new' }, barMaxWidth: 28 });
  if (ret) s.push({ name: 'Returning', type: 'bar', stack: 'c', encode: { x: 'bucket', y: 'returning' }, barMaxWidth: 28, itemStyle: { borderRadius: [3, 3, 0, 0] } });
  return base(theme, {
    color: [theme.palette[1], theme.palette[0]],
    dataset: { dimensions: ['bucket', 'new', 'returning'], source: joinSeries({ new: nw, returning: ret }) },
    tooltip: { ...base(theme).tooltip, trigger: 'axis', formatter: axisTooltip(fields, formatBucket) },
    xAxis: catAxis(theme, { axisLabel: { color: theme.muted, hideOverlap: true, formatter: formatBucket } }),
    yAxis: valAxis(theme, 'count'),
    series: s,
  });
}

export function topProducts(report, theme) {
  const pu = kpi(report, 'product_units');
  const list = pu && (has(pu.top_by_revenue) ? pu.top_by_revenue : has(pu.top_by_units) ? pu.top_by_units : null);
  if (!list) return null;
  const byRevenue = has(pu.top_by_revenue);
  const rows = list.slice().reverse(); // largest at the top of a horizontal bar chart
  const unit = (kpi(report, 'revenue') || {}).unit || 'currency';
  return base(theme, {
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    dataset: { dimensions: ['product', 'units', 'revenue'], source: rows.map((r) => ({ product: String(r.product), units: r.units, revenue: r.revenue })) },
    tooltip: {
      ...base(theme).tooltip, trigger: 'item',
      formatter: (p) => `${encodeHTML(p.value.product)}<br>Revenue: <b>${encodeHTML(fmt(p.value.revenue, unit))}</b><br>Units: <b>${encodeHTML(fmt(p.value.units, 'count'))}</b>`,
    },
    xAxis: valAxis(theme, byRevenue ? unit : 'count'),
    yAxis: catAxis(theme, { axisLabel: { color: theme.muted, width: 150, overflow: 'truncate' } }),
    legend: { show: false },
    series: [{ name: byRevenue ? 'Revenue' : 'Units', type: 'bar', encode: { y: 'product', x: byRevenue ? 'revenue' : 'units' }, barMaxWidth: 18, itemStyle: { borderRadius: [0, 3, 3, 0] } }],
  });
}

// ---------- Acquisition ----------

export function acquisitionSources(report, theme) {
  const a = kpi(report, 'acquisition_sources');
  if (!a || !has(a.by_channel)) return null;
  const rows = a.by_channel.map((r) => ({ channel: String(r.channel), new_customers: r.new_customers, share: r.share, revenue: r.revenue }))
    .sort((x, y) => (x.new_customers ?? 0) - (y.new_customers ?? 0));
  const unit = (kpi(report, 'revenue') || {}).unit || 'currency';
  return base(theme, {
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    dataset: { dimensions: ['channel', 'new_customers', 'share', 'revenue'], source: rows },
    tooltip: {
      ...base(theme).tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (ps) => {
        const v = ps[0].value;
        return `${encodeHTML(v.channel)}<br>New customers: <b>${encodeHTML(fmt(v.new_customers, 'count'))}</b> (${encodeHTML(fmt(v.share, '%'))})<br>Revenue: <b>${encodeHTML(fmt(v.revenue, unit))}</b>`;
      },
    },
    xAxis: [valAxis(theme, 'count'), valAxis(theme, unit, { splitLine: { show: false } })],
    yAxis: catAxis(theme, { axisLabel: { color: theme.muted, width: 120, overflow: 'truncate' } }),
    series: [
      { name: 'New customers', type: 'bar', encode: { y: 'channel', x: 'new_customers' }, barMaxWidth: 14, itemStyle: { borderRadius: [0, 3, 3, 0] } },
      { name: 'Revenue', type: 'bar', xAxisIndex: 1, encode: { y: 'channel', x: 'revenue' }, barMaxWidth: 14, itemStyle: { borderRadius: [0, 3, 3, 0] } },
    ],
  });
}

export function cacByChannel(report, theme) {
  const c = kpi(report, 'cac');
  if (!c || !has(c.by_channel)) return null;
  const unit = c.unit || 'currency';
  const rows = c.by_channel.map((r) => ({ channel: String(r.channel), cac: r.value, spend: r.spend, new_customers: r.new_customers }));
  return base(theme, {
    dataset: { dimensions: ['channel', 'cac', 'spend', 'new_customers'], source: rows },
    tooltip: {
      ...base(theme).tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (ps) => {
        const v = ps[0].value;
        const cac = v.cac === null || v.cac === undefined ? 'undefined (no new customers)' : fmt(v.cac, unit);
        return `${encodeHTML(v.channel)}<br>CAC: <b>${encodeHTML(cac)}</b><br>Spend: ${encodeHTML(fmt(v.spend, unit))}<br>New customers: ${encodeHTML(fmt(v.new_customers, 'count'))}`;
      },
    },
    legend: { show: false },
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    xAxis: catAxis(theme, { axisLabel: { color: theme.muted, interval: 0, width: 90, overflow: 'truncate' } }),
    yAxis: valAxis(theme, unit),
    series: [
      { name: 'CAC', type: 'bar', encode: { x: 'channel', y: 'cac' }, barMaxWidth: 36, itemStyle: { borderRadius: [3, 3, 0, 0] },
        label: { show: true, position: 'top', color: theme.muted, formatter: (p) => (p.value.cac === null || p.value.cac === undefined ? 'n/a' : fmt(p.value.cac, unit)) } },
    ],
  });
}

export function leadConversion(report, theme) {
  const l = kpi(report, 'lead_to_customer_rate');
  if (!l || !has(l.by_channel)) return null;
  const rows = l.by_channel.map((r) => ({ channel: String(r.channel), value: r.value, leads: r.leads, converted: r.converted }))
    .sort((a, b) => (a.value ?? -1) - (b.value ?? -1));
  return base(theme, {
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    legend: { show: false },
    dataset: { dimensions: ['channel', 'value', 'leads', 'converted'], source: rows },
    tooltip: {
      ...base(theme).tooltip, trigger: 'item',
      formatter: (p) => `${encodeHTML(p.value.channel)}<br>Converted: <b>${encodeHTML(fmt(p.value.value, '%'))}</b><br>${encodeHTML(fmt(p.value.converted, 'count'))} of ${encodeHTML(fmt(p.value.leads, 'count'))} leads`,
    },
    xAxis: valAxis(theme, '%', { max: (v) => Math.min(100, Math.ceil((v.max + 5) / 10) * 10) }),
    yAxis: catAxis(theme, { axisLabel: { color: theme.muted, width: 120, overflow: 'truncate' } }),
    series: [{ name: 'Lead-to-customer rate', type: 'bar', encode: { y: 'channel', x: 'value' }, barMaxWidth: 16,
      itemStyle: { borderRadius: [0, 3, 3, 0], color: theme.palette[4] },
      label: { show: true, position: 'right', color: theme.muted, formatter: (p) => fmt(p.value.value, '%') } }],
  });
}

// ---------- Retention ----------

export function cohortHeatmap(report, theme) {
  const c = kpi(report, 'cohort_retention');
  const m = c && c.matrix;
  if (!m || !has(m.cohorts) || !has(m.cells)) return null;
  const width = Math.max(...m.cells.map((r) => r.length));
  if (width < 1) return null;
  let max = 0;
  for (const r of m.cells) for (let k = 1; k < r.length; k++) if (r[k] !== null && r[k] > max) max = r[k];
  if (max === 0) max = 100;
  const source = [];
  m.cohorts.forEach((cohort, i) => {
    (m.cells[i] || []).forEach((v, k) => {
      if (v === null || v === undefined) return;
      source.push({ k: String(k), cohort: String(cohort), color: Math.min(v, max), pct: v, size: m.sizes ? m.sizes[i] : null });
    });
  });
  const cohortLabels = m.cohorts.map((x, i) => (m.sizes ? `${formatBucket(String(x))} · ${m.sizes[i]}` : formatBucket(String(x))));
  const labelFor = new Map(m.cohorts.map((x, i) => [String(x), cohortLabels[i]]));
  const showLabels = width <= 14 && m.cohorts.length <= 18;
  const option = base(theme, {
    grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
    legend: { show: false },
    dataset: { dimensions: ['k', 'cohort', 'color', 'pct', 'size'], source },
    tooltip: {
      ...base(theme).tooltip, trigger: 'item',
      formatter: (p) => `Cohort ${encodeHTML(formatBucket(p.value.cohort))} (${encodeHTML(fmt(p.value.size, 'count'))} customers)<br>Month ${encodeHTML(p.value.k)}: <b>${encodeHTML(fmt(p.value.pct, '%'))}</b> ordered`,
    },
    xAxis: catAxis(theme, { data: Array.from({ length: width }, (_, k) => String(k)), name: 'Months since first order', nameLocation: 'middle', nameGap: 26, nameTextStyle: { color: theme.muted }, splitArea: { show: false } }),
    yAxis: catAxis(theme, { data: m.cohorts.map(String), inverse: true, axisLabel: { color: theme.muted, formatter: (v) => labelFor.get(v) || v } }),
    visualMap: { show: false, dimension: 'color', min: 0, max, inRange: { color: theme.heat }, calculable: false },
    series: [{
      name: 'Retention', type: 'heatmap', encode: { x: 'k', y: 'cohort' },
      label: { show: showLabels, fontSize: 10, color: theme.text, formatter: (p) => (p.value.pct >= 10 ? Math.round(p.value.pct) : p.value.pct.toFixed(1)) },
      itemStyle: { borderColor: theme.bg, borderWidth: 1 },
      emphasis: { itemStyle: { borderColor: theme.text } },
    }],
  });
  // On narrow charts the numbers would overlap: colour alone, numbers in the tooltip.
  return { baseOption: option, media: [{ query: { maxWidth: 560 }, option: { series: [{ label: { show: false } }] } }, { option: { series: [{ label: { show: showLabels } }] } }] };
}

// ---------- Surveys ----------

export function npsTrend(report, theme) {
  const p = series(report, 'nps_promoters_pct');
  const pa = series(report, 'nps_passives_pct');
  const d = series(report, 'nps_detractors_pct');
  const n = series(report, 'nps');
  if (!p && !pa && !d) return null;
  const fields = {
    Promoters: { key: 'p', unit: '%' }, Passives: { key: 'pa', unit: '%' }, Detractors: { key: 'd', unit: '%' },
    NPS: { key: 'nps', unit: 'score' },
  };
  const s = [
    { name: 'Detractors', type: 'bar', stack: 'n', encode: { x: 'bucket', y: 'd' }, itemStyle: { color: theme.bad }, barMaxWidth: 28 },
    { name: 'Passives', type: 'bar', stack: 'n', encode: { x: 'bucket', y: 'pa' }, itemStyle: { color: theme.neutral }, barMaxWidth: 28 },
    { name: 'Promoters', type: 'bar', stack: 'n', encode: { x: 'bucket', y: 'p' }, itemStyle: { color: theme.good }, barMaxWidth: 28 },
  ];
  if (n) s.push({ name: 'NPS', type: 'line', yAxisIndex: 1, encode: { x: 'bucket', y: 'nps' }, symbolSize: 5, itemStyle: { color: theme.text }, lineStyle: { width: 2 } });
  return base(theme, {
    dataset: { dimensions: ['bucket', 'p', 'pa', 'd', 'nps'], source: joinSeries({ p, pa, d, nps: n }) },
    tooltip: { ...base(theme).tooltip, trigger: 'axis', formatter: axisTooltip(fields, formatBucket) },
    xAxis: catAxis(theme, { axisLabel: { color: theme.muted, hideOverlap: true, formatter: formatBucket } }),
    yAxis: [valAxis(theme, '%', { max: 100 }), { type: 'value', min: -100, max: 100, axisLabel: { color: theme.muted }, splitLine: { show: false } }],
    series: s,
  });
}

export function npsHistogram(report, theme) {
  const n = kpi(report, 'nps');
  if (!n || !has(n.histogram)) return null;
  const rows = n.histogram.map((count, score) => ({ score: String(score), count }));
  return base(theme, {
    legend: { show: false },
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    dataset: { dimensions: ['score', 'count'], source: rows },
    tooltip: { ...base(theme).tooltip, trigger: 'item', formatter: (p) => `Score ${encodeHTML(p.value.score)}: <b>${encodeHTML(fmt(p.value.count, 'count'))}</b> responses` },
    xAxis: catAxis(theme, { name: 'Score', nameLocation: 'middle', nameGap: 24, nameTextStyle: { color: theme.muted } }),
    yAxis: valAxis(theme, 'count'),
    series: [{
      name: 'Responses', type: 'bar', encode: { x: 'score', y: 'count' }, barMaxWidth: 32,
      itemStyle: { borderRadius: [3, 3, 0, 0], color: (p) => (p.dataIndex >= 9 ? theme.good : p.dataIndex >= 7 ? theme.neutral : theme.bad) },
    }],
  });
}

/** Segment rows of an NPS-like KPI: by_segment (per column), by_value_tier, by_customer_type. */
export function segmentRows(k) {
  if (!k) return [];
  const rows = [];
  const push = (group, list) => {
    for (const r of list || []) {
      rows.push({ label: `${r.segment}`, group, value: r.value, responses: r.responses, moe: r.margin_of_error ?? null });
    }
  };
  if (k.by_segment && typeof k.by_segment === 'object') for (const [col, list] of Object.entries(k.by_segment)) push(col, list);
  if (has(k.by_value_tier)) push('Value tier', k.by_value_tier);
  if (has(k.by_customer_type)) push('Customer type', k.by_customer_type);
  return rows;
}

export function npsBySegment(report, theme) {
  const n = kpi(report, 'nps');
  const rows = segmentRows(n).filter((r) => r.value !== null && r.value !== undefined);
  if (!rows.length) return null;
  const source = rows.map((r, i) => ({
    cat: `${i}`, label: r.label, group: r.group, value: r.value, responses: r.responses,
    lo: r.moe === null ? null : Math.max(-100, r.value - r.moe), hi: r.moe === null ? null : Math.min(100, r.value + r.moe), moe: r.moe,
  })).reverse();
  const labelOf = new Map(source.map((r) => [r.cat, `${r.label} · ${r.group}`]));
  return base(theme, {
    legend: { show: false },
    grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
    dataset: { dimensions: ['cat', 'label', 'group', 'value', 'responses', 'lo', 'hi', 'moe'], source },
    tooltip: {
      ...base(theme).tooltip, trigger: 'item',
      formatter: (p) => {
        const v = p.value;
        const moe = v.moe === null ? '' : ` ± ${encodeHTML(formatNumber(v.moe))}`;
        return `${encodeHTML(v.label)} <span style="opacity:.7">(${encodeHTML(v.group)})</span><br>NPS: <b>${encodeHTML(formatNumber(v.value))}</b>${moe}<br>${encodeHTML(fmt(v.responses, 'count'))} responses`;
      },
    },
    xAxis: valAxis(theme, 'score', { min: -100, max: 100 }),
    yAxis: catAxis(theme, { axisLabel: { color: theme.muted, width: 160, overflow: 'truncate', formatter: (c) => labelOf.get(c) || c } }),
    series: [
      { name: 'NPS', type: 'bar', encode: { y: 'cat', x: 'value' }, barMaxWidth: 16,
        itemStyle: { color: (p) => (p.value.value >= 0 ? theme.palette[0] : theme.bad), borderRadius: 3 } },
      {
        name: 'Margin of error', type: 'custom', encode: { y: 'cat', x: ['lo', 'hi'] }, z: 10, tooltip: { show: false },
        renderItem: (params, api) => {
          const lo = api.value('lo');
          const hi = api.value('hi');
          if (lo === null || hi === null || Number.isNaN(lo) || Number.isNaN(hi)) return null;
          const a = api.coord([lo, api.value('cat')]);
          const b = api.coord([hi, api.value('cat')]);
          const hgt = api.size([0, 1])[1] * 0.3;
          const style = { stroke: theme.text, lineWidth: 1.5 };
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style },
              { type: 'line', shape: { x1: a[0], y1: a[1] - hgt / 2, x2: a[0], y2: a[1] + hgt / 2 }, style },
              { type: 'line', shape: { x1: b[0], y1: b[1] - hgt / 2, x2: b[0], y2: b[1] + hgt / 2 }, style },
            ],
          };
        },
      },
    ],
  });
}

function scaleHistogram(report, id, theme, color) {
  const k = kpi(report, id);
  if (!k || !has(k.histogram)) return null;
  const min = k.scale && Number.isFinite(k.scale.min) ? k.scale.min : 1;
  const rows = k.histogram.map((count, i) => ({ score: String(min + i), count }));
  return base(theme, {
    legend: { show: false },
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    dataset: { dimensions: ['score', 'count'], source: rows },
    tooltip: { ...base(theme).tooltip, trigger: 'item', formatter: (p) => `Score ${encodeHTML(p.value.score)}: <b>${encodeHTML(fmt(p.value.count, 'count'))}</b> responses` },
    xAxis: catAxis(theme, { name: 'Score', nameLocation: 'middle', nameGap: 24, nameTextStyle: { color: theme.muted } }),
    yAxis: valAxis(theme, 'count'),
    series: [{ name: 'Responses', type: 'bar', encode: { x: 'score', y: 'count' }, barMaxWidth: 40, itemStyle: { borderRadius: [3, 3, 0, 0], color } }],
  });
}

export const csatHistogram = (report, theme) => scaleHistogram(report, 'csat', theme, theme.palette[1]);
export const cesHistogram = (report, theme) => scaleHistogram(report, 'ces', theme, theme.palette[5]);

// ---------- Support, social, CLV ----------

/** {edges: [e0..en], counts: [c0..cn-1]} -> rows with a readable bin label. */
function binRows(hist, unit) {
  if (!hist || !has(hist.edges) || !has(hist.counts)) return null;
  const span = Math.abs(hist.edges[hist.edges.length - 1] - hist.edges[0]);
  const edge = (v) => (unit === 'currency' && span >= 50 ? formatNumber(Math.round(v)) : fmt(v, unit));
  return hist.counts.map((count, i) => ({
    bin: `${edge(hist.edges[i])} – ${edge(hist.edges[i + 1])}`,
    count,
  }));
}

function histogramOption(rows, theme, color, unitLabel) {
  return base(theme, {
    legend: { show: false },
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    dataset: { dimensions: ['bin', 'count'], source: rows },
    tooltip: { ...base(theme).tooltip, trigger: 'item', formatter: (p) => `${encodeHTML(p.value.bin)}: <b>${encodeHTML(fmt(p.value.count, 'count'))}</b> ${encodeHTML(unitLabel)}` },
    xAxis: catAxis(theme, { axisLabel: { color: theme.muted, hideOverlap: true } }),
    yAxis: valAxis(theme, 'count'),
    series: [{ name: unitLabel, type: 'bar', encode: { x: 'bin', y: 'count' }, barCategoryGap: '8%', itemStyle: { color, borderRadius: [2, 2, 0, 0] } }],
  });
}

export function resolutionHistogram(report, theme) {
  const k = kpi(report, 'avg_resolution_time');
  const rows = k && binRows(k.histogram, 'hours');
  return rows ? histogramOption(rows, theme, theme.palette[2], 'tickets') : null;
}

export function sentimentTrend(report, theme) {
  const pos = series(report, 'sentiment_positive');
  const neu = series(report, 'sentiment_neutral');
  const neg = series(report, 'sentiment_negative');
  if (!pos && !neu && !neg) return null;
  const fields = { Positive: { key: 'pos', unit: '%' }, Neutral: { key: 'neu', unit: '%' }, Negative: { key: 'neg', unit: '%' } };
  const area = (name, key, color) => ({
    name, type: 'line', stack: 's', encode: { x: 'bucket', y: key }, symbol: 'none', smooth: 0.2,
    areaStyle: { opacity: 0.85, color }, lineStyle: { width: 0 }, itemStyle: { color },
  });
  return base(theme, {
    grid: { left: 8, right: 28, top: 36, bottom: 8, containLabel: true },
    dataset: { dimensions: ['bucket', 'pos', 'neu', 'neg'], source: joinSeries({ pos, neu, neg }) },
    tooltip: { ...base(theme).tooltip, trigger: 'axis', formatter: axisTooltip(fields, formatBucket) },
    xAxis: catAxis(theme, { boundaryGap: false, axisLabel: { color: theme.muted, hideOverlap: true, formatter: formatBucket } }),
    yAxis: valAxis(theme, '%', { max: 100 }),
    series: [area('Negative', 'neg', theme.bad), area('Neutral', 'neu', theme.neutral), area('Positive', 'pos', theme.good)],
  });
}

export function predictedClvDistribution(report, theme) {
  const k = kpi(report, 'predicted_clv');
  const unit = (k && k.unit) || 'currency';
  const rows = k && binRows(k.distribution, unit);
  return rows ? histogramOption(rows, theme, theme.palette[4], 'customers') : null;
}

/** The charts the dashboard knows, in display order, with their section and title. */
export const CHARTS = [
  { id: 'revenue-trend', section: 'sales', title: 'Revenue and orders', build: revenueTrend, wide: true },
  { id: 'new-vs-returning', section: 'sales', title: 'New vs returning customers', build: newVsReturning },
  { id: 'top-products', section: 'sales', title: 'Top products', build: topProducts },
  { id: 'predicted-clv', section: 'clv', title: 'Predicted 12-month value per customer', build: predictedClvDistribution },
  { id: 'acquisition-sources', section: 'acquisition', title: 'Acquisition sources', build: acquisitionSources },
  { id: 'cac-by-channel', section: 'acquisition', title: 'CAC by channel', build: cacByChannel },
  { id: 'lead-conversion', section: 'acquisition', title: 'Lead-to-customer rate by source', build: leadConversion },
  { id: 'cohort-retention', section: 'retention', title: 'Cohort retention: % ordering again, by month since first order', build: cohortHeatmap, wide: true, tall: true },
  { id: 'nps-trend', section: 'surveys', title: 'NPS: promoters, passives, detractors', build: npsTrend, wide: true },
  { id: 'nps-histogram', section: 'surveys', title: 'NPS responses (0–10)', build: npsHistogram },
  { id: 'nps-segments', section: 'surveys', title: 'NPS by segment (95% margin of error)', build: npsBySegment },
  { id: 'csat-histogram', section: 'surveys', title: 'CSAT responses', build: csatHistogram },
  { id: 'ces-histogram', section: 'surveys', title: 'CES responses', build: cesHistogram },
  { id: 'resolution-histogram', section: 'support', title: 'Resolution time (hours)', build: resolutionHistogram },
  { id: 'sentiment-trend', section: 'social', title: 'Sentiment share', build: sentimentTrend, wide: true },
];
