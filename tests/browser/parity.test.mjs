// Card values on the page equal the native CLI's report for the same files: the page must
// show exactly what the engine computes, nothing rounded or invented on the way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { useSite, openPage, waitForReport, cardValues, nativeReport, expectCliCards, demoDir, tmp, ROOT } from './harness.mjs';

const site = useSite();

async function compare(files) {
  const native = nativeReport(files);
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.getByLabel('Choose files').setInputFiles(files);
    await waitForReport(s.page);
    const values = await cardValues(s.page);
    assert.deepEqual(Object.keys(values).sort(), Object.keys(native.kpis).sort(), 'the page shows other KPIs than the CLI reports');
    expectCliCards(values, native);
    const page = await s.page.evaluate(() => window.loupe.report);
    assert.deepEqual(page.period, native.period);
    assert.deepEqual(page.previous, native.previous);
    assert.deepEqual(s.foreign, []);
    assert.deepEqual(s.errors, []);
    return { native, values };
  } finally {
    await s.context.close();
  }
}

test('the demo store: every card equals `build/loupe report`', async () => {
  const dir = demoDir();
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort().map((f) => join(dir, f));
  assert.equal(files.length, 9);
  const { values } = await compare(files);
  assert.ok(Number(values.revenue) > 0);
});

test('a real Shopify export: every card equals `build/loupe report`', async () => {
  await compare([join(ROOT, 'tests/data/shopify/orders_export.csv')]);
});

test('orders alone: every card equals `build/loupe report`', async () => {
  const dir = demoDir();
  await compare([join(dir, 'orders.csv')]);
});

// The engine's worker reads a File through a BYOB reader that refills one 1 MiB buffer, and
// through plain stream chunks where the browser's Blob streams have no BYOB reader. A file of
// several buffers is read both ways (the worker's getReader watched, and for the second read
// made to refuse BYOB as such a browser does, before the file comes): the same bytes reach the
// engine, so the cards are identical, and they are the CLI's. Against the CLI, numbers are
// compared to 1e-12 relative: the predicted CLV fit of a file this size ends in a last digit
// that differs between the native build (GCC, glibc) and the wasm build (clang, musl).
test('a 5 MB file read through one reused buffer and through plain chunks: the same cards, the CLI\'s', async () => {
  const file = join(tmp(), 'orders_60k.csv');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-orders.mjs'), '60000', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(statSync(file).size > 4 * (1 << 20), 'the file should span several 1 MiB reads');
  const native = nativeReport([file]);
  const read = async (refuseByob) => {
    const s = await openPage(site.browser, site.server.url);
    try {
      await s.page.goto(site.server.url);
      await s.page.evaluate(() => window.loupePageReady);
      const engine = s.page.workers().find((w) => w.url().endsWith('/worker.js'));
      assert.ok(engine, `no engine worker among ${s.page.workers().map((w) => w.url())}`);
      await engine.evaluate((refuse) => {
        self.readers = { byob: 0, plain: 0 };
        const getReader = ReadableStream.prototype.getReader;
        ReadableStream.prototype.getReader = function (options) {
          if (options && options.mode === 'byob') {
            if (refuse) throw new TypeError('this stream is not a byte stream');
            self.readers.byob++;
          } else {
            self.readers.plain++;
          }
          return getReader.call(this, options);
        };
      }, refuseByob);
      await s.page.getByLabel('Choose files').setInputFiles([file]);
      await waitForReport(s.page);
      const inspect = await s.page.evaluate(() => window.loupe.fileList()[0].inspect);
      assert.equal(inspect.rows + inspect.skipped, 60000);
      assert.deepEqual(s.foreign, []);
      assert.deepEqual(s.errors, []);
      return {
        values: await cardValues(s.page),
        readers: await engine.evaluate(() => self.readers),
        parts: await engine.evaluate(() => self.loupeReadParts),
      };
    } finally {
      await s.context.close();
    }
  };
  const byob = await read(false);
  const plain = await read(true);
  // Past SECOND_FROM, the threaded engine's page reads the file in two parts: a reader for
  // the file's start, then one for the rest of the first part and one for the later part.
  assert.equal(byob.parts, 2);
  assert.equal(plain.parts, 2);
  assert.deepEqual(byob.readers, { byob: 3, plain: 0 });
  assert.deepEqual(plain.readers, { byob: 0, plain: 3 });
  assert.deepEqual(plain.values, byob.values);
  assert.deepEqual(Object.keys(byob.values).sort(), Object.keys(native.kpis).sort());
  expectCliCards(byob.values, native, { tolerance: 1e-12 });
  assert.ok(Number(byob.values.orders) > 0);
});

test('a read that stalls is given up and the file read on from where it stopped: the same cards', async () => {
  // Chromium's BYOB read of a File's stream can stall for good (web/file-chunks.js); the
  // worker's hook makes the 3rd read of this 5 MB file stall the same way (a read of its first
  // part or of its later part: the page reads it in two).
  const file = join(tmp(), 'orders_60k_stall.csv');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-orders.mjs'), '60000', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const native = nativeReport([file]);
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.evaluate(() => window.loupePageReady);
    const engine = s.page.workers().find((w) => w.url().endsWith('/worker.js'));
    await engine.evaluate(() => { self.loupeStallRead = 3; });
    await s.page.getByLabel('Choose files').setInputFiles([file]);
    await waitForReport(s.page);
    assert.equal(await engine.evaluate(() => self.loupeReadRestarts), 1);
    const inspect = await s.page.evaluate(() => window.loupe.fileList()[0].inspect);
    assert.equal(inspect.rows + inspect.skipped, 60000);
    assert.equal(inspect.bytes, statSync(file).size);
    const values = await cardValues(s.page);
    expectCliCards(values, native, { tolerance: 1e-12 });
    assert.deepEqual(s.foreign, []);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
  }
});
