// Hostile and broken input: text from files is shown as text, a malformed file shows its
// error next to it while the others compute, and tooltips escape user strings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useSite, openPage, waitForReport, cardValues, tmp } from './harness.mjs';

const XSS = '<img src=x onerror=alert(1)>';

let dir;

const site = useSite(async () => {
  dir = tmp();
  const orders = (first) => {
    const rows = ['Order ID,Created At,Customer ID,Total,Product,Quantity,Source,"' + XSS + '"'];
    for (let i = 0; i < 60; i++) {
      const month = String(1 + (i % 12)).padStart(2, '0');
      rows.push(`${first + i},2024-${month}-${String(1 + (i % 27)).padStart(2, '0')} 10:00:00,C${first + (i % 17)},${(20 + i).toFixed(2)},"${i % 2 ? XSS : 'Tea'}",1,"${i % 3 ? XSS : 'Direct'}",x`);
    }
    return rows.join('\n') + '\n';
  };
  writeFileSync(join(dir, 'orders.csv'), orders(1000));
  writeFileSync(join(dir, `${XSS}.csv`), orders(5000));
  // Broken: JSON cut off in the middle, and bytes that are no text at all.
  writeFileSync(join(dir, 'broken.json'), '[{"order_id": 1, "customer_id": "A", "total": 12.5}, {"order_id": 2, "cust');
  writeFileSync(join(dir, 'garbage.bin'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
});

test('an XSS payload in a cell, a header and a file name shows as text', async () => {
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.getByLabel('Choose files').setInputFiles([join(dir, `${XSS}.csv`)]);
    await waitForReport(s.page);
    await s.page.locator('li.file details.mapping > summary').first().click();
    const text = await s.page.locator('body').innerText();
    assert.ok(text.includes(XSS), 'the payload is not shown literally');
    assert.equal(await s.page.locator('img[src="x"]').count(), 0, 'an <img> element was created from file text');
    // Tooltips of charts that show user strings escape them.
    const tooltip = await s.page.evaluate(async (xss) => {
      const { topProducts, acquisitionSources, LIGHT } = await import('./charts/options.js');
      const report = {
        kpis: {
          product_units: { top_by_revenue: [{ product: xss, units: 1, revenue: 2 }] },
          acquisition_sources: { by_channel: [{ channel: xss, new_customers: 1, share: 100, revenue: 2 }] },
        },
      };
      const a = topProducts(report, LIGHT).tooltip.formatter({ value: { product: xss, units: 1, revenue: 2 } });
      const b = acquisitionSources(report, LIGHT).tooltip.formatter([{ value: { channel: xss, new_customers: 1, share: 100, revenue: 2 } }]);
      return [a, b];
    }, XSS);
    for (const t of tooltip) {
      assert.ok(!t.includes('<img'), `unescaped tooltip: ${t}`);
      assert.ok(t.includes('&lt;img'), `tooltip lost the text: ${t}`);
    }
    await s.page.waitForTimeout(300);
    assert.deepEqual(s.dialogs, [], 'a dialog opened');
    assert.deepEqual(s.foreign, []);
  } finally {
    await s.context.close();
  }
});

test('a malformed file shows its error next to it and the others still compute', async () => {
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.getByLabel('Choose files').setInputFiles([join(dir, 'broken.json'), join(dir, 'orders.csv'), join(dir, 'garbage.bin')]);
    await waitForReport(s.page);
    // Bytes that are not text: the file's error is shown next to it.
    const garbage = s.page.locator('li.file', { hasText: 'garbage.bin' });
    const error = garbage.locator('.file-error').first();
    assert.ok(await error.isVisible(), 'garbage.bin shows no error');
    const message = (await error.innerText()).trim();
    const engineError = await s.page.evaluate(() => window.loupe.fileList().find((f) => f.name === 'garbage.bin').inspect.error);
    assert.ok(engineError.length > 5, 'the engine gave no error for garbage.bin');
    assert.equal(message, engineError);
    // JSON cut off mid-record: what could be read is kept, the rest is reported next to the file.
    const broken = s.page.locator('li.file', { hasText: 'broken.json' });
    const ins = await s.page.evaluate(() => window.loupe.fileList().find((f) => f.name === 'broken.json').inspect);
    assert.ok(ins.error || ins.warning_count > 0, 'the engine said nothing about broken.json');
    if (ins.error) {
      assert.equal((await broken.locator('.file-error').first().innerText()).trim(), ins.error);
    } else {
      await broken.locator('details.warnings > summary').click();
      const text = await broken.locator('details.warnings').innerText();
      assert.ok(text.includes(ins.warnings[0].reason), `warning not shown: ${text}`);
    }
    const good = s.page.locator('li.file', { hasText: 'orders.csv' });
    assert.equal(await good.locator('.file-error').count(), 0, 'the good file shows an error');
    const values = await cardValues(s.page);
    assert.ok(Number(values.orders) > 0, `orders card: ${values.orders}`);
    assert.ok(Number(values.revenue) > 0, `revenue card: ${values.revenue}`);
  } finally {
    await s.context.close();
  }
});

test('removing a file recomputes without it', async () => {
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.getByLabel('Choose files').setInputFiles([join(dir, 'orders.csv'), join(dir, `${XSS}.csv`)]);
    await waitForReport(s.page);
    const both = Number((await cardValues(s.page)).revenue);
    await s.page.getByRole('button', { name: `Remove ${XSS}.csv` }).click();
    await s.page.waitForFunction(() => window.loupe.files.size === 1 && !window.loupe.computing && !window.loupe.recomputing);
    await waitForReport(s.page);
    const one = Number((await cardValues(s.page)).revenue);
    assert.ok(one < both, `revenue ${one} after removing a file, ${both} before`);
  } finally {
    await s.context.close();
  }
});

test('files dropped anywhere on the page are read', async () => {
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    const text = readFileSync(join(dir, 'orders.csv'), 'utf8');
    // A drag of real File objects onto the footer, far from the drop zone.
    await s.page.evaluate((csv) => {
      const dt = new DataTransfer();
      dt.items.add(new File([csv], 'dropped.csv', { type: 'text/csv' }));
      const target = document.querySelector('footer');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }
    }, text);
    await waitForReport(s.page);
    const names = await s.page.evaluate(() => window.loupe.fileList().map((f) => f.name));
    assert.deepEqual(names, ['dropped.csv']);
    assert.ok(Number((await cardValues(s.page)).orders) > 0);
    assert.equal(await s.page.locator('#drop-overlay').isHidden(), true);
  } finally {
    await s.context.close();
  }
});
