// The engine's warm-up (web/warm-up.js): once the page is idle, the worker reads and reports a
// small file of its own, so that a user's big file runs on optimised code. The user never sees
// it: no file, no report, nothing fetched, no error. A file that comes first is read at once,
// the warm-up then skipped, or run after the read and before finish() when the file is big.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { useSite, openPage, waitForReport, cardValues, nativeReport, tmp, warmUpEnds, ROOT } from './harness.mjs';

const site = useSite();
const ORDERS = join(ROOT, 'tests/data/orders/store_orders.csv');

test('an idle page warms the engine up unseen; a file read after it gives the CLI\'s cards', async () => {
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.evaluate(() => window.loupePageReady);
    const afterReady = s.requests.length;
    assert.equal((await warmUpEnds(s.page))[0].state, 'done');
    // Unseen: no file listed, no report, no dashboard, nothing fetched while it ran.
    assert.equal(await s.page.evaluate(() => window.loupe.files.size), 0);
    assert.equal(await s.page.evaluate(() => window.loupe.report), null);
    assert.equal(await s.page.locator('li.file').count(), 0);
    assert.deepEqual(s.requests.slice(afterReady).map((r) => r.url), []);
    await s.page.getByLabel('Choose files').setInputFiles([ORDERS]);
    await waitForReport(s.page);
    // The engine's Session holds the user's file alone.
    const engineFiles = await s.page.evaluate(async () => (await window.loupe.client.request('inspect')).files.map((f) => f.file));
    assert.deepEqual(engineFiles, ['store_orders.csv']);
    const native = nativeReport([ORDERS]);
    const values = await cardValues(s.page);
    assert.equal(Number(values.orders), native.kpis.orders.value);
    assert.equal(Number(values.revenue), native.kpis.revenue.value);
    assert.deepEqual(s.foreign, []);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
  }
});

test('a file chosen before the page is idle is read at once and the warm-up is skipped', async () => {
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    // Chosen as soon as the input takes files: before the charts' warm-up, so before the
    // page asks the engine for its own.
    await s.page.waitForFunction(() => performance.getEntriesByName('loupe-input-ready').length > 0);
    await s.page.getByLabel('Choose files').setInputFiles([ORDERS]);
    await waitForReport(s.page);
    await s.page.evaluate(() => window.loupePageReady);
    assert.equal((await warmUpEnds(s.page))[0].state, 'stopped');
    assert.equal(await s.page.evaluate(() => window.loupe.files.size), 1);
    assert.deepEqual(s.foreign, []);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
  }
});

test('a big file chosen before the page is idle is warmed up for before its finish()', async () => {
  // 80 MB: past the 64 MB from which the worker runs the warm-up itself after the read.
  const big = join(tmp(), 'orders_1m.csv');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-orders.mjs'), '1000000', big], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.waitForFunction(() => performance.getEntriesByName('loupe-input-ready').length > 0);
    await s.page.getByLabel('Choose files').setInputFiles([big]);
    await waitForReport(s.page, 300000);
    assert.equal((await warmUpEnds(s.page))[0].state, 'done');
    const engineFiles = await s.page.evaluate(async () => (await window.loupe.client.request('inspect')).files.map((f) => [f.file, f.rows]));
    assert.deepEqual(engineFiles, [['orders_1m.csv', 1000000]]);
    assert.ok(Number((await cardValues(s.page)).orders) > 0);
    assert.deepEqual(s.foreign, []);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
  }
});

test('each <loupe-dashboard> widget warms its engine up once the host page is idle', async () => {
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(new URL('examples/admin.html', site.server.url).href);
    await s.page.waitForFunction(() => document.querySelectorAll('loupe-dashboard').length === 2);
    const states = (await warmUpEnds(s.page, 2)).map((x) => x.state);
    assert.deepEqual(states, ['done', 'done']);
    assert.deepEqual(s.foreign, []);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
  }
});
