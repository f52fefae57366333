// The engine's Web Worker: owns one wasm Session, reads files in chunks, answers requests.
//
// Protocol (STYLE.md): every message is {id, type, data}. Requests from the page:
//   init                                  -> {version}
//   warmUp                                -> {state}  (see warm-up.js; once the page is idle)
//   add     {items: [{key, file} | {key, name, bytes: ArrayBuffer (transferred)}]}
//           progress messages {id, type: 'progress', data: {key, bytes, total, rows, done?, file?, error?}}
//           -> {files: [{key, inspect | error | cancelled}]}
//   cancel  {keys?: [key]}                 (no keys: every pending read) -> {}
//   remove  {fileId}                       -> {}
//   setKind {fileId, kind}                 -> {error}
//   setRole {fileId, role, column}         -> {error}
//   inspect                                -> {files: [...]}
//   report  {options}                      -> {report, inspect}
// Replies are {id, type: 'result', data} or {id, type: 'error', data: {message}}.
// Requests run one at a time in arrival order (the Session is not re-entrant), except
// cancel, which is handled at once so it can stop a read in progress, and init. Any request
// but init and warmUp stops a warm-up in progress.

import { CHUNK, feedFile } from './file-chunks.js';
import { warmUp } from './warm-up.js';

const PROGRESS_MS = 80;

let starting = null;
let engineModule = null; // for the warm-up's Session of its own
let queue = Promise.resolve();
const cancelled = new Set();
const reading = new Set();

/** Compiles and instantiates the engine as its bytes arrive (streaming) when the host says it is wasm. */
async function instantiate(response, imports, name) {
  const res = await response;
  if (!res.ok) throw new Error(`the engine (gen/${name}.wasm) is missing: HTTP ${res.status}`);
  if ((res.headers.get('Content-Type') || '').startsWith('application/wasm')) return WebAssembly.instantiateStreaming(res, imports);
  return WebAssembly.instantiate(await res.arrayBuffer(), imports);
}

// The threaded engine (gen/loupe-mt.*: the same engine, with a second thread for work that
// splits, see core's kpi/threads.h) needs memory shared between threads, which a page has only
// when it is cross-origin isolated (scripts/serve and the site's _headers send COOP and COEP).
// Elsewhere (the widget in a store's admin page, a host without those headers) and when the
// threaded engine fails to load, the single-threaded one (gen/loupe.*).
const THREADED = self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';

/** The engine's module: `threaded` or not, its glue and wasm fetched together. */
async function loadEngine(threaded) {
  const name = threaded ? 'loupe-mt' : 'loupe';
  // The wasm fetch starts with the glue's, not once the glue has loaded and asks for it.
  const response = fetch(new URL(`./gen/${name}.wasm`, import.meta.url));
  response.catch(() => {}); // reported by instantiate()
  const { default: createLoupe } = await (threaded ? import('./gen/loupe-mt.js') : import('./gen/loupe.js'));
  let fail;
  const failed = new Promise((_, reject) => (fail = reject));
  return Promise.race([failed, createLoupe({
    instantiateWasm(imports, receive) {
      instantiate(response, imports, name).then(({ instance, module }) => receive(instance, module), fail);
      return {};
    },
  })]);
}

/** The one Session, once the engine is instantiated; rejects if the engine cannot load. */
function engine() {
  starting ??= (async () => {
    let M = null;
    if (THREADED) {
      try {
        M = await loadEngine(true);
        self.loupeEngine = 'threaded';
      } catch (e) {
        console.warn(`Loupe: the threaded engine did not load (${(e && e.message) || e}); using the single-threaded one`);
      }
    }
    if (!M) {
      M = await loadEngine(false);
      self.loupeEngine = 'single';
    }
    self.loupeThreads = M.threads(); // for the tests and the bench
    engineModule = M;
    return new M.Session();
  })();
  return starting;
}

// Fetch and compile the engine now, while the page is still loading, not on its first request.
engine().catch(() => {});

// The warm-up (warm-up.js), which the page asks for once it is idle: any request but init
// stops it at its next step, or skips it when one came first; a big file that came first gets
// it before its finish() (see readOne). It runs to its end at most once. Its state is
// self.loupeWarmUp (waiting, running, done, stopped, failed: ...) for the bench and tests.
let stopWarmUp = false;
self.loupeWarmUp = 'waiting';

/** Runs the warm-up unless it ran to its end already; `stopped` as in warm-up.js. */
async function runWarmUp(stopped) {
  if (self.loupeWarmUp === 'done') return;
  self.loupeWarmUp = 'running';
  try {
    self.loupeWarmUp = (await warmUp(engineModule, stopped)) ? 'done' : 'stopped';
  } catch (e) {
    self.loupeWarmUp = `failed: ${(e && e.message) || e}`;
  }
  self.loupeWarmUpAt = performance.timeOrigin + performance.now();
}

// A file at least this big that came before the warm-up ran is warmed up for before its
// finish(): finish() and the report would otherwise run on baseline code to their end. The
// warm-up then costs about 0.3 s, and saves about 1.3 s at 400 MB.
const WARM_UP_BEFORE_FINISH = 64 << 20;

const parse = (json) => JSON.parse(json);

/**
 * Feeds an item's bytes to file `fileId`: a File as feedFile reads it, bytes in chunks.
 * Returns the parts it was read in (self.loupeReadParts, for the tests), 0 when stopped.
 */
async function feedItem(s, fileId, item, progress, stop) {
  if (item.file) return feedFile(engineModule, s, fileId, item.file, { progress, stop });
  const all = new Uint8Array(item.bytes);
  for (let i = 0; i < all.length; i += CHUNK) {
    if (stop()) return 0;
    const chunk = all.subarray(i, Math.min(all.length, i + CHUNK));
    progress(i + chunk.byteLength, s.feed(fileId, chunk));
  }
  return 1;
}

async function readOne(s, item, post) {
  const name = item.file ? item.file.name : item.name;
  const total = item.file ? item.file.size : item.bytes.byteLength;
  let fileId;
  try {
    fileId = s.open(name, total);
  } catch (e) {
    return { key: item.key, error: `could not open: ${e.message || e}` };
  }
  let bytes = 0;
  let rows = 0; // as the engine counts them: records, not lines
  let last = 0;
  reading.add(item.key);
  try {
    self.loupeReadParts = await feedItem(s, fileId, item, (fed, read) => {
      bytes = fed;
      rows = read;
      const now = performance.now();
      if (now - last >= PROGRESS_MS) {
        last = now;
        post({ key: item.key, bytes, total, rows });
      }
    }, () => cancelled.has(item.key));
  } catch (e) {
    reading.delete(item.key);
    try { s.remove(fileId); } catch { /* already gone */ }
    return { key: item.key, error: `could not read the file: ${e.message || e}` };
  }
  // Still a read in progress for cancel, which stops the warm-up at its next step.
  if (total >= WARM_UP_BEFORE_FINISH && !cancelled.has(item.key)) {
    await runWarmUp(() => cancelled.has(item.key));
  }
  reading.delete(item.key);
  if (cancelled.has(item.key)) {
    cancelled.delete(item.key);
    s.remove(fileId);
    post({ key: item.key, bytes, total, rows, cancelled: true });
    return { key: item.key, cancelled: true };
  }
  const inspect = parse(s.finish(fileId));
  post({ key: item.key, bytes: total, total, rows: inspect.rows, done: true });
  return { key: item.key, inspect };
}

const handlers = {
  async init() {
    await engine();
    return { ok: true };
  },
  async warmUp() {
    await engine();
    if (self.loupeWarmUp === 'waiting') await runWarmUp(() => stopWarmUp);
    return { state: self.loupeWarmUp };
  },
  async add({ items }, post) {
    const s = await engine();
    const files = [];
    for (const item of items) {
      if (cancelled.has(item.key)) {
        cancelled.delete(item.key);
        files.push({ key: item.key, cancelled: true });
        continue;
      }
      files.push(await readOne(s, item, post));
    }
    return { files };
  },
  async remove({ fileId }) {
    (await engine()).remove(fileId);
    return {};
  },
  async setKind({ fileId, kind }) {
    return { error: (await engine()).setKind(fileId, kind) };
  },
  async setRole({ fileId, role, column }) {
    return { error: (await engine()).setRole(fileId, role, column) };
  },
  async inspect() {
    return parse((await engine()).inspect());
  },
  async report({ options }) {
    const s = await engine();
    const report = parse(s.report(JSON.stringify(options || {})));
    return { report, inspect: parse(s.inspect()) };
  },
};

self.onmessage = (event) => {
  const { id, type, data } = event.data || {};
  if (type === 'cancel') {
    // Keys that are reading stop at the next chunk; queued ones are skipped when reached.
    const keys = data && data.keys ? data.keys : [...reading];
    for (const k of keys) cancelled.add(k);
    self.postMessage({ id, type: 'result', data: {} });
    return;
  }
  const handler = handlers[type];
  if (!handler) {
    self.postMessage({ id, type: 'error', data: { message: `unknown request ${type}` } });
    return;
  }
  const post = (progress) => self.postMessage({ id, type: 'progress', data: progress });
  const run = async () => {
    try {
      const result = await handler(data || {}, post);
      self.postMessage({ id, type: 'result', data: result });
    } catch (e) {
      self.postMessage({ id, type: 'error', data: { message: String((e && e.message) || e) } });
    }
  };
  // init only waits for the engine and never touches the Session: it does not queue behind
  // the warm-up, nor stop it.
  if (type === 'init') {
    run();
    return;
  }
  if (type !== 'warmUp') stopWarmUp = true;
  queue = queue.then(run);
};
