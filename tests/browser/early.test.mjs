// The page takes files before it is ready: boot.js, its first script, takes a file chosen or
// dropped while the dashboard's modules are still on their way and while the engine is still
// loading, the page shows it waiting, and it is read as soon as the engine is up. The test
// holds app.js and the engine's wasm module back to make those moments last.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useSite, openPage, waitForReport, ROOT } from './harness.mjs';

const site = useSite();
const ORDERS = join(ROOT, 'tests/data/orders/store_orders.csv');

/** A gate: `wait` resolves once `open()` is called. */
function gate() {
  let open;
  const wait = new Promise((resolve) => (open = resolve));
  return { wait, open };
}

test('a file chosen before the dashboard and the engine are ready waits, then is read', async () => {
  const s = await openPage(site.browser, site.server.url);
  const app = gate();
  const wasm = gate();
  const heldWasm = gate(); // the worker asked for the wasm module
  try {
    await s.context.route(/\/app\.js$/, async (route) => {
      await app.wait;
      await route.fallback();
    });
    await s.context.route(/\/gen\/loupe(-mt)?\.wasm$/, async (route) => {
      heldWasm.open();
      await wasm.wait;
      await route.fallback();
    });
    await s.page.goto(site.server.url, { waitUntil: 'commit' });
    await s.page.waitForFunction(() => performance.getEntriesByName('loupe-input-ready').length > 0);
    await s.page.getByLabel('Choose files').setInputFiles([ORDERS]);
    // Before app.js: boot.js keeps the file and says so.
    await s.page.waitForFunction(() => /1 file waiting/.test(document.getElementById('demo-status').textContent));
    assert.equal(await s.page.evaluate(() => typeof window.loupe), 'undefined', 'app.js ran though it was held');

    app.open();
    await s.page.waitForFunction(() => window.loupe && window.loupe.files.size === 1);
    await heldWasm.wait;
    // The dashboard's modules have run; the engine is still loading: the file shows as waiting.
    const li = s.page.locator('li.file');
    assert.equal(await li.getAttribute('data-status'), 'queued');
    assert.equal((await li.locator('.file-status').innerText()).trim(), 'Waiting');
    assert.equal(await s.page.evaluate(() => document.getElementById('demo-status').textContent), '');

    wasm.open();
    await waitForReport(s.page);
    const f = await s.page.evaluate(() => window.loupe.fileList().map((x) => ({ status: x.status, kind: x.inspect.kind, rows: x.inspect.rows })));
    assert.equal(f.length, 1, 'the file was read once');
    const engines = s.page.workers().filter((w) => w.url().endsWith('/worker.js'));
    assert.equal(engines.length, 1, 'start-engine.js and boot.js share one engine worker');
    assert.equal(f[0].status, 'done');
    assert.equal(f[0].kind, 'orders');
    assert.ok(f[0].rows > 0);
    assert.deepEqual(s.errors, []);
    assert.deepEqual(s.foreign, []);
  } finally {
    app.open();
    wasm.open();
    await s.context.close();
  }
});

test('a file dropped while the engine loads is read once it is up, and the page stays', async () => {
  const s = await openPage(site.browser, site.server.url);
  const wasm = gate();
  const heldWasm = gate();
  try {
    await s.context.route(/\/gen\/loupe(-mt)?\.wasm$/, async (route) => {
      heldWasm.open();
      await wasm.wait;
      await route.fallback();
    });
    await s.page.goto(site.server.url);
    await heldWasm.wait;
    const url = s.page.url();
    await s.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['order_id,customer_id,created_at,total\n1,A,2024-01-05,10\n2,A,2024-02-05,20\n3,B,2024-02-07,5\n'], 'dropped.csv', { type: 'text/csv' }));
      document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await s.page.waitForFunction(() => window.loupe.files.size === 1);
    assert.equal(await s.page.locator('li.file').getAttribute('data-status'), 'queued');
    wasm.open();
    await waitForReport(s.page);
    assert.equal(s.page.url(), url);
    const rows = await s.page.evaluate(() => window.loupe.fileList()[0].inspect.rows);
    assert.equal(rows, 3);
    assert.deepEqual(s.errors, []);
  } finally {
    wasm.open();
    await s.context.close();
  }
});
