// The threaded engine. scripts/serve sends COOP and COEP (as the site's _headers asks its host
// to), so the page is cross-origin isolated: its engine worker loads gen/loupe-mt.*, which has
// a second thread (a pool worker, loupe-mt.worker.js) and uses it for a big table's finish()
// (core's kpi/threads.h). Served without them (--no-isolation, as on a host without the
// headers, or the widget in a store's admin page), the page loads the single-threaded
// gen/loupe.*. Either way the cards are the CLI's.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { useSite, startServer, openPage, waitForReport, cardValues, nativeReport, expectCliCards, tmp, ROOT } from './harness.mjs';

const site = useSite(async (s) => {
  s.plain = await startServer({ args: ['--no-isolation'] });
});
after(() => site.plain?.stop());

// 100,000 rows: past PARALLEL_FINISH_ROWS (65,536), so finish() splits its columns.
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

async function run(url, { before, expectedErrors = null } = {}) {
  const { file, native } = data();
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
  assert.deepEqual(r.workers, ['loupe-mt.worker.js', 'worker.js']);
  assert.equal(r.rows, 100000);
});

test('without isolation the page reads with the single-threaded engine: the same cards', async () => {
  const r = await run(site.plain.url);
  assert.equal(r.isolated, false);
  assert.equal(r.engine, 'single');
  assert.equal(r.threads, 1);
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
