// One run of the wasm engine under node for scripts/profile-wasm: the page's warm-up
// (web/warm-up.js), then FILE fed in 1 MiB chunks, finish() and report(), as the page's worker
// runs them. Prints the phases' seconds. node profile-run.mjs DIR FILE [REPORTS]
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { loadLoupe } from '../node/load.mjs';
import { warmUp } from '../../web/warm-up.js';

const [dir, file, reports = '1'] = process.argv.slice(2);
const M = await loadLoupe(resolve(dir));
await warmUp(M, () => false);
const s = new M.Session();
const id = s.open(basename(file), statSync(file).size);
const fd = openSync(file, 'r');
const buf = new Uint8Array(1 << 20);
const seconds = (from) => ((performance.now() - from) / 1000).toFixed(2);
let t = performance.now();
for (;;) {
  const n = readSync(fd, buf, 0, buf.length, null);
  if (n === 0) break;
  s.feed(id, n === buf.length ? buf : buf.subarray(0, n));
}
closeSync(fd);
const phases = [`feed ${seconds(t)}`];
t = performance.now();
s.finish(id);
phases.push(`finish ${seconds(t)}`);
for (let i = 0; i < Number(reports); i++) {
  t = performance.now();
  s.report('{}');
  phases.push(`report ${seconds(t)}`);
}
s.delete();
console.log(phases.join(', '));
