// The file list: progress while reading, then per file its detected kind, rows, skipped rows,
// warnings, errors, and the mapping review (kind and column roles as drop-downs), or, for a
// file that could not be read, why. Everything from the file (names, columns, warnings) goes
// in as text.

import { h, s, replace } from '../dom.js';
import { formatBytes, formatNumber } from '../format.js';
import { KINDS, ROLES, kindTitle, roleTitle } from '../kpi-meta.js';

// 'error' is a file nothing could be read from (the controller's status), whatever the cause.
const STATUS_TEXT = { queued: 'Waiting', reading: 'Reading', done: 'Read', error: 'Not read', cancelled: 'Cancelled' };

/**
 * Renders `loupe.fileList()` into `root`, keeping each file's element between renders so
 * progress updates are cheap and a focused drop-down keeps focus.
 */
export class FilesView {
  constructor(root, loupe) {
    this.root = root;
    this.loupe = loupe;
    this.items = new Map(); // key -> {el, parts, signature}
    this.messages = new Map(); // key -> last mapping error from the engine
    this.list = h('ul', { class: 'file-list', 'aria-label': 'Your files' });
    this.cancelAll = h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => this.loupe.cancel() }, 'Cancel all');
    this.count = h('span', { class: 'files-count muted' });
    // The list folds away (on phones, once everything is read without errors) to leave room for the dashboard.
    this.details = h('details', { class: 'files-details', open: true },
      h('summary', { class: 'files-head' }, h('h2', { id: 'files-title' }, 'Your files'), this.count), this.list);
    replace(root, h('div', { class: 'files-actions' }, this.cancelAll), this.details);
    this.wasReading = false;
    loupe.addEventListener('change', (e) => {
      if (e.detail.what === 'files' || e.detail.what === 'report') this.render();
    });
    this.render();
  }

  render() {
    const files = this.loupe.fileList();
    this.root.hidden = files.length === 0;
    const reading = this.loupe.reading;
    this.cancelAll.hidden = !reading;
    const rows = files.reduce((n, f) => n + (f.status === 'done' && f.inspect ? f.inspect.rows : 0), 0);
    this.count.textContent = `${files.length} file${files.length === 1 ? '' : 's'} · ${formatNumber(rows)} rows`;
    if (this.wasReading && !reading && !files.some((f) => f.error) && files.length > 2
      && typeof matchMedia === 'function' && matchMedia('(max-width: 760px)').matches) {
      this.details.open = false;
    }
    if (files.some((f) => f.error)) this.details.open = true;
    this.wasReading = reading;
    const seen = new Set();
    for (const f of files) {
      seen.add(f.key);
      let item = this.items.get(f.key);
      if (!item) {
        item = this.#create(f);
        this.items.set(f.key, item);
      }
      if (item.el.parentNode !== this.list || item.el !== this.list.children[files.indexOf(f)]) this.list.appendChild(item.el);
      this.#update(item, f);
    }
    for (const [key, item] of this.items) {
      if (!seen.has(key)) {
        item.el.remove();
        this.items.delete(key);
      }
    }
  }

  #create(f) {
    const name = h('span', { class: 'file-name', title: f.name }, f.name);
    const meta = h('span', { class: 'file-meta' });
    const status = h('span', { class: 'file-status' });
    const progress = h('progress', { max: 1, value: 0, 'aria-label': `Reading ${f.name}` });
    const progressText = h('span', { class: 'progress-text', 'aria-live': 'polite' });
    const cancel = h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Cancel reading ${f.name}`, onclick: () => this.loupe.cancel(f.key) }, 'Cancel');
    const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Remove ${f.name}`, onclick: () => this.loupe.removeFile(f.key) }, 'Remove');
    const progressRow = h('div', { class: 'progress-row' }, progress, progressText, cancel);
    const body = h('div', { class: 'file-body' });
    const el = h('li', { class: 'file', dataset: { key: f.key } },
      h('div', { class: 'file-head' }, fileIcon(), name, status, meta, remove),
      progressRow, body);
    return { el, parts: { name, meta, status, progress, progressText, cancel, remove, progressRow, body }, signature: '' };
  }

  #update(item, f) {
    const p = item.parts;
    const reading = f.status === 'queued' || f.status === 'reading';
    item.el.dataset.status = f.status;
    p.status.textContent = STATUS_TEXT[f.status] || f.status;
    p.status.className = `file-status status-${f.status}`;
    p.progressRow.hidden = !reading;
    p.remove.hidden = reading;
    p.meta.textContent = formatBytes(f.total);
    if (reading) {
      p.progress.max = Math.max(1, f.total);
      p.progress.value = f.bytes;
      p.progressText.textContent = `${formatBytes(f.bytes)} of ${formatBytes(f.total)} · ${formatNumber(f.rows)} rows`;
    }
    const signature = `${f.status}|${f.error}|${f.inspect ? JSON.stringify(f.inspect) : ''}|${this.messages.get(f.key) || ''}`;
    if (signature === item.signature) return;
    item.signature = signature;
    const focusKey = this.root.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    replace(p.body, this.#summary(f));
    if (focusKey) this.root.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  #summary(f) {
    // A file that was not read has nothing to review: its message only, no facts, kind or mapping.
    if (f.status === 'error') return h('p', { class: 'file-error', role: 'alert' }, f.error || 'This file could not be read.');
    if (!f.inspect) return null;
    const ins = f.inspect;
    const parts = [];
    const facts = [
      h('span', { class: 'fact' }, h('b', null, formatNumber(ins.rows)), ' rows'),
      ins.skipped ? h('span', { class: 'fact warn' }, h('b', null, formatNumber(ins.skipped)), ' skipped') : null,
      ins.format ? h('span', { class: 'fact' }, `${String(ins.format).toUpperCase()}${ins.delimiter && ins.format === 'csv' ? ` (${delimiterName(ins.delimiter)})` : ''}`) : null,
      ins.encoding ? h('span', { class: 'fact' }, ins.encoding) : null,
    ];
    const kindId = `kind-${f.key}`;
    const kindSelect = h('select', {
      id: kindId, 'data-focus-key': `${f.key}|kind`,
      onchange: async (e) => this.#apply(f.key, () => this.loupe.setKind(f.key, e.target.value)),
    },
    h('option', { value: '', selected: !ins.kind_forced }, ins.kind_forced ? 'Detect automatically' : `Detected: ${kindTitle(ins.kind)}`),
    Object.keys(KINDS).filter((k) => k !== 'unknown').map((k) => h('option', { value: k, selected: ins.kind_forced && ins.kind === k }, KINDS[k])));
    parts.push(h('div', { class: 'file-kind' },
      h('label', { for: kindId }, 'Kind'), kindSelect, h('span', { class: 'facts' }, facts)));

    if (ins.missing && ins.missing.length) {
      parts.push(h('p', { class: 'file-error' }, `Missing required column${ins.missing.length > 1 ? 's' : ''}: `,
        ins.missing.map((r) => roleTitle(r)).join(', '), '. Pick the column below.'));
    }
    const msg = this.messages.get(f.key);
    if (msg) parts.push(h('p', { class: 'file-error', role: 'alert' }, msg));

    if (ins.warning_count) {
      parts.push(h('details', { class: 'warnings' },
        h('summary', null, `${formatNumber(ins.warning_count)} warning${ins.warning_count > 1 ? 's' : ''}`),
        h('ul', null, (ins.warnings || []).map((w) => h('li', null, w.line ? `Line ${w.line}: ` : '', w.reason))),
        ins.warning_count > (ins.warnings || []).length ? h('p', { class: 'muted' }, `First ${(ins.warnings || []).length} shown.`) : null));
    }
    if (ins.columns && ins.columns.length) parts.push(this.#mapping(f, ins));
    return parts;
  }

  #mapping(f, ins) {
    const roles = ROLES[ins.kind] || [];
    const mapped = ins.columns.filter((c) => c.role).length;
    const open = this.openMappings?.has(f.key) || (ins.missing && ins.missing.length > 0);
    const body = h('div', { class: 'table-scroll' });
    const details = h('details', { class: 'mapping', open },
      h('summary', null, `Columns and roles (${mapped} of ${ins.columns.length} columns used)`), body);
    // The table (a drop-down per column) is built when first opened: most files never need it.
    const fill = () => body.childElementCount || body.appendChild(this.#mappingTable(f, ins, roles));
    if (open) fill();
    details.addEventListener('toggle', () => {
      this.openMappings ??= new Set();
      if (details.open) {
        fill();
        this.openMappings.add(f.key);
      } else {
        this.openMappings.delete(f.key);
      }
    });
    return details;
  }

  #mappingTable(f, ins, roles) {
    return h('table', null,
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Column'), h('th', { scope: 'col' }, 'Detected type'),
          h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Bad values'))),
        h('tbody', null, ins.columns.map((c, i) => {
          const id = `role-${f.key}-${i}`;
          const select = h('select', {
            id, 'data-focus-key': `${f.key}|role|${i}`, disabled: roles.length === 0,
            onchange: (e) => this.#apply(f.key, async () => {
              const role = e.target.value;
              let err = '';
              if (c.role) err = await this.loupe.setRole(f.key, c.role, '');
              if (!err && role) err = await this.loupe.setRole(f.key, role, c.name);
              return err;
            }),
          },
          h('option', { value: '', selected: !c.role }, '— not used —'),
          roles.map((r) => h('option', { value: r, selected: c.role === r }, roleTitle(r))));
          return h('tr', null,
            h('th', { scope: 'row' }, h('label', { for: id }, c.name)),
            h('td', null, [c.type, c.format].filter(Boolean).join(' · ')),
            h('td', null, select),
            h('td', { class: c.bad ? 'warn' : 'muted' }, formatNumber(c.bad || 0)));
        })));
  }

  async #apply(key, action) {
    let err = '';
    try {
      err = await action();
    } catch (e) {
      err = e.message;
    }
    if (err) this.messages.set(key, err);
    else this.messages.delete(key);
    this.render();
  }
}

function fileIcon() {
  return s('svg', { class: 'file-icon', viewBox: '0 0 16 20', 'aria-hidden': 'true' },
    s('path', { d: 'M2.5 1.5h7l4 4v13h-11z' }), s('path', { d: 'M9.5 1.5v4h4' }), s('path', { d: 'M5 10.5h6M5 13.5h6M5 16.5h4' }));
}

function delimiterName(d) {
  return { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' }[d] || `“${d}”`;
}
