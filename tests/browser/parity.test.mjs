// Card values on the page equal the native CLI's report for the same files: the page must
// show exactly what the engine computes, nothing rounded or invented on the way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { useSite, openPage, waitForReport, cardValues, nativeReport, demoDir, ROOT } from './harness.mjs';

const site = useSite();

/** Expected data-value of a card from a report KPI. */
const expected = (k) => (k.status === 'ok' && k.value !== null && k.value !== undefined ? String(k.value) : '');

async function compare(files) {
  const native = nativeReport(files);
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.getByLabel('Choose files').setInputFiles(files);
    await waitForReport(s.page);
    const values = await cardValues(s.page);
    assert.deepEqual(Object.keys(values).sort(), Object.keys(native.kpis).sort(), 'the page shows other KPIs than the CLI reports');
    for (const [id, k] of Object.entries(native.kpis)) {
      assert.equal(values[id], expected(k), `${id}: page ${values[id]} vs CLI ${expected(k)} (${k.status})`);
    }
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
