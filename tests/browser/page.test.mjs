// The page end to end with the demo store: cards get values, exports download, a mapping
// override changes numbers, themes switch, and the page talks to nobody but its own origin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useSite, openPage, waitForReport, cardValues } from './harness.mjs';

let s; // {page, requests, foreign, dialogs, errors, origin}
let loadedAt;

const site = useSite(async () => {
  s = await openPage(site.browser, site.server.url);
  await s.page.goto(site.server.url, { waitUntil: 'load' });
  loadedAt = s.requests.length;
});

test('the file input is reachable by its label "Choose files"', async () => {
  const input = s.page.getByLabel('Choose files');
  assert.equal(await input.getAttribute('type'), 'file');
  assert.equal(await input.evaluate((e) => e.multiple), true);
});

test('the page declares the Content-Security-Policy', async () => {
  const csp = await s.page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
  for (const part of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", "object-src 'none'"]) {
    assert.ok(csp.includes(part), `CSP lacks ${part}`);
  }
});

test('the demo loads and KPI cards have values', async () => {
  await s.page.getByRole('button', { name: 'Try with demo data' }).click();
  await waitForReport(s.page);
  const values = await cardValues(s.page);
  const ids = Object.keys(values);
  assert.ok(ids.length >= 20, `only ${ids.length} cards: ${ids.join(', ')}`);
  for (const id of ['revenue', 'orders', 'aov', 'active_customers', 'new_customers']) {
    assert.ok(values[id] !== undefined, `no ${id} card`);
    assert.ok(Number.isFinite(Number(values[id])) && values[id] !== '', `${id} has no value: "${values[id]}"`);
  }
  assert.ok(Number(values.revenue) > 0);
  // Every card's value is what the report says (value for ok cards, empty otherwise).
  const report = await s.page.evaluate(() => window.loupe.report);
  for (const [id, v] of Object.entries(values)) {
    const k = report.kpis[id];
    assert.equal(v, k.status === 'ok' && k.value !== null ? String(k.value) : '', id);
  }
  // The demo covers every dataset kind, so every section has cards.
  const sections = await s.page.$$eval('.kpi-section:not([hidden]) h2', (hs) => hs.map((x) => x.textContent));
  for (const title of ['Sales and loyalty', 'Acquisition', 'Retention and churn', 'Surveys', 'Support', 'Social']) {
    assert.ok(sections.includes(title), `section ${title} missing (have ${sections.join(', ')})`);
  }
  // Each file read into the kind the generator wrote.
  const kinds = await s.page.evaluate(() => window.loupe.fileList().map((f) => [f.name, f.inspect && f.inspect.kind]));
  const manifest = JSON.parse(readFileSync(new URL('../../web/gen/demo/manifest.json', import.meta.url)));
  for (const { file, kind } of manifest.files) {
    assert.deepEqual(kinds.find((k) => k[0] === file), [file, kind], `${file} detected as another kind`);
  }
});

test('unavailable and undefined cards say so instead of showing zero', async () => {
  const cards = await s.page.$$eval('[data-kpi][data-status="unavailable"], [data-kpi][data-status="undefined"]',
    (els) => els.map((e) => ({ value: e.dataset.value, text: e.querySelector('.card-value').textContent })));
  for (const c of cards) {
    assert.equal(c.value, '');
    assert.equal(c.text, '—');
  }
});

test('charts render from the report as they scroll into view', async () => {
  const { page } = s;
  const charts = await page.$$eval('[data-chart]', (els) => els.map((e) => e.dataset.chart));
  for (const id of ['revenue-trend', 'new-vs-returning', 'top-products', 'cohort-retention', 'nps-trend', 'nps-histogram',
    'csat-histogram', 'ces-histogram', 'resolution-histogram', 'acquisition-sources', 'cac-by-channel']) {
    assert.ok(charts.includes(id), `chart ${id} missing (have ${charts.join(', ')})`);
  }
  for (const id of charts.filter((c) => c !== 'at-risk')) {
    const panel = page.locator(`[data-chart="${id}"]`);
    await panel.scrollIntoViewIfNeeded();
    await panel.locator('loupe-chart canvas').first().waitFor({ timeout: 30000 });
  }
  // Each chart is fed by a dataset, with aria on.
  const opts = await page.$$eval('loupe-chart', (els) => els.map((e) => e.option.baseOption || e.option)
    .map((o) => ({ dataset: !!o.dataset, aria: o.aria.enabled })));
  for (const o of opts) assert.deepEqual(o, { dataset: true, aria: true });
  await page.evaluate(() => window.scrollTo(0, 0));
});

test('"How it’s computed" shows the actual numerator and denominator', async () => {
  const card = s.page.locator('[data-kpi="aov"]');
  await card.getByText('How it’s computed').click();
  const text = await card.locator('details.how').innerText();
  const k = await s.page.evaluate(() => window.loupe.report.kpis.aov);
  const n = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  assert.ok(text.includes(n.format(k.numerator)), `numerator ${k.numerator} not in: ${text}`);
  assert.ok(text.includes(n.format(k.denominator)), `denominator ${k.denominator} not in: ${text}`);
});

test('exports produce files: KPI CSV, report JSON, chart PNG', async () => {
  const { page } = s;
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'KPIs as CSV' }).click()]);
  assert.match(csv.suggestedFilename(), /^loupe-kpis.*\.csv$/);
  const csvText = readFileSync(await csv.path(), 'utf8');
  assert.match(csvText.split('\r\n')[0], /^kpi,section,title,value,unit,status/);
  assert.ok(csvText.includes('\r\nrevenue,'));

  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Report as JSON' }).click()]);
  assert.match(json.suggestedFilename(), /^loupe-report.*\.json$/);
  const report = JSON.parse(readFileSync(await json.path(), 'utf8'));
  assert.equal(report.kpis.revenue.value, await page.evaluate(() => window.loupe.report.kpis.revenue.value));

  const [png] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download “Revenue and orders” as PNG' }).click()]);
  assert.equal(png.suggestedFilename(), 'loupe-revenue-trend.png');
  const bytes = readFileSync(await png.path());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.ok(bytes.length > 5000, 'PNG suspiciously small');
});

test('a mapping override changes the numbers at once', async () => {
  const { page } = s;
  const before = await cardValues(page);
  const file = page.locator('li.file', { hasText: 'orders.csv' }).first();
  await file.locator('details.mapping > summary').click();
  // Use the Cost column as the order total: revenue must follow.
  await file.getByLabel('Cost', { exact: true }).selectOption('total');
  await page.waitForFunction((old) => {
    const el = document.querySelector('[data-kpi="revenue"]');
    return el && el.dataset.value !== old && !window.loupe.computing;
  }, before.revenue, { timeout: 30000 });
  await waitForReport(page);
  const after1 = await cardValues(page);
  assert.notEqual(after1.revenue, before.revenue);
  assert.ok(Number(after1.revenue) < Number(before.revenue), 'costs should sum to less than totals');
  // And back: map Total again.
  await file.getByLabel('Total', { exact: true }).selectOption('total');
  await page.waitForFunction((old) => document.querySelector('[data-kpi="revenue"]')?.dataset.value === old
    && !window.loupe.computing, before.revenue, { timeout: 30000 });
});

test('changing the kind of a file recomputes', async () => {
  const { page } = s;
  const file = page.locator('li.file', { hasText: 'marketing_spend.csv' }).first();
  const before = (await cardValues(page)).cac;
  await file.getByLabel('Kind').selectOption('traffic');
  await page.waitForFunction((old) => document.querySelector('[data-kpi="cac"]')?.dataset.value !== old && !window.loupe.computing,
    before, { timeout: 30000 });
  await file.getByLabel('Kind').selectOption('');
  await page.waitForFunction((old) => document.querySelector('[data-kpi="cac"]')?.dataset.value === old && !window.loupe.computing,
    before, { timeout: 30000 });
});

test('period presets and granularity change the report', async () => {
  const { page } = s;
  const before = await page.evaluate(() => window.loupe.report.period);
  await page.getByLabel('Period', { exact: true }).selectOption('all');
  await page.waitForFunction((from) => window.loupe.report.period.from !== from && !window.loupe.computing, before.from, { timeout: 30000 });
  const all = await page.evaluate(() => window.loupe.report.period);
  assert.ok(all.from < before.from);
  await page.getByLabel('Trend by').selectOption('quarter');
  await page.waitForFunction(() => window.loupe.report.granularity === 'quarter' && !window.loupe.computing, null, { timeout: 30000 });
  await page.getByLabel('Period', { exact: true }).selectOption('custom');
  await page.getByLabel('From', { exact: true }).fill('2024-01-01');
  await page.getByLabel('To', { exact: true }).fill('2024-03-31');
  await page.waitForFunction(() => window.loupe.report.period.from === '2024-01-01' && window.loupe.report.period.to === '2024-04-01',
    null, { timeout: 30000 });
  await page.getByLabel('Period', { exact: true }).selectOption('default');
  await page.getByLabel('Trend by').selectOption('month');
  await page.waitForFunction((from) => window.loupe.report.period.from === from && window.loupe.report.granularity === 'month'
    && !window.loupe.computing, before.from, { timeout: 30000 });
});

test('the theme switch applies dark colours', async () => {
  const { page } = s;
  await page.getByLabel('Theme').selectOption('dark');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(15, 18, 24)');
  await page.getByLabel('Theme').selectOption('light');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(244, 246, 250)');
});

test('every control is labelled', async () => {
  const unlabelled = await s.page.$$eval('select, input:not([type=hidden]), button', (els) => els
    .filter((e) => !e.closest('[hidden]'))
    .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
    .map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabelled, []);
});

test('no request leaves the page’s origin, and after load only its own assets are fetched', async () => {
  assert.deepEqual(s.foreign, []);
  for (const r of s.requests.slice(loadedAt)) {
    assert.ok(r.url.startsWith(`${s.origin}/`) || r.url.startsWith('blob:') || r.url.startsWith('data:'), `request to ${r.url}`);
  }
  assert.deepEqual(s.dialogs, []);
  assert.deepEqual(s.errors, []);
});
