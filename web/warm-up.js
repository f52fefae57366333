// A head start for the engine, run in its worker while the page is idle.
//
// V8 compiles a wasm function when it is first called, with its baseline compiler, and
// optimises it only after it has run for a while; a call already running keeps the code it
// started with. The engine's one-off passes (finish(), the report's model, order statistics
// and fits) run once per file, so on a big file they would run on baseline code from start to
// end: a 5M-row CSV took 6.9 s under node, 5.9 s after reading and reporting a small file
// first. So once the page is idle (after its charts warmed up: on two cores the two would
// slow each other), the worker reads and reports a synthetic orders file, and reads a column
// of ids (idChunk), each in a Session of its own that it then deletes. A request stops it at
// its next step (see worker.js): a file that comes meanwhile waits for one step at most. A
// file of 64 MB or more that came first gets the warm-up after its read, before its finish().
//
// The orders file is read as the worker reads a user's file (feedFile), and reported twice
// (after one report, some of its one-off passes had not run long enough to be optimised).
// For the threaded engine it is big enough to take the paths a big file takes: read in two
// parts (from SECOND_FROM, 4 MiB), the later part taken from the second thread, and finished
// on both (from PARALLEL_FINISH_ROWS, 65,536 rows, in table.h). With the file of 20,000 rows
// read in one part and reported once, the first big file still ran code on its way to being
// optimised: in Chromium the real page took 0.19-0.21 s to report 1M rows the first time and
// 0.15 s with every function optimised at once (--no-wasm-dynamic-tiering), and 80-96 ms to
// take the later part of a 5M-row file; after this warm-up, 0.15-0.16 s and 42-49 ms.

import { feedFile, sliceChunks } from './file-chunks.js';

/**
 * Rows and customers of the orders file (about 3.3 orders a customer). For the threaded engine
 * (M.threads() >= 2) past 65,536 rows and 4 MiB; for the single-threaded one, which reads in
 * one part, fewer. (With 50,000 customers, so that finish() would also share the interning of
 * their ids between its threads, as at 5M rows, the real page was no faster.)
 */
export function warmUpShape(M) {
  return M.threads() >= 2 ? { rows: 70000, customers: 21000 } : { rows: 20000, customers: 6000 };
}
const ROWS_PER_CHUNK = 4000;

/**
 * Deterministic CSV chunks (mulberry32), shaped like an orders export, of `rows` rows and
 * `customers` customers (warmUpShape).
 * Skewed as in scripts/gen-orders.mjs (a few loyal customers order often, most once or
 * twice): with customers alike, the BG/NBD fit would find no interior optimum and stop there.
 */
export function* orderChunks(rows, customers) {
  let seed = 0x5eed;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (n) => Math.floor(rand() * n);
  const two = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
  const channels = ['web', 'mobile_app', 'marketplace', 'email', 'social'];
  const statuses = ['paid', 'paid', 'paid', 'fulfilled', 'refunded', 'cancelled'];
  const encoder = new TextEncoder();
  let text = 'order_id,customer_id,created_at,total,cost,channel,product,quantity,status,country\n';
  for (let i = 0; i < rows; i++) {
    const c = Math.floor(rand() ** 1.6 * customers);
    // Each customer spends around a level of their own (the Gamma-Gamma fit needs that too).
    const cents = Math.round((1 + (Math.imul(c, 0x9e3779b1) >>> 0) / 2 ** 30) * (500 + pick(5000)));
    text += `${100000 + i},C${100000 + c},${2023 + (i & 1)}-${two[1 + pick(12)]}-` +
      `${two[1 + pick(28)]}T${two[pick(24)]}:${two[pick(60)]}:${two[pick(60)]},` +
      `${(cents / 100).toFixed(2)},${(cents / 250).toFixed(2)},${channels[i % 5]},` +
      `Product ${100 + pick(150)},${1 + (i % 3)},${statuses[pick(6)]},${i % 7 ? 'US' : 'DE'}\n`;
    if ((i + 1) % ROWS_PER_CHUNK === 0 || i + 1 === rows) {
      yield encoder.encode(text);
      text = '';
    }
  }
}

// A column of ids with more distinct values than the engine interns as it reads (32,768):
// finish() interns such a column in a pass of its own (intern_entries in core/src/table.cpp),
// which the orders file above never reaches. Without this step a big file's customer ids went
// through that pass on baseline code: in a perf profile of the 5M-row CSV under node it was
// the one function still on Liftoff code, 8.6% of the run; with it, it is on TurboFan code.
const ID_ROWS = 48000;
const DISTINCT_IDS = 40000;

/** One CSV chunk: a customer_id column of DISTINCT_IDS distinct ids in scrambled order, of 6
 * bytes (W and five digits) and of 14, every sixth row a repeat. Written as bytes: as text it
 * took three times as long, on code not yet optimised. */
export function idChunk() {
  const header = 'customer_id\n';
  const suffix = new TextEncoder().encode('-long-id');
  const out = new Uint8Array(header.length + ID_ROWS * (7 + suffix.length));
  let at = 0;
  for (let i = 0; i < header.length; i++) out[at++] = header.charCodeAt(i);
  for (let i = 0; i < ID_ROWS; i++) {
    const k = i % 6 === 5 ? (i * 7) % Math.min(i, DISTINCT_IDS) : Math.min(i - Math.floor(i / 6), DISTINCT_IDS - 1);
    const n = (k * 7919) % 65537; // distinct for distinct k < 65537
    out[at++] = 87; // W
    out[at] = 48 + ((n / 10000) | 0);
    out[at + 1] = 48 + (((n / 1000) | 0) % 10);
    out[at + 2] = 48 + (((n / 100) | 0) % 10);
    out[at + 3] = 48 + (((n / 10) | 0) % 10);
    out[at + 4] = 48 + (n % 10);
    at += 5;
    if (k % 4 === 0) {
      out.set(suffix, at);
      at += suffix.length;
    }
    out[at++] = 10;
  }
  return out.subarray(0, at);
}

/**
 * Reads the synthetic orders file as a user's file is read (feedFile) and reports it twice, in
 * a Session of its own, then reads the id file in another. Between steps it yields to the
 * worker's events and gives up once `stopped()` is true. Resolves to whether it ran to the end.
 * @param {{Session: new () => object}} M the engine's module
 * @param {() => boolean} stopped
 */
export async function warmUp(M, stopped) {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 0));
  await pause();
  if (stopped()) return false;
  // A report of two rows first: what the engine's first report allocates and keeps then sits
  // at the bottom of its memory, not above the warm-up's file, where it split the memory freed
  // after it (a 5M-row file read after such a warm-up grew the heap by 110 MB more).
  {
    const t = new M.Session();
    const id = t.open('tiny.csv', 100);
    t.feed(id, new TextEncoder().encode('order_id,customer_id,created_at,total\n1,C1,2024-01-01,5.00\n2,C1,2024-02-01,6.00\n'));
    t.finish(id);
    t.report('{}');
    t.delete();
  }
  const s = new M.Session();
  try {
    const chunks = [];
    const { rows, customers } = warmUpShape(M);
    for (const chunk of orderChunks(rows, customers)) {
      await pause();
      if (stopped()) return false;
      chunks.push(chunk);
    }
    const file = new Blob(chunks, { type: 'text/csv' });
    const id = s.open('warm-up.csv', file.size);
    // From memory, by slices: not through a File's stream, nor its test hooks (fileChunks).
    if ((await feedFile(M, s, id, file, { stop: stopped, chunks: sliceChunks })) === 0) return false;
    for (const step of [() => s.finish(id), () => s.report('{}'), () => s.report('{}')]) {
      await pause();
      if (stopped()) return false;
      step();
    }
  } finally {
    s.delete();
  }
  await pause();
  if (stopped()) return false;
  const t = new M.Session();
  try {
    const bytes = idChunk();
    const id = t.open('ids.csv', bytes.length);
    t.feed(id, bytes);
    t.finish(id);
  } finally {
    t.delete();
  }
  return true;
}
