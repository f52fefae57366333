// The dashboard: period picker and granularity, exports, then one block per METRICS.md
// section with its KPI cards and charts. Renders only what the report holds: a KPI or chart
// whose data is missing is simply not there. Charts are drawn one per task so a big report
// never blocks the main thread for long.

import { h, replace, download } from '../dom.js';
import { formatDate, formatPeriod, formatValue, formatNumber } from '../format.js';
import { SECTIONS, kpiMeta } from '../kpi-meta.js';
import { PRESETS, GRANULARITIES, presetLabel, latestDate } from '../period.js';
import { kpiCsv, reportJson, exportName, orderedKpiIds } from '../export.js';
import { CHARTS, LIGHT, DARK } from '../charts/options.js';
import { kpiCard } from './cards.js';
import '../charts/chart-element.js';

const nextTask = () => new Promise((r) => setTimeout(r, 0));

export class DashboardView {
  /**
   * @param root element to fill
   * @param loupe the controller
   * @param opts {isDark: () => boolean, kpis: [ids] | null (all), compact: bool}
   */
  constructor(root, loupe, opts = {}) {
    this.root = root;
    this.loupe = loupe;
    this.opts = opts;
    this.openHow = new Set();
    this.renderToken = 0;
    this.panels = new Map();
    this.#build();
    loupe.addEventListener('change', (e) => {
      if (e.detail.what === 'report') this.render();
      if (e.detail.what === 'options') this.#syncControls();
    });
    this.render();
  }

  #build() {
    const o = this.loupe.options;
    this.presetSelect = h('select', { id: 'period-preset', onchange: (e) => this.#setPreset(e.target.value) },
      PRESETS.map((p) => h('option', { value: p.id, selected: o.preset === p.id }, p.label)));
    this.fromInput = h('input', { type: 'date', id: 'period-from', onchange: () => this.#customChanged() });
    this.toInput = h('input', { type: 'date', id: 'period-to', onchange: () => this.#customChanged() });
    this.custom = h('span', { class: 'custom-range' },
      h('label', { for: 'period-from' }, 'From'), this.fromInput,
      h('label', { for: 'period-to' }, 'To'), this.toInput);
    this.granularitySelect = h('select', { id: 'granularity', onchange: (e) => this.loupe.setOptions({ granularity: e.target.value }) },
      GRANULARITIES.map((g) => h('option', { value: g.id, selected: o.granularity === g.id }, g.label)));
    this.periodText = h('p', { class: 'period-text', 'aria-live': 'polite' });
    this.status = h('span', { class: 'computing', 'aria-live': 'polite' });
    this.csvButton = h('button', { type: 'button', class: 'btn', onclick: () => this.#exportCsv() }, 'KPIs as CSV');
    this.jsonButton = h('button', { type: 'button', class: 'btn', onclick: () => this.#exportJson() }, 'Report as JSON');
    this.toolbar = h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Report options' },
      h('div', { class: 'toolbar-fields' },
        h('span', { class: 'field' }, h('label', { for: 'period-preset' }, 'Period'), this.presetSelect),
        this.custom,
        h('span', { class: 'field' }, h('label', { for: 'granularity' }, 'Trend by'), this.granularitySelect),
        this.status),
      h('div', { class: 'toolbar-exports' }, h('span', { class: 'muted export-label' }, 'Export'), this.csvButton, this.jsonButton));
    this.error = h('p', { class: 'banner banner-error', role: 'alert', hidden: true });
    this.sections = new Map();
    const blocks = SECTIONS.concat([{ id: 'other', title: 'Other' }]).map((sec) => {
      const cards = h('div', { class: 'cards' });
      const charts = h('div', { class: 'charts' });
      const el = h('section', { class: 'kpi-section', 'aria-labelledby': `sec-${sec.id}`, dataset: { section: sec.id } },
        h('h2', { id: `sec-${sec.id}` }, sec.title), cards, charts);
      this.sections.set(sec.id, { el, cards, charts });
      return el;
    });
    replace(this.root, this.toolbar, this.periodText, this.error, blocks);
    this.#syncControls();
  }

  #syncControls() {
    const o = this.loupe.options;
    this.presetSelect.value = o.preset;
    this.granularitySelect.value = o.granularity;
    this.custom.hidden = o.preset !== 'custom';
    const range = this.loupe.report && this.loupe.report.range;
    for (const opt of this.presetSelect.options) opt.textContent = presetLabel(opt.value, range);
  }

  #setPreset(preset) {
    const changes = { preset };
    if (preset === 'custom') {
      // Start the custom range from what is on screen.
      const p = this.loupe.report && this.loupe.report.period;
      if (p && !this.fromInput.value) {
        this.fromInput.value = p.from;
        const to = new Date(Date.parse(`${p.to}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
        this.toInput.value = to;
      }
      changes.custom = { from: this.fromInput.value, to: this.toInput.value };
    }
    this.loupe.setOptions(changes);
  }

  #customChanged() {
    const from = this.fromInput.value;
    const to = this.toInput.value;
    const valid = from && to && from <= to;
    this.toInput.setCustomValidity(valid || !from || !to ? '' : 'The end date must not be before the start date');
    if (valid) this.loupe.setOptions({ custom: { from, to } });
  }

  #exportCsv() {
    const r = this.loupe.report;
    if (r) download(new Blob([kpiCsv(r)], { type: 'text/csv;charset=utf-8' }), exportName(r, 'kpis', 'csv'));
  }

  #exportJson() {
    const r = this.loupe.report;
    if (r) download(new Blob([reportJson(r)], { type: 'application/json' }), exportName(r, 'report', 'json'));
  }

  theme() {
    return this.opts.isDark && this.opts.isDark() ? DARK : LIGHT;
  }

  /** Redraws charts only (after a theme change). */
  async redrawCharts() {
    const token = ++this.renderToken;
    await this.#renderCharts(this.loupe.report, token);
  }

  async render() {
    const loupe = this.loupe;
    const report = loupe.report;
    this.root.hidden = !report && !loupe.reportError;
    this.status.textContent = loupe.computing ? 'Computing…' : '';
    // Busy from the request until every card and chart panel is in place.
    this.root.setAttribute('aria-busy', 'true');
    this.error.hidden = !loupe.reportError;
    this.error.textContent = loupe.reportError ? `The report could not be computed: ${loupe.reportError}` : '';
    this.csvButton.disabled = !report;
    this.jsonButton.disabled = !report;
    if (loupe.computing) return;
    this.#syncControls();
    const token = ++this.renderToken;
    if (!report) {
      for (const s of this.sections.values()) {
        s.cards.replaceChildren();
        s.charts.replaceChildren();
        s.el.hidden = true;
      }
      this.panels.clear();
      this.root.setAttribute('aria-busy', 'false');
      return;
    }
    const range = report.range && report.range.from ? ` Your data runs from ${formatDate(report.range.from)} to ${formatDate(report.range.to)}.` : '';
    this.periodText.textContent = report.period
      ? `${formatPeriod(report.period)}${report.previous ? `, compared with ${formatPeriod(report.previous)}` : ''}.${range}`
      : '';
    if (latestDate(report.range) && this.loupe.options.preset === 'custom' && !this.fromInput.value) {
      this.fromInput.value = report.period.from;
    }
    if (!(await this.#renderCards(report, token))) return;
    await nextTask();
    if (token !== this.renderToken) return;
    await this.#renderCharts(report, token);
    if (token === this.renderToken) this.root.setAttribute('aria-busy', 'false');
  }

  /** Builds every section's cards, one section per task; false when a newer render took over. */
  async #renderCards(report, token) {
    const focusKpi = this.root.contains(document.activeElement) ? document.activeElement.closest('[data-kpi]')?.dataset.kpi : null;
    const wanted = this.opts.kpis;
    const ids = wanted ? wanted.filter((id) => report.kpis[id]) : orderedKpiIds(report);
    const locale = this.opts.locale;
    const currency = report.currency || '';
    const bySection = new Map([...this.sections.keys()].map((k) => [k, []]));
    for (const id of ids) {
      const meta = kpiMeta(id);
      bySection.get(this.sections.has(meta.section) ? meta.section : 'other').push(id);
    }
    for (const [secId, list] of bySection) {
      // A few cards per task: building a section's cards is the page's biggest synchronous job.
      const cards = [];
      for (let i = 0; i < list.length; i += 5) {
        await nextTask();
        if (token !== this.renderToken) return false;
        for (const id of list.slice(i, i + 5)) {
          const card = kpiCard(id, report, { locale, currency, open: this.openHow.has(id) });
          const details = card.querySelector('details.how');
          details.addEventListener('toggle', () => (details.open ? this.openHow.add(id) : this.openHow.delete(id)));
          cards.push(card);
        }
      }
      const sec = this.sections.get(secId);
      sec.cards.replaceChildren(...cards);
      sec.el.hidden = cards.length === 0 && sec.charts.childElementCount === 0;
    }
    if (focusKpi) this.root.querySelector(`[data-kpi="${CSS.escape(focusKpi)}"] summary`)?.focus();
    return true;
  }

  async #renderCharts(report, token) {
    if (!report || this.opts.compact) return;
    const theme = this.theme();
    const seen = new Set();
    for (const def of CHARTS) {
      let option = null;
      try {
        option = def.build(report, theme);
      } catch (e) {
        console.error(`chart ${def.id}:`, e);
      }
      const sec = this.sections.get(def.section);
      if (!option) continue;
      seen.add(def.id);
      let panel = this.panels.get(def.id);
      if (!panel) {
        panel = this.#panel(def);
        this.panels.set(def.id, panel);
      }
      if (panel.el.parentNode !== sec.charts) sec.charts.insertBefore(panel.el, this.#nextPanel(def, sec));
      sec.el.hidden = false;
      panel.chart.option = option;
      await nextTask();
      if (token !== this.renderToken) return;
    }
    this.#atRiskTable(report, seen);
    for (const [id, panel] of this.panels) {
      if (!seen.has(id)) {
        panel.el.remove();
        this.panels.delete(id);
      }
    }
    // A lone half-width panel at the end of a section takes the whole row.
    for (const sec of this.sections.values()) {
      sec.el.hidden = sec.cards.childElementCount === 0 && sec.charts.childElementCount === 0;
      const half = [...sec.charts.children].filter((el) => !el.classList.contains('panel-wide'));
      half.forEach((el, i) => el.classList.toggle('panel-fill', i === half.length - 1 && half.length % 2 === 1));
    }
  }

  /** The panel a new chart goes before, so panels stay in CHARTS order (the table last). */
  #nextPanel(def, sec) {
    for (const later of CHARTS.slice(CHARTS.indexOf(def) + 1)) {
      const p = this.panels.get(later.id);
      if (p && p.el.parentNode === sec.charts) return p.el;
    }
    const table = this.panels.get('at-risk');
    return table && table.el.parentNode === sec.charts ? table.el : null;
  }

  #panel(def) {
    const titleId = `chart-title-${def.id}`;
    const chart = document.createElement('loupe-chart');
    chart.setAttribute('aria-labelledby', titleId);
    chart.className = `chart${def.tall ? ' chart-tall' : ''}`;
    const button = h('button', {
      type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Download “${def.title}” as PNG`,
      onclick: async () => {
        await chart.ready();
        const url = chart.toPng(this.theme().bg);
        if (url) download(url, `loupe-${def.id}.png`);
      },
    }, 'PNG');
    const el = h('figure', { class: ['panel', def.wide ? 'panel-wide' : ''], dataset: { chart: def.id } },
      h('figcaption', { class: 'panel-head' }, h('h3', { id: titleId }, def.title), button),
      chart);
    return { el, chart };
  }

  #atRiskTable(report, seen) {
    const k = report.kpis && report.kpis.predicted_clv;
    const list = k && Array.isArray(k.at_risk) ? k.at_risk : null;
    if (!list || !list.length || this.opts.compact) return;
    seen.add('at-risk');
    const unit = k.unit || 'currency';
    const currency = report.currency || '';
    const table = h('table', { class: 'data-table' },
      h('caption', { class: 'visually-hidden' }, 'Valuable customers least likely to still be active'),
      h('thead', null, h('tr', null,
        ['Customer', 'Repeat purchases', 'P(alive)', 'Expected purchases, 52 wk', 'Predicted value'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, list.map((c) => h('tr', null,
        h('th', { scope: 'row' }, String(c.id)),
        h('td', null, formatNumber(c.x)),
        h('td', null, formatValue(c.p_alive * 100, '%')),
        h('td', null, formatNumber(c.expected_purchases)),
        h('td', null, formatValue(c.predicted_value, unit, { currency })))))); 
    const el = h('figure', { class: 'panel', dataset: { chart: 'at-risk' } },
      h('figcaption', { class: 'panel-head' }, h('h3', null, 'At-risk customers'),
        h('span', { class: 'muted' }, 'High value, low probability of still being active')),
      h('div', { class: 'table-scroll' }, table));
    const old = this.panels.get('at-risk');
    const sec = this.sections.get('clv');
    if (old) old.el.replaceWith(el);
    else sec.charts.appendChild(el);
    sec.el.hidden = false;
    this.panels.set('at-risk', { el, chart: null });
  }
}
