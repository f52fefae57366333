// The dashboard's state, shared by the page and the widget: the files being read or read,
// the analysis options, the latest report. Talks to the engine worker through EngineClient
// and tells views what changed with a 'change' event (detail.what = 'files' | 'report' |
// 'options' | 'engine').

import { EngineClient } from './engine-client.js';
import { presetPeriod } from './period.js';

let keySeq = 0;
const newKey = () => `f${++keySeq}`;

/**
 * Why nothing could be read from a file, or '' when it was read. The engine names most
 * failures (an .xlsx archive, binary bytes); a file with no column at all is not read either,
 * though the engine gives no error for it (an empty file).
 */
function readError(inspect) {
  if (inspect.error) return inspect.error;
  if (inspect.columns && inspect.columns.length) return '';
  return inspect.bytes ? 'No columns could be read from this file.' : 'This file is empty.';
}

/** Records the engine's view of a read file: status 'error' when nothing could be read from it. */
function settle(f, inspect) {
  const error = readError(inspect);
  Object.assign(f, { status: error ? 'error' : 'done', inspect, rows: inspect.rows, error });
}

export class Loupe extends EventTarget {
  /**
   * @param {{workerUrl?: URL|string, client?: EngineClient}} options `client`: an engine
   *   already started (the page's, see boot.js); otherwise one is started on `workerUrl`.
   */
  constructor({ workerUrl, client = null } = {}) {
    super();
    this.client = client;
    this.workerUrl = workerUrl;
    this.engineError = null;
    /** @type {Map<string, object>} key -> file entry, in the order they were added */
    this.files = new Map();
    this.options = { preset: 'default', custom: {}, granularity: 'month', lifespanYears: 3 };
    this.report = null;
    this.reportError = null;
    this.computing = false;
    this.ready = this.#start();
    this.recomputing = null;
    this.dirty = false;
  }

  /** Requests the engine is taking that the next report must include (see recompute). */
  #changes = new Set();

  async #start() {
    try {
      this.client ??= new EngineClient(this.workerUrl);
      await this.client.init();
    } catch (e) {
      this.engineError = `The analytics engine could not start: ${e.message}`;
      this.#emit('engine');
      throw e;
    }
  }

  /**
   * Once the page is idle: the engine reads and reports a small file of its own, so that a big
   * file of the user's runs on optimised code from its start (web/warm-up.js). Any other
   * request stops it. Never rejects.
   */
  warmUpEngine() {
    return this.ready.then(() => this.client.warmUp()).catch(() => {});
  }

  #emit(what) {
    this.dispatchEvent(new CustomEvent('change', { detail: { what } }));
  }

  /** Files in the order they were added. */
  fileList() {
    return [...this.files.values()];
  }

  get reading() {
    return this.fileList().some((f) => f.status === 'queued' || f.status === 'reading');
  }

  /**
   * Reads files into the engine. Accepts File objects, or {name, bytes} (ArrayBuffer or
   * typed array; transferred to the worker). Resolves when all are read and the report is
   * recomputed.
   */
  async addFiles(inputs) {
    const items = [];
    for (const input of inputs) {
      const key = newKey();
      let item;
      if (typeof Blob !== 'undefined' && input instanceof Blob) {
        item = { key, file: input };
      } else {
        let bytes = input.bytes;
        if (ArrayBuffer.isView(bytes)) {
          bytes = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
            ? bytes.buffer
            : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        } else if (typeof bytes === 'string') {
          bytes = new TextEncoder().encode(bytes).buffer;
        }
        item = { key, name: input.name, bytes };
      }
      const total = item.file ? item.file.size : item.bytes.byteLength;
      this.files.set(key, {
        key, name: item.file ? item.file.name : item.name, total, bytes: 0, rows: 0,
        status: 'queued', inspect: null, error: '',
      });
      items.push(item);
    }
    this.#emit('files');
    try {
      await this.ready;
    } catch {
      for (const item of items) Object.assign(this.files.get(item.key), { status: 'error', error: this.engineError });
      this.#emit('files');
      return;
    }
    let result;
    try {
      result = await this.client.add(items, (p) => {
        const f = this.files.get(p.key);
        if (!f || f.status === 'cancelled') return;
        Object.assign(f, { status: p.done ? 'done' : 'reading', bytes: p.bytes, rows: p.rows });
        this.#emit('files');
      });
    } catch (e) {
      for (const item of items) {
        const f = this.files.get(item.key);
        if (f) Object.assign(f, { status: 'error', error: e.message });
      }
      this.#emit('files');
      return;
    }
    for (const r of result.files) {
      const f = this.files.get(r.key);
      if (!f) continue;
      if (r.cancelled) {
        this.files.delete(r.key);
      } else if (r.error) {
        Object.assign(f, { status: 'error', error: r.error });
      } else {
        f.bytes = f.total;
        settle(f, r.inspect);
      }
    }
    this.#emit('files');
    await this.recompute();
  }

  /** Stops reading one file (by key) or every file still being read. */
  async cancel(key) {
    const keys = key ? [key] : this.fileList().filter((f) => f.status === 'queued' || f.status === 'reading').map((f) => f.key);
    for (const k of keys) {
      const f = this.files.get(k);
      if (f) f.status = 'cancelled';
    }
    this.#emit('files');
    if (keys.length && this.client) await this.client.cancel(keys);
  }

  /** Removes a read file from the analysis. */
  async removeFile(key) {
    const f = this.files.get(key);
    if (!f) return;
    if (f.status === 'queued' || f.status === 'reading') return this.cancel(key);
    this.files.delete(key);
    this.#emit('files');
    if (f.inspect) {
      const removed = this.client.remove(f.inspect.id);
      await this.recompute(removed);
      await removed;
    }
  }

  /** Forces a file's kind ('' = detect again). Returns '' or the engine's error message. */
  async setKind(key, kind) {
    const f = this.files.get(key);
    const changed = this.client.setKind(f.inspect.id, kind);
    await this.recompute(changed);
    return (await changed).error;
  }

  /** Maps a role to a column ('' column = unmap). Returns '' or the engine's error message. */
  async setRole(key, role, column) {
    const f = this.files.get(key);
    const changed = this.client.setRole(f.inspect.id, role, column);
    await this.recompute(changed);
    return (await changed).error;
  }

  /** Changes analysis options: {preset, custom: {from, to}, granularity, lifespanYears}. */
  async setOptions(changes) {
    Object.assign(this.options, changes);
    this.#emit('options');
    await this.recompute();
  }

  /** The options object the engine's report() takes, for the current choices. */
  reportOptions() {
    const o = { granularity: this.options.granularity, lifespan_years: this.options.lifespanYears, customers: false };
    const range = this.report && this.report.range;
    const period = presetPeriod(this.options.preset, range, this.options.custom);
    if (period) Object.assign(o, period);
    return o;
  }

  /**
   * Recomputes the report for every read file. Calls that arrive while one is running
   * coalesce into one more run with the latest options. `change` is a request the engine is
   * taking (a file removed, a kind or a role set): the report is out of date from the moment
   * it is asked for, so the run counts as computing (the dashboard busy) while it waits for
   * every such change to settle, and only then asks for the report.
   */
  async recompute(change) {
    if (change) {
      this.#changes.add(change);
      const settled = () => this.#changes.delete(change);
      change.then(settled, settled);
    }
    if (this.recomputing) {
      this.dirty = true;
      return this.recomputing;
    }
    this.recomputing = (async () => {
      do {
        this.dirty = false;
        await this.#computeOnce();
      } while (this.dirty);
    })();
    try {
      await this.recomputing;
    } finally {
      this.recomputing = null;
    }
  }

  async #computeOnce() {
    if (this.#changes.size) {
      this.computing = true;
      this.#emit('report');
      await Promise.allSettled([...this.#changes]);
    }
    // Files the engine could not read give no data: alone, they make no report.
    const done = this.fileList().filter((f) => f.inspect && f.status === 'done');
    if (!done.length) {
      this.computing = false;
      this.report = null;
      this.reportError = null;
      this.#emit('report');
      return;
    }
    this.computing = true;
    this.#emit('report');
    try {
      const { report, inspect } = await this.client.report(this.reportOptions());
      // The range is only known after a first report; a preset that depends on it needs a second pass.
      const needsRange = !this.report && this.options.preset !== 'default' && this.options.preset !== 'custom';
      this.report = report;
      this.reportError = null;
      for (const ins of inspect.files || []) {
        const f = done.find((x) => x.inspect.id === ins.id);
        if (f) settle(f, ins);
      }
      if (needsRange) this.dirty = true;
    } catch (e) {
      this.reportError = e.message;
    } finally {
      this.computing = false;
    }
    this.#emit('files');
    this.#emit('report');
  }

  /** Fetches the demo store (same origin) named by baseUrl/manifest.json and reads it. */
  async loadDemo(baseUrl) {
    const base = new URL(baseUrl, document.baseURI);
    const res = await fetch(new URL('manifest.json', base));
    if (!res.ok) throw new Error(`demo data missing (${res.status}): run scripts/serve`);
    const manifest = await res.json();
    const files = await Promise.all(manifest.files.map(async ({ file }) => {
      const r = await fetch(new URL(file, base));
      if (!r.ok) throw new Error(`demo file ${file} missing (${r.status})`);
      return new File([await r.blob()], file, { type: 'text/csv' });
    }));
    await this.addFiles(files);
  }

  dispose() {
    this.client?.terminate();
  }
}
