// <loupe-dashboard>: the Loupe dashboard as a self-registering custom element for store admin
// pages. Shadow DOM keeps the host page's CSS out (and ours in); the engine runs in its own
// Web Worker per element, exactly as on the page (controller.js, views/dashboard.js).
//
//   <script type="module" src="loupe/loupe-widget.js"></script>
//   <loupe-dashboard kpis="revenue,orders,aov" period="default" granularity="month"
//                    theme="auto" locale="en-GB" compact drop></loupe-dashboard>
//
// Attributes
//   kpis         comma-separated KPI ids (METRICS.md); cards follow this order within each
//                section. Absent: every KPI the report holds.
//   period       default | quarter | 30d | ytd | all | YYYY-MM-DD..YYYY-MM-DD (inclusive)
//   granularity  day | week | month | quarter | year
//   theme        light | dark | auto (follows the system)
//   locale       BCP 47 tag for numbers (default: the browser's)
//   compact      cards only: no toolbar, no charts
//   drop         offer a drop zone and a "Choose files" button inside the widget
// Methods
//   load(input)        input: File | File[] | FileList | {name, bytes} | [{name, bytes}]
//                      | {kind, rows: [{...}], name?} (JS objects, serialised to CSV here and
//                      read with the kind forced). Resolves with the report.
//   report()           the latest report (a copy), or null
//   save()             {kpis, period, granularity, theme, locale, compact, drop}
//   restore(config)    applies a save()d config; resolves once the report is recomputed
//   resize()           re-measures the charts (after the host changed the widget's size
//                      without the element itself resizing, e.g. in a hidden tab)
// Events (bubble, composed)
//   loupe-report  detail: the report, after every load and every recompute the user caused
//   loupe-error   detail: {message, file?}
// Theming: CSS custom properties --loupe-* on the element or any ancestor (README.md).

import { Loupe } from './controller.js';
import { DashboardView } from './views/dashboard.js';
import { h, replace, whenIdle } from './dom.js';
import { formatNumber } from './format.js';

const STYLES = ['styles.css', 'loupe-widget.css'].map((f) => new URL(f, import.meta.url).href);
const PRESET_IDS = new Set(['default', 'quarter', '30d', 'ytd', 'all']);
const GRANULARITY_IDS = new Set(['day', 'week', 'month', 'quarter', 'year']);
const CUSTOM_RANGE = /^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|\/)\s*(\d{4}-\d{2}-\d{2})$/;
const darkMedia = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

/** One CSV cell: quoted when it holds a separator, a quote, a line break or edge spaces. */
function csvCell(v) {
  if (v === null || v === undefined) return '';
  let s;
  if (v instanceof Date) s = Number.isNaN(v.getTime()) ? '' : v.toISOString();
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Rows of JS objects -> CSV text. Columns are the union of the rows' keys in the order they
 * are first seen, so rows with missing fields still line up. Dates become ISO 8601 text.
 */
export function rowsToCsv(rows) {
  const columns = [];
  const seen = new Set();
  for (const row of rows) {
    for (const k of Object.keys(row)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The `period` attribute -> controller options ({preset, custom}); null when not valid. */
export function parsePeriod(value) {
  const v = (value || '').trim();
  if (!v) return { preset: 'default', custom: {} };
  if (PRESET_IDS.has(v)) return { preset: v, custom: {} };
  const m = CUSTOM_RANGE.exec(v);
  if (m && m[1] <= m[2]) return { preset: 'custom', custom: { from: m[1], to: m[2] } };
  return null;
}

function periodAttr(options) {
  if (options.preset === 'custom') {
    const { from, to } = options.custom || {};
    return from && to ? `${from}..${to}` : 'default';
  }
  return options.preset;
}

const parseKpis = (value) => (value || '').split(/[\s,]+/).filter(Boolean);

export class LoupeDashboard extends HTMLElement {
  static observedAttributes = ['kpis', 'period', 'granularity', 'theme', 'locale', 'compact', 'drop'];

  #loupe = null;
  #view = null;
  #root = null;
  #fileList = null;
  #errorBox = null;
  #dropBox = null;
  #loading = 0;
  #reported = null;
  #errorsSent = new Set();
  #syncing = false;
  #dark = null;

  constructor() {
    super();
    const shadow = this.attachShadow({ mode: 'open' });
    for (const href of STYLES) shadow.appendChild(h('link', { rel: 'stylesheet', href }));
    this.#root = h('div', { class: 'loupe-root', part: 'root' });
    shadow.appendChild(this.#root);
  }

  connectedCallback() {
    if (!this.#loupe) this.#start();
    this.#applyAttributes();
  }

  disconnectedCallback() {
    // Moving the element within the document reconnects at once; only a removal stops the engine.
    queueMicrotask(() => {
      if (this.isConnected || !this.#loupe) return;
      this.#loupe.dispose();
      this.#loupe = null;
      this.#view = null;
      replace(this.#root);
    });
  }

  attributeChangedCallback() {
    if (this.#loupe && !this.#syncing) this.#applyAttributes();
  }

  #start() {
    const loupe = new Loupe();
    this.#loupe = loupe;
    this.#errorsSent.clear();
    const input = h('input', {
      type: 'file', multiple: true, class: 'visually-hidden', id: 'loupe-file-input',
      accept: '.csv,.tsv,.txt,.json,.ndjson,.jsonl,text/csv,application/json',
      onchange: () => {
        const files = [...input.files];
        input.value = '';
        if (files.length) this.load(files).catch(() => {});
      },
    });
    this.#dropBox = h('div', { class: 'w-drop' },
      input,
      h('label', { for: 'loupe-file-input', class: 'btn btn-primary btn-small' }, 'Choose files'),
      h('span', { class: 'muted' }, 'or drop your store’s exports here. Files stay in this browser.'));
    this.#fileList = h('ul', { class: 'w-files', 'aria-label': 'Files' });
    this.#errorBox = h('p', { class: 'banner banner-error', role: 'alert', hidden: true });
    const dash = h('section', { class: 'dashboard', 'aria-label': 'Customer KPIs', tabindex: '-1', hidden: true });
    replace(this.#root, this.#dropBox, this.#fileList, this.#errorBox, dash);
    this.#view = new DashboardView(dash, loupe, { isDark: () => this.#isDark(), ...this.#viewOptions() });

    loupe.addEventListener('change', (e) => {
      const what = e.detail.what;
      if (what === 'engine') this.#fail(loupe.engineError);
      if (what === 'files') this.#renderFiles();
      if (what === 'options') this.#syncAttributes();
      if (what === 'report' && !loupe.computing) {
        if (loupe.reportError) this.#fail(`The report could not be computed: ${loupe.reportError}`);
        else if (loupe.report && !loupe.engineError) this.#errorBox.hidden = true;
        // Once the recompute (which may run again with newer options) has settled.
        Promise.resolve(loupe.recomputing).then(() => {
          if (!this.#loading && !loupe.recomputing) this.#emitReport();
        });
      }
    });
    loupe.ready.catch(() => {});
    // Once the host page is idle, the engine's warm-up (web/warm-up.js).
    loupe.ready.then(whenIdle).then(() => loupe.warmUpEngine(), () => {});

    this.addEventListener('dragover', (e) => {
      if (!this.#dropEnabled() || !e.dataTransfer || ![...e.dataTransfer.types].includes('Files')) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
      this.#root.classList.add('dragging');
    });
    this.addEventListener('dragleave', (e) => {
      if (!this.contains(e.relatedTarget)) this.#root.classList.remove('dragging');
    });
    this.addEventListener('drop', (e) => {
      if (!this.#dropEnabled() || !e.dataTransfer || !e.dataTransfer.files.length) return;
      e.preventDefault();
      e.stopPropagation(); // the host page's own drop handling must not read the files twice
      this.#root.classList.remove('dragging');
      this.load([...e.dataTransfer.files]).catch(() => {});
    });
    darkMedia?.addEventListener('change', () => {
      if ((this.getAttribute('theme') || 'auto') === 'auto') this.#view?.redrawCharts();
    });
  }

  #dropEnabled() {
    const v = this.getAttribute('drop');
    return v !== null && v !== 'false';
  }

  #viewOptions() {
    const kpis = parseKpis(this.getAttribute('kpis'));
    return {
      kpis: kpis.length ? kpis : null,
      compact: this.hasAttribute('compact') && this.getAttribute('compact') !== 'false',
      locale: this.getAttribute('locale') || undefined,
    };
  }

  #isDark() {
    const t = this.getAttribute('theme') || 'auto';
    return t === 'dark' || (t !== 'light' && !!darkMedia && darkMedia.matches);
  }

  /** Attributes -> view options and analysis options; recomputes when the latter changed. */
  #applyAttributes() {
    const theme = this.getAttribute('theme');
    const themeChanged = this.#isDark() !== this.#dark;
    this.#dark = this.#isDark();
    this.#root.dataset.theme = theme === 'light' || theme === 'dark' ? theme : 'auto';
    const opts = this.#viewOptions();
    this.#root.classList.toggle('compact', opts.compact);
    this.#root.classList.toggle('filtered', !!opts.kpis);
    this.#dropBox.hidden = !this.#dropEnabled();
    const view = this.#view;
    const viewChanged = JSON.stringify([view.opts.kpis, view.opts.compact, view.opts.locale]) !== JSON.stringify([opts.kpis, opts.compact, opts.locale]);
    Object.assign(view.opts, opts);

    const changes = {};
    const period = parsePeriod(this.getAttribute('period'));
    if (period === null) this.#fail(`Unknown period "${this.getAttribute('period')}": use default, quarter, 30d, ytd, all or YYYY-MM-DD..YYYY-MM-DD`);
    else if (periodAttr(period) !== periodAttr(this.#loupe.options)) Object.assign(changes, period);
    const g = this.getAttribute('granularity');
    if (g && !GRANULARITY_IDS.has(g)) this.#fail(`Unknown granularity "${g}": use day, week, month, quarter or year`);
    else if (g && g !== this.#loupe.options.granularity) changes.granularity = g;

    if (Object.keys(changes).length) return this.#loupe.setOptions(changes);
    if (viewChanged) view.render();
    else if (themeChanged) view.redrawCharts();
    return Promise.resolve();
  }

  /** User changes in the toolbar show up in the attributes, so save() and CSS see them. */
  #syncAttributes() {
    this.#syncing = true;
    try {
      const o = this.#loupe.options;
      const p = periodAttr(o);
      if ((this.getAttribute('period') || 'default') !== p) this.setAttribute('period', p);
      if ((this.getAttribute('granularity') || 'month') !== o.granularity) this.setAttribute('granularity', o.granularity);
    } finally {
      this.#syncing = false;
    }
  }

  #renderFiles() {
    const files = this.#loupe.fileList();
    replace(this.#fileList, files.map((f) => {
      const status = f.status === 'error' ? 'error' : f.status === 'done' ? 'done' : 'reading';
      const detail = f.status === 'error'
        ? f.error
        : f.status === 'done'
          ? `${f.inspect && f.inspect.kind ? `${f.inspect.kind} · ` : ''}${formatNumber(f.rows)} rows`
          : `reading… ${f.total ? Math.round((100 * f.bytes) / f.total) : 0}%`;
      return h('li', { class: ['w-file', `status-${status}`], dataset: { status } },
        h('span', { class: 'w-file-name' }, f.name), h('span', { class: 'w-file-detail' }, detail));
    }));
    this.#fileList.hidden = files.length === 0;
    for (const f of files) {
      if (f.status === 'error' && f.error && !this.#errorsSent.has(f.key)) {
        this.#errorsSent.add(f.key);
        this.#emit('loupe-error', { message: f.error, file: f.name });
      }
    }
  }

  #fail(message) {
    this.#errorBox.hidden = false;
    this.#errorBox.textContent = message;
    this.#emit('loupe-error', { message });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #emitReport() {
    const report = this.#loupe && this.#loupe.report;
    if (!report || report === this.#reported) return;
    this.#reported = report;
    this.#emit('loupe-report', structuredClone(report));
  }

  /**
   * Reads data into the widget and resolves with the new report (null when nothing could be
   * read). Rejects when an input is not one of the accepted shapes.
   */
  async load(input) {
    if (!this.#loupe) throw new Error('loupe-dashboard: load() before the element is in the document');
    const list = input && typeof input.length === 'number' && !(input instanceof Blob) && !Array.isArray(input.rows)
      ? [...input]
      : [input];
    const files = [];
    const forced = [];
    for (const item of list) {
      if (typeof Blob !== 'undefined' && item instanceof Blob) {
        files.push(item);
      } else if (item && Array.isArray(item.rows)) {
        if (typeof item.kind !== 'string' || !item.kind) throw this.#reject('load({kind, rows}): kind must name a file kind such as "orders"');
        const bytes = new TextEncoder().encode(rowsToCsv(item.rows));
        forced.push({ index: files.length, kind: item.kind });
        files.push({ name: item.name || `${item.kind}.csv`, bytes });
      } else if (item && typeof item.name === 'string' && item.bytes !== undefined) {
        files.push({ name: item.name, bytes: item.bytes });
      } else {
        throw this.#reject('load() takes files, {name, bytes} or {kind, rows}');
      }
    }
    const loupe = this.#loupe;
    this.#loading++;
    try {
      const before = new Set(loupe.files.keys());
      const reading = loupe.addFiles(files);
      // addFiles registers its entries synchronously, in input order.
      const keys = [...loupe.files.keys()].filter((k) => !before.has(k));
      await reading;
      for (const { index, kind } of forced) {
        const key = keys[index];
        const f = loupe.files.get(key);
        if (!f || !f.inspect) continue;
        if (f.inspect.kind === kind) continue;
        const error = await loupe.setKind(key, kind);
        if (error) this.#emit('loupe-error', { message: error, file: f.name });
      }
    } finally {
      this.#loading--;
    }
    await loupe.recomputing;
    if (!this.#loading) this.#emitReport();
    return this.report();
  }

  #reject(message) {
    this.#emit('loupe-error', { message });
    return new TypeError(message);
  }

  /** The latest report (a copy), or null before any file is read. */
  report() {
    const r = this.#loupe && this.#loupe.report;
    return r ? structuredClone(r) : null;
  }

  /** The widget's configuration: attributes plus the period the user picked. */
  save() {
    const o = this.#loupe ? this.#loupe.options : { preset: 'default', custom: {}, granularity: 'month' };
    return {
      kpis: parseKpis(this.getAttribute('kpis')),
      period: periodAttr(o),
      granularity: o.granularity,
      theme: this.getAttribute('theme') || 'auto',
      locale: this.getAttribute('locale') || '',
      compact: this.hasAttribute('compact') && this.getAttribute('compact') !== 'false',
      drop: this.#dropEnabled(),
    };
  }

  /** Applies a save()d configuration; resolves once the report is recomputed. */
  async restore(config = {}) {
    this.#syncing = true;
    try {
      const set = (name, value) => (value === null || value === undefined || value === '' ? this.removeAttribute(name) : this.setAttribute(name, value));
      if ('kpis' in config) set('kpis', Array.isArray(config.kpis) ? config.kpis.join(',') : config.kpis);
      if ('period' in config) set('period', config.period);
      if ('granularity' in config) set('granularity', config.granularity);
      if ('theme' in config) set('theme', config.theme);
      if ('locale' in config) set('locale', config.locale);
      if ('compact' in config) set('compact', config.compact ? '' : null);
      if ('drop' in config) set('drop', config.drop ? '' : null);
    } finally {
      this.#syncing = false;
    }
    if (this.#loupe) {
      await this.#applyAttributes();
      await this.#loupe.recomputing;
    }
    return this.save();
  }

  /** Re-measures every chart. */
  resize() {
    for (const chart of this.shadowRoot.querySelectorAll('loupe-chart')) chart.resize();
  }
}

if (!customElements.get('loupe-dashboard')) customElements.define('loupe-dashboard', LoupeDashboard);
