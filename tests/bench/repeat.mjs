// Two builds of the wasm engine compared on one file, for changes too small for whole runs
// to show (whole runs under node vary by 3-5% from one to the next): the read, or the report,
// repeated in one process, warmed up as the page warms up. Run each build in turn, twice or
// more, and compare the medians.
//
//   node tests/bench/repeat.mjs DIR FILE read|report [N]
//
// DIR holds loupe.js and loupe.wasm (the single-threaded module: the file is fed from memory
// in 1 MiB chunks, as the page's worker feeds a File) or loupe-mt.js, loupe-mt.wasm and
// loupe-mt.worker.js (the threaded one: read with web/file-chunks.js' feedFile, in two parts
// when it is big enough, as the cross-origin isolated page reads it). `read` times open, feed
// and finish N times (default 5), a new session each; `report` reads once, then times N
// reports of that file. Prints {module, what, min, median, seconds} as JSON.
import { copyFileSync, existsSync, mkdtempSync, openAsBlob, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const [dirArg, file, what, nArg = '5'] = process.argv.slice(2);
const n = Number(nArg);
if (!dirArg || !file || !['read', 'report'].includes(what) || !(Number.isInteger(n) && n > 0)) {
  throw new Error('usage: node tests/bench/repeat.mjs DIR FILE read|report [N > 0]');
}
const name = existsSync(join(resolve(dirArg), 'loupe.js')) ? 'loupe' : 'loupe-mt';
const threaded = name === 'loupe-mt';
// The threaded glue starts its thread from loupe-mt.worker.js, a CommonJS script, which
// node would take for an ES module inside this repository (package.json says "module"):
// the three files are loaded from a copy outside it.
let dir = resolve(dirArg);
let copy = null;
if (threaded) {
  copy = mkdtempSync(join(tmpdir(), 'loupe-repeat-'));
  for (const f of ['loupe-mt.js', 'loupe-mt.wasm', 'loupe-mt.worker.js']) copyFileSync(join(dir, f), join(copy, f));
  dir = copy;
}
globalThis.__dirname ??= dir;
globalThis.require ??= createRequire(join(dir, `${name}.js`));
globalThis.self ??= globalThis;  // the threaded glue looks for a worker's global
const { default: create } = await import(join(dir, `${name}.js`));
const M = await create({
  wasmBinary: readFileSync(join(dir, `${name}.wasm`)),
  mainScriptUrlOrBlob: join(dir, `${name}.js`),  // where its threads load it from
});
await (await import('../../web/warm-up.js')).warmUp(M, () => false);
const { feedFile } = await import('../../web/file-chunks.js');
const bytes = threaded ? null : readFileSync(file);
const size = threaded ? (await openAsBlob(file)).size : bytes.length;

async function read(s) {
  const id = s.open(basename(file), size);
  if (threaded) {
    await feedFile(M, s, id, await openAsBlob(file));
  } else {
    const CHUNK = 1 << 20;
    for (let at = 0; at < size; at += CHUNK) s.feed(id, bytes.subarray(at, Math.min(size, at + CHUNK)));
  }
  const info = JSON.parse(s.finish(id));
  if (info.error) throw new Error(info.error);
}

const seconds = [];
if (what === 'read') {
  for (let i = 0; i < n; i++) {
    const s = new M.Session();
    const t = performance.now();
    await read(s);
    seconds.push((performance.now() - t) / 1000);
    s.delete();
  }
} else {
  const s = new M.Session();
  await read(s);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    s.report('{}');
    seconds.push((performance.now() - t) / 1000);
  }
  s.delete();
}
const sorted = [...seconds].sort((a, b) => a - b);
const round = (x) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({
  module: name, what, min: round(sorted[0]), median: round(sorted[sorted.length >> 1]),
  seconds: seconds.map(round),
}));
// The threaded module's thread is a worker that would keep node running: ended here.
if (threaded) M.PThread.terminateAllThreads();
if (copy) rmSync(copy, { recursive: true, force: true });
