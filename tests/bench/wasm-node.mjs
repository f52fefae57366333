// One run of the wasm engine under node for scripts/bench and scripts/profile-wasm (a process of
// its own, so its peak memory is its own): node wasm-node.mjs LOUPE_JS FILE OPTIONS_JSON [warm]
// Feeds the file in 1 MiB chunks exactly as the page's worker feeds a File, then asks for the
// report. Prints {init, ingest, report_seconds, total (seconds), peak_rss_mb, rows, report} as JSON.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { loadLoupe } from '../node/load.mjs';

const [loupeJs, file, options = '{}', warm] = process.argv.slice(2);
const CHUNK = 1 << 20;

const t0 = performance.now();
const M = await loadLoupe(dirname(resolve(loupeJs)));
// With a 4th argument `warm`: the page's warm-up first (web/warm-up.js), untimed.
if (warm === 'warm') await (await import('../../web/warm-up.js')).warmUp(M, () => false);
const t1 = performance.now();
const s = new M.Session();
const fd = openSync(file, 'r');
const buf = new Uint8Array(CHUNK);
const id = s.open(basename(file), statSync(file).size);  // as the page passes File.size
for (;;) {
  const n = readSync(fd, buf, 0, CHUNK, null);
  if (n === 0) break;
  s.feed(id, n === CHUNK ? buf : buf.subarray(0, n));
}
closeSync(fd);
const info = JSON.parse(s.finish(id));
const t2 = performance.now();
const report = JSON.parse(s.report(options));
const t3 = performance.now();
process.stdout.write(JSON.stringify({
  init: (t1 - t0) / 1000, ingest: (t2 - t1) / 1000, report_seconds: (t3 - t2) / 1000, total: (t3 - t1) / 1000,
  peak_rss_mb: process.resourceUsage().maxRSS / 1024, rows: info.rows, error: info.error || report.error || '',
  report,
}) + '\n');
