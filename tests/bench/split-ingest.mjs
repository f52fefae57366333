// Measures what two cores give the ingest (docs/benchmarks.md, "Two workers"): reads a CSV
// or NDJSON file with one wasm instance ("one"); or split in two at the first newline after
// its middle, each half in a worker thread with a wasm instance of its own, the CSV header fed
// to the second half first, the halves finished but not merged ("two": the upper bound); or,
// for a CSV file, in two parts merged as the engine does it (Session.partSpec, openPart,
// endPart, takePart: "parts"), the first instance then finishing the whole file. "two"
// ignores quotes: use it on files whose records hold no newline (the bench's generated
// files). Instances are loaded before the clock starts.
//
//   node tests/bench/split-ingest.mjs LOUPE_JS FILE one|two|parts
//
// Prints the wall time of the whole ingest, and per part its time (feed + finish), the time
// of finish() alone and the rows read; then the process's peak RSS.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLoupe } from '../node/load.mjs';

const CHUNK = 1 << 20;

/** Feeds bytes [from, to) of `file` to `s`'s file `id`, a chunk at a time; `after(s)` after each. */
function feedRange(s, id, file, from, to, after = () => {}) {
  const fd = openSync(file, 'r');
  const buf = new Uint8Array(CHUNK);
  for (let pos = from; pos < to;) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK, to - pos), pos);
    if (n === 0) break;
    s.feed(id, n === CHUNK ? buf : buf.subarray(0, n));
    pos += n;
    after(s);
  }
  closeSync(fd);
}

/** Reads bytes [from, to) of `file` into a new Session, after `header` if given. */
async function ingest({ loupeJs, file, from, to, header }) {
  const M = await loadLoupe(dirname(resolve(loupeJs)));
  const t0 = performance.now();
  const s = new M.Session();
  const id = s.open(basename(file), to - from + (header ? header.length : 0));
  if (header) s.feed(id, header);
  feedRange(s, id, file, from, to);
  const t1 = performance.now();
  const info = JSON.parse(s.finish(id));
  const t2 = performance.now();
  return { seconds: (t2 - t0) / 1000, finish: (t2 - t1) / 1000, rows: info.rows, error: info.error || '' };
}

/** "parts", first instance: reads up to `split`, takes the part, finishes. */
async function first({ loupeJs, file, split, size }) {
  const M = await loadLoupe(dirname(resolve(loupeJs)));
  let part;
  const partCame = new Promise((res) => parentPort.on('message', (m) => { if (m.part) res(m.part); }));
  await new Promise((res) => { parentPort.once('message', res); parentPort.postMessage({ ready: true }); });
  const t0 = performance.now();
  const s = new M.Session();
  const id = s.open(basename(file), size);
  let spec = null;
  feedRange(s, id, file, 0, split, () => {
    if (!spec) {
      spec = s.partSpec(id);
      parentPort.postMessage({ spec }, [spec.buffer]);
    }
  });
  const t1 = performance.now();
  part = await partCame;
  const t2 = performance.now();
  const took = s.takePart(id, part);
  part = null;
  if (!took) feedRange(s, id, file, split, size);
  const t3 = performance.now();
  const info = JSON.parse(s.finish(id));
  const t4 = performance.now();
  return { seconds: (t4 - t0) / 1000, finish: (t4 - t3) / 1000, rows: info.rows, error: info.error || '',
    detail: `read ${((t1 - t0) / 1000).toFixed(2)} s, waited ${((t2 - t1) / 1000).toFixed(2)} s, took ${took} in ${((t3 - t2) / 1000).toFixed(2)} s` };
}

/** "parts", second instance: reads from `split` with the first's spec, hands its rows over. */
async function second({ loupeJs, file, split, size }) {
  const M = await loadLoupe(dirname(resolve(loupeJs)));
  const spec = await new Promise((res) => { parentPort.once('message', (m) => res(m.spec)); parentPort.postMessage({ ready: true }); });
  const t0 = performance.now();
  const s = new M.Session();
  const id = s.openPart(basename(file), spec, size - split);
  feedRange(s, id, file, split, size);
  const part = s.endPart(id);
  const t1 = performance.now();
  parentPort.postMessage({ part, seconds: (t1 - t0) / 1000 }, part.map((p) => p.buffer));
}

if (!isMainThread) {
  if (workerData.role === 'first') parentPort.postMessage({ done: await first(workerData) });
  else if (workerData.role === 'second') await second(workerData);
  else parentPort.postMessage(await ingest(workerData));
} else {
  const [loupeJs, file, mode] = process.argv.slice(2);
  if (!loupeJs || !file || !['one', 'two', 'parts'].includes(mode)) {
    console.error('usage: node tests/bench/split-ingest.mjs LOUPE_JS FILE one|two|parts');
    process.exit(2);
  }
  const size = statSync(file).size;
  const inWorker = (data) => new Promise((res, rej) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: data });
    w.once('message', res);
    w.once('error', rej);
  });
  let t0 = performance.now();
  let parts;
  if (mode === 'parts') {
    const fd = openSync(file, 'r');
    const probe = Buffer.alloc(1 << 16);
    readSync(fd, probe, 0, probe.length, Math.floor(size / 2));
    closeSync(fd);
    const split = Math.floor(size / 2) + probe.indexOf(10) + 1;
    const url = fileURLToPath(import.meta.url);
    const a = new Worker(url, { workerData: { role: 'first', loupeJs, file, split, size } });
    const b = new Worker(url, { workerData: { role: 'second', loupeJs, file, split, size } });
    const ready = (w) => new Promise((res) => w.once('message', res));
    await Promise.all([ready(a), ready(b)]);
    t0 = performance.now();
    let secondSeconds = 0;
    const done = new Promise((res, rej) => {
      a.on('message', (m) => {
        if (m.spec) b.postMessage({ spec: m.spec }, [m.spec.buffer]);
        if (m.done) res(m.done);
      });
      b.on('message', (m) => {
        secondSeconds = m.seconds;
        a.postMessage({ part: m.part }, m.part.map((p) => p.buffer));
        b.terminate();
      });
      a.once('error', rej);
      b.once('error', rej);
    });
    a.postMessage({ go: true });
    const result = await done;
    a.terminate();
    parts = [result, { seconds: secondSeconds, finish: 0, rows: '-', error: '' }];
    console.log(result.detail);
  } else if (mode === 'one') {
    parts = [await inWorker({ loupeJs, file, from: 0, to: size })];
  } else {
    const fd = openSync(file, 'r');
    const head = Buffer.alloc(1 << 16);
    readSync(fd, head, 0, head.length, 0);
    const csv = !file.endsWith('.ndjson');
    const header = csv ? new Uint8Array(head.subarray(0, head.indexOf(10) + 1)) : undefined;
    const probe = Buffer.alloc(1 << 16);
    readSync(fd, probe, 0, probe.length, Math.floor(size / 2));
    closeSync(fd);
    const mid = Math.floor(size / 2) + probe.indexOf(10) + 1;
    parts = await Promise.all([
      inWorker({ loupeJs, file, from: 0, to: mid }),
      inWorker({ loupeJs, file, from: mid, to: size, header }),
    ]);
  }
  const wall = (performance.now() - t0) / 1000;
  console.log(`${mode}: wall ${wall.toFixed(2)} s; ${parts.map((p, i) =>
    `part ${i + 1} ${p.seconds.toFixed(2)} s (finish ${p.finish.toFixed(2)} s), ${p.rows} rows${p.error ? ` ERROR ${p.error}` : ''}`).join('; ')}; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}
