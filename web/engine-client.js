// Main-thread side of the engine worker: one Worker, created once, spoken to with
// {id, type, data} messages (see worker.js). Every request returns a promise; progress
// messages go to the request's onProgress callback.

export class EngineClient {
  /**
   * @param {URL|string} workerUrl defaults to worker.js next to this module
   * @param {Worker} [worker] a worker already started on it (the page's, see start-engine.js)
   */
  constructor(workerUrl = new URL('./worker.js', import.meta.url), worker = null) {
    this.worker = worker || new Worker(workerUrl, { type: 'module', name: 'loupe-engine' });
    this.nextId = 1;
    this.pending = new Map();
    this.worker.onmessage = (e) => this.#receive(e.data);
    this.worker.onerror = (e) => {
      // A worker that fails to load (missing engine build, syntax error) rejects everything.
      e.preventDefault?.();
      const err = new Error(e.message || 'the engine worker failed to start');
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.failed = err;
    };
    this.worker.onmessageerror = () => {};
  }

  #receive({ id, type, data }) {
    const p = this.pending.get(id);
    if (!p) return;
    if (type === 'progress') {
      p.onProgress?.(data);
      return;
    }
    this.pending.delete(id);
    if (type === 'error') p.reject(new Error(data.message));
    else p.resolve(data);
  }

  /**
   * Sends one request. `transfer` lists ArrayBuffers handed over to the worker (not copied).
   * @returns {Promise<any>} the reply's data; rejects with the worker's error message
   */
  request(type, data = {}, { transfer = [], onProgress } = {}) {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, type, data }, transfer);
    });
  }

  /** Resolves once the engine is instantiated; one request however often it is called. */
  init() {
    this.initialized ??= this.request('init');
    return this.initialized;
  }

  /** Lets the engine warm up on a small file of its own (worker.js): ask once the page is idle. */
  warmUp() {
    return this.request('warmUp');
  }

  /** items: [{key, file}] or [{key, name, bytes: ArrayBuffer}] (bytes are transferred). */
  add(items, onProgress) {
    const transfer = items.filter((i) => i.bytes).map((i) => i.bytes);
    return this.request('add', { items }, { transfer, onProgress });
  }

  cancel(keys) {
    return this.request('cancel', keys ? { keys } : {});
  }

  remove(fileId) {
    return this.request('remove', { fileId });
  }

  setKind(fileId, kind) {
    return this.request('setKind', { fileId, kind });
  }

  setRole(fileId, role, column) {
    return this.request('setRole', { fileId, role, column });
  }

  report(options) {
    return this.request('report', { options });
  }

  terminate() {
    this.worker.terminate();
    const err = new Error('the engine was stopped');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.failed = err;
  }
}
