// The threaded engine. scripts/serve sends COOP and COEP (as the site's _headers asks its host
// to), so the page is cross-origin isolated: its engine worker loads gen/loupe-mt.*, which has
// a second thread (a pool worker, loupe-mt.worker.js) and uses it to read a big file's later
// part (web/file-chunks.js, feedFile) and for a big table's finish() (core's
// kpi/threads.h). Served without them (--no-isolation, as on a host without the headers, or
// the widget in a store's admin page), the page loads the single-threaded gen/loupe.*. Either
// way the cards are the CLI's.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useSite, startServer, openPage, waitForReport, cardValues, nativeReport, expectCliCards, tmp, ROOT } from './harness.mjs';

const site = useSite(async (s) => {
  s.plain = await startServer({ args: ['--no-isolation'] });
});
after(() => site.plain?.stop());

// 100,000 rows: past PARALLEL_FINISH_ROWS (65,536), so finish() splits its columns; 8 MB, past
// the engine's SECOND_FROM (4 MiB), so the threaded engine reads it in two parts.
let file = null;
let native = null;
function data() {
  if (!file) {
    file = join(tmp(), 'orders_100k.csv');
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-orders.mjs'), '100000', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    native = nativeReport([file]);
  }
  return { file, native };
}

async function run(url, { before, expectedErrors = null, input = data() } = {}) {
  const { file, native } = input;
  const s = await openPage(site.browser, url);
  try {
    if (before) await before(s);
    await s.page.goto(url);
    await s.page.evaluate(() => window.loupePageReady);
    await s.page.getByLabel('Choose files').setInputFiles([file]);
    await waitForReport(s.page);
    const engine = s.page.workers().find((w) => w.url().endsWith('/worker.js'));
    const out = {
      isolated: await s.page.evaluate(() => self.crossOriginIsolated),
      engine: await engine.evaluate(() => self.loupeEngine),
      threads: await engine.evaluate(() => self.loupeThreads),
      parts: await engine.evaluate(() => self.loupeReadParts),
      workers: s.page.workers().map((w) => w.url().split('/').pop()).sort(),
      values: await cardValues(s.page),
      rows: await s.page.evaluate(() => window.loupe.fileList()[0].inspect.rows),
    };
    assert.deepEqual(Object.keys(out.values).sort(), Object.keys(native.kpis).sort());
    expectCliCards(out.values, native);
    assert.deepEqual(s.foreign, []);
    assert.deepEqual(s.errors.filter((e) => !expectedErrors?.test(e)), []);
    return out;
  } finally {
    await s.context.close();
  }
}

test('a cross-origin isolated page reads with the threaded engine: the CLI\'s cards', async () => {
  const r = await run(site.server.url);
  assert.equal(r.isolated, true);
  assert.equal(r.engine, 'threaded');
  assert.equal(r.threads, 2);
  assert.equal(r.parts, 2);
  assert.deepEqual(r.workers, ['loupe-mt.worker.js', 'worker.js']);
  assert.equal(r.rows, 100000);
});

// The later part begins at the first line start from the file's middle, which can lie inside
// a quoted field (a note of many lines): the engine refuses that part, and the worker reads
// its bytes itself.
test('a file whose middle is inside a quoted field is read again from there: the CLI\'s cards', async () => {
  const path = join(tmp(), 'orders_note.csv');
  const rows = (from, n) => Array.from({ length: n }, (_, i) => {
    const k = from + i;
    return `${100000 + k},C${String(k % 7919).padStart(5, '0')},2024-${String(1 + (k % 12)).padStart(2, '0')}-${String(1 + (k % 28)).padStart(2, '0')},${(10 + (k * 37) % 500) / 4},`;
  }).join('\n');
  const note = `"${Array.from({ length: 3000 }, (_, i) => `line ${i} of a long note`).join('\n')}"`;
  writeFileSync(path, `order_id,customer_id,created_at,total,note\n${rows(0, 90000)}\n${rows(90000, 1)}${note}\n${rows(90001, 90000)}\n`);
  const size = statSync(path).size;
  const middle = readFileSync(path).subarray(size / 2, size / 2 + 64).toString();
  assert.ok(middle.includes('of a long note'), 'the middle lies inside the note');
  const r = await run(site.server.url, { input: { file: path, native: nativeReport([path]) } });
  assert.equal(r.engine, 'threaded');
  assert.equal(r.parts, 1);
  assert.equal(r.rows, 180001);
});

// NDJSON and an array of records at the root, one record to a line, split as a CSV file is.
test('JSON files, NDJSON and an array of records, are read in two parts too: the CLI\'s cards', async () => {
  for (const name of ['orders_40k.ndjson', 'orders_40k.json']) {
    const path = join(tmp(), name);
    const g = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-orders.mjs'), '40000', path], { encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
    assert.ok(statSync(path).size > 4 * (1 << 20), 'past SECOND_FROM');
    const r = await run(site.server.url, { input: { file: path, native: nativeReport([path]) } });
    assert.equal(r.engine, 'threaded', name);
    assert.equal(r.parts, 2, name);
    assert.equal(r.rows, 40000, name);
  }
});

test('without isolation the page reads with the single-threaded engine: the same cards', async () => {
  const r = await run(site.plain.url);
  assert.equal(r.isolated, false);
  assert.equal(r.engine, 'single');
  assert.equal(r.threads, 1);
  assert.equal(r.parts, 1);
  assert.deepEqual(r.workers, ['worker.js']);
  assert.equal(r.rows, 100000);
});

test('an isolated page whose threaded engine fails to load reads with the single-threaded one', async () => {
  const r = await run(site.server.url, {
    before: (s) => s.context.route(/\/gen\/loupe-mt\.wasm$/, (route) => route.fulfill({ status: 404, body: 'gone' })),
    expectedErrors: /404/,  // the failed fetch, as the console reports it
  });
  assert.equal(r.isolated, true);
  assert.equal(r.engine, 'single');
  assert.equal(r.threads, 1);
  assert.equal(r.rows, 100000);
});
