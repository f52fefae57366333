// Exports: the KPI table as CSV and the whole report as JSON. Pure functions returning text;
// the page turns them into downloads.

import { SECTIONS, kpiMeta } from './kpi-meta.js';

const csvCell = (v) => {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'number' ? String(v) : String(v);
  // A text cell that a spreadsheet would run as a formula is prefixed with a quote.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** KPIs of a report in display order: section order, then metadata order, then the rest. */
export function orderedKpiIds(report) {
  const ids = Object.keys((report && report.kpis) || {});
  const order = new Map();
  let i = 0;
  for (const sec of SECTIONS) {
    for (const id of ids) if (kpiMeta(id).section === sec.id) order.set(id, i++);
  }
  for (const id of ids) if (!order.has(id)) order.set(id, i++);
  return ids.sort((a, b) => order.get(a) - order.get(b));
}

/** The KPI table: one row per KPI with value, unit, status, previous, numerator, denominator. */
export function kpiCsv(report) {
  const header = ['kpi', 'section', 'title', 'value', 'unit', 'status', 'previous', 'numerator', 'denominator', 'needs',
    'period_from', 'period_to'];
  const rows = [header];
  const sectionTitle = (id) => (SECTIONS.find((s) => s.id === id) || { title: '' }).title;
  for (const id of orderedKpiIds(report)) {
    const k = report.kpis[id];
    const m = kpiMeta(id);
    rows.push([id, sectionTitle(m.section), m.title, k.value, k.unit, k.status, k.previous, k.numerator, k.denominator,
      (k.needs || []).join(' '), report.period && report.period.from, report.period && report.period.to]);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The report as pretty JSON. */
export function reportJson(report) {
  return JSON.stringify(report, null, 2) + '\n';
}

/** "loupe-kpis-2024-07-01_2025-07-01.csv" */
export function exportName(report, what, ext) {
  const p = report && report.period;
  return `loupe-${what}${p && p.from ? `-${p.from}_${p.to}` : ''}.${ext}`;
}
