// Measures what two cores could give the ingest (docs/benchmarks.md, "Two workers"): reads a
// CSV or NDJSON file with one wasm instance, or split in two at the first newline after its
// middle, each half in a worker thread with a wasm instance of its own (the CSV header fed to
// the second half first). The halves are read and finished, not merged: this is the upper
// bound of a two-worker ingest, not one. The split ignores quotes: use it on files whose
// records hold no newline (the bench's generated files).
//
//   node tests/bench/split-ingest.mjs LOUPE_JS FILE one|two
//
// Prints the wall time of the whole ingest, and per part its time (feed + finish), the time
// of finish() alone and the rows read; then the process's peak RSS.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLoupe } from '../node/load.mjs';

const CHUNK = 1 << 20;

/** Reads bytes [from, to) of `file` into a new Session, after `header` if given. */
async function ingest({ loupeJs, file, from, to, header }) {
  const M = await loadLoupe(dirname(resolve(loupeJs)));
  const t0 = performance.now();
  const s = new M.Session();
  const id = s.open(basename(file), to - from + (header ? header.length : 0));
  if (header) s.feed(id, header);
  const fd = openSync(file, 'r');
  const buf = new Uint8Array(CHUNK);
  for (let pos = from; pos < to;) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK, to - pos), pos);
    if (n === 0) break;
    s.feed(id, n === CHUNK ? buf : buf.subarray(0, n));
    pos += n;
  }
  closeSync(fd);
  const t1 = performance.now();
  const info = JSON.parse(s.finish(id));
  const t2 = performance.now();
  return { seconds: (t2 - t0) / 1000, finish: (t2 - t1) / 1000, rows: info.rows, error: info.error || '' };
}

if (!isMainThread) {
  parentPort.postMessage(await ingest(workerData));
} else {
  const [loupeJs, file, mode] = process.argv.slice(2);
  if (!loupeJs || !file || !['one', 'two'].includes(mode)) {
    console.error('usage: node tests/bench/split-ingest.mjs LOUPE_JS FILE one|two');
    process.exit(2);
  }
  const size = statSync(file).size;
  const inWorker = (data) => new Promise((res, rej) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: data });
    w.once('message', res);
    w.once('error', rej);
  });
  const t0 = performance.now();
  let parts;
  if (mode === 'one') {
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
