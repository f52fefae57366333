// Module worker of the bench page: the hardware reference and Loupe, each timed from the File
// to its result. Loupe is driven exactly as web/worker.js drives it: the page's warm-up first
// (web/warm-up.js, untimed, as the page runs it while idle), then the file read and fed to a
// wasm Session as the page does it (web/file-chunks.js: in two parts at once where the engine
// has two threads), then finish() and report().
import { fromLoupeReport } from './kpis.js';
import { feedFile, plainChunks } from '/web/file-chunks.js';
import { warmUp } from '/web/warm-up.js';

// File.stream() as the browser hands it out: a new chunk per read (the hardware reference).
const chunks = (file) => plainChunks(file.stream());

// File -> chunks -> copied into wasm memory -> SIMD newline count (tests/bench/newline.c).
async function reference(file, kernelUrl, mode) {
  const { instance } = await WebAssembly.instantiateStreaming(fetch(kernelUrl), {});
  const { memory, base, count } = instance.exports;
  const at = base();
  const ensure = (n) => {
    const need = at + n - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
  };
  ensure(16 << 20);
  const t0 = performance.now();
  let newlines = 0;
  let chunkCount = 0;
  const take = (bytes) => {
    ensure(bytes.length);
    new Uint8Array(memory.buffer, at, bytes.length).set(bytes);
    newlines += count(at, bytes.length);
    chunkCount++;
  };
  if (mode === 'stream') {
    for await (const c of chunks(file)) take(c);
  } else {
    const SLICE = 4 << 20;
    for (let i = 0; i < file.size; i += SLICE) take(new Uint8Array(await file.slice(i, i + SLICE).arrayBuffer()));
  }
  return { seconds: (performance.now() - t0) / 1000, newlines, chunks: chunkCount };
}

async function loupe(file, loupeUrl, options) {
  const t0 = performance.now();
  const { default: createLoupe } = await import(loupeUrl);
  const M = await createLoupe();
  const w0 = performance.now();
  await warmUp(M, () => false);
  const t1 = performance.now();
  const s = new M.Session();
  const id = s.open(file.name, file.size);
  const parts = await feedFile(M, s, id, file);
  const f0 = performance.now();
  const info = JSON.parse(s.finish(id));
  const t2 = performance.now();
  const report = JSON.parse(s.report(JSON.stringify(options)));
  const t3 = performance.now();
  s.delete();
  return {
    init: (w0 - t0) / 1000, warm_up: (t1 - w0) / 1000, ingest: (t2 - t1) / 1000, finish: (t2 - f0) / 1000,
    report_seconds: (t3 - t2) / 1000, seconds: (t3 - t1) / 1000, read_restarts: self.loupeReadRestarts || 0, parts,
    threads: M.threads(),
    rows: info.rows, error: info.error || report.error || '', kpis: report.error ? null : fromLoupeReport(report),
  };
}

// Two parts (bench.js, twoParts): each worker loads the engine and warms up, untimed.
let engine = null;
async function partsLoad(loupeUrl) {
  const { default: createLoupe } = await import(loupeUrl);
  engine = await createLoupe();
  await warmUp(engine, () => false);
  return {};
}

// The part's pieces, when the page hands them over.
let piecesCame = null;
self.addEventListener('message', ({ data }) => { if (data.pieces) piecesCame(data.pieces); });

async function partsFirst(file, split, options) {
  const t0 = performance.now();
  const pieces = new Promise((resolve) => { piecesCame = resolve; });
  const s = new engine.Session();
  const id = s.open(file.name, file.size);
  let spec = null;
  // The plain reader, not BYOB: with two workers reading slices of one file at once, a BYOB
  // read stalled for good in 2 of 6 runs on the 1M-row file (Chromium 156); plain reads
  // never did in 6.
  for await (const c of chunks(file.slice(0, split))) {
    s.feed(id, c);
    if (!spec) {
      spec = s.partSpec(id);
      self.postMessage({ spec }, [spec.buffer]);
    }
  }
  const t1 = performance.now();
  const part = await pieces;
  const t2 = performance.now();
  const took = s.takePart(id, part);
  if (!took) for await (const c of chunks(file.slice(split))) s.feed(id, c);
  const t3 = performance.now();
  const info = JSON.parse(s.finish(id));
  const t4 = performance.now();
  const report = JSON.parse(s.report(JSON.stringify(options)));
  const t5 = performance.now();
  s.delete();
  return {
    seconds: (t5 - t0) / 1000, read: (t1 - t0) / 1000, wait: (t2 - t1) / 1000, take: (t3 - t2) / 1000, took,
    finish: (t4 - t3) / 1000, report_seconds: (t5 - t4) / 1000,
    rows: info.rows, error: info.error || report.error || '', kpis: report.error ? null : fromLoupeReport(report),
  };
}

async function partsSecond(file, split, spec) {
  const s = new engine.Session();
  const id = s.openPart(file.name, spec, file.size - split);
  for await (const c of chunks(file.slice(split))) s.feed(id, c);
  const pieces = s.endPart(id);
  s.delete();
  return { pieces };
}

self.onmessage = async ({ data }) => {
  if (!data.tool) return;  // the pieces, taken above
  try {
    let result;
    if (data.tool === 'reference') result = await reference(data.file, data.kernelUrl, data.mode);
    else if (data.tool === 'loupe') result = await loupe(data.file, data.loupeUrl, data.options);
    else if (data.tool === 'parts-load') result = await partsLoad(data.loupeUrl);
    else if (data.tool === 'parts-first') result = await partsFirst(data.file, data.split, data.options);
    else if (data.tool === 'parts-second') result = await partsSecond(data.file, data.split, data.spec);
    else throw new Error(`unknown tool ${data.tool}`);
    self.postMessage({ ok: true, result }, result.pieces ? result.pieces.map((p) => p.buffer) : []);
  } catch (e) {
    self.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
};
