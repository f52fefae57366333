// The chart option builders are pure functions: run here in node, without a browser, on the
// engine's real report for the demo store (the wasm module, fed as the page feeds it). Every
// chart the dashboard shows must come from `dataset`, have aria on, and escape user text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { ROOT, demoDir } from './harness.mjs';

// web/gen (ECharts, which the builders import) is filled by the serve script, as for the page.
const prepared = spawnSync(join(ROOT, 'scripts/serve'), ['--prepare-only', ...(process.env.LOUPE_NO_BUILD ? ['--no-build'] : [])],
  { cwd: ROOT, encoding: 'utf8' });
assert.equal(prepared.status, 0, prepared.stderr);
const wasmDir = process.env.LOUPE_WASM_DIR || join(ROOT, 'build-wasm');
assert.ok(existsSync(join(wasmDir, 'loupe.wasm')), `${wasmDir}/loupe.wasm missing: run scripts/build-wasm`);

// Emscripten's ES module output reaches for CommonJS `require` and `__dirname` under node.
globalThis.require ??= createRequire(import.meta.url);
globalThis.__dirname ??= wasmDir;
const { default: createLoupe } = await import(join(wasmDir, 'loupe.js'));
const M = await createLoupe({ wasmBinary: readFileSync(join(wasmDir, 'loupe.wasm')) });
const { CHARTS, LIGHT, DARK, segmentRows } = await import('../../web/charts/options.js');
const { kpiCsv, orderedKpiIds } = await import('../../web/export.js');
const { delta } = await import('../../web/format.js');

function engineReport(files, options = {}) {
  const s = new M.Session();
  try {
    for (const f of files) {
      const bytes = readFileSync(f);
      const id = s.open(f.split('/').pop(), bytes.length);
      for (let i = 0; i < bytes.length; i += 65536) s.feed(id, bytes.subarray(i, i + 65536));
      s.finish(id);
    }
    return JSON.parse(s.report(JSON.stringify(options)));
  } finally {
    s.delete();
  }
}

const dir = demoDir();
const demo = engineReport(readdirSync(dir).filter((f) => f.endsWith('.csv')).map((f) => join(dir, f)));
const ordersOnly = engineReport([join(dir, 'orders.csv')]);

test('every chart builds from the demo report, fed by a dataset with aria on', () => {
  for (const theme of [LIGHT, DARK]) {
    for (const def of CHARTS) {
      const option = def.build(demo, theme);
      assert.ok(option, `${def.id}: no option for the demo store`);
      const base = option.baseOption || option;
      assert.ok(base.dataset && Array.isArray(base.dataset.source) && base.dataset.source.length > 0, `${def.id}: no dataset rows`);
      assert.equal(base.aria.enabled, true, `${def.id}: aria off`);
      assert.ok(Array.isArray(base.series) && base.series.length > 0, `${def.id}: no series`);
    }
  }
});

test('dataset rows carry the report values unchanged', () => {
  const revenue = CHARTS.find((c) => c.id === 'revenue-trend').build(demo, LIGHT);
  const byBucket = new Map(revenue.dataset.source.map((r) => [r.bucket, r.revenue]));
  for (const p of demo.series.revenue) assert.equal(byBucket.get(p.bucket), p.value);
  const nps = CHARTS.find((c) => c.id === 'nps-histogram').build(demo, LIGHT);
  assert.deepEqual(nps.dataset.source.map((r) => r.count), demo.kpis.nps.histogram);
  const seg = segmentRows(demo.kpis.nps);
  assert.ok(seg.length > 0 && seg.every((r) => typeof r.responses === 'number'));
});

test('a chart whose data is missing is left out, not drawn empty', () => {
  const shown = CHARTS.filter((def) => def.build(ordersOnly, LIGHT)).map((d) => d.id);
  for (const id of ['nps-trend', 'nps-histogram', 'csat-histogram', 'ces-histogram', 'resolution-histogram', 'sentiment-trend', 'cac-by-channel', 'lead-conversion']) {
    assert.ok(!shown.includes(id), `${id} built without its data`);
  }
  assert.ok(shown.includes('revenue-trend'));
  assert.equal(CHARTS.every((def) => def.build({ kpis: {}, series: {} }, LIGHT) === null), true);
});

test('tooltips escape text that came from files', () => {
  const xss = '<img src=x onerror=alert(1)>';
  const report = structuredClone(demo);
  report.kpis.product_units.top_by_revenue[0].product = xss;
  report.kpis.acquisition_sources.by_channel[0].channel = xss;
  report.kpis.cac.by_channel[0].channel = xss;
  const byId = Object.fromEntries(CHARTS.map((c) => [c.id, c.build(report, LIGHT)]));
  const row = (id, pred) => byId[id].dataset.source.find(pred);
  const top = byId['top-products'].tooltip.formatter({ value: row('top-products', (r) => r.product === xss) });
  const acq = byId['acquisition-sources'].tooltip.formatter([{ value: row('acquisition-sources', (r) => r.channel === xss) }]);
  const cac = byId['cac-by-channel'].tooltip.formatter([{ value: row('cac-by-channel', (r) => r.channel === xss) }]);
  for (const html of [top, acq, cac]) {
    assert.ok(!html.includes('<img'), html);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), html);
  }
});

test('the KPI CSV lists every KPI of the report in section order', () => {
  const lines = kpiCsv(demo).trimEnd().split('\r\n');
  assert.equal(lines.length, Object.keys(demo.kpis).length + 1);
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), orderedKpiIds(demo));
  assert.equal(orderedKpiIds(demo)[0], 'revenue');
});

test('deltas follow each KPI’s better direction', () => {
  assert.deepEqual(delta(12, 10, 'currency', true), { diff: 2, amount: 20, suffix: '%', direction: 'up', good: true });
  assert.equal(delta(12, 10, 'hours', false).good, false);
  assert.equal(delta(44, 40, '%', true).suffix, ' pp');
  assert.equal(delta(44, 40, '%', true).amount, 4);
  assert.equal(delta(5, null, 'count', true), null);
  assert.equal(delta(5, 0, 'count', true).amount, null);
});
