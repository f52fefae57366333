// The engine's warm-up (web/warm-up.js) must run the parts of a report that a store's first
// file runs: an orders file read in full, the orders KPIs and both predicted-CLV fits.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadLoupe } from './load.mjs';
import { warmUp, warmUpCsv } from '../../web/warm-up.js';

const M = await loadLoupe();

test('the warm-up file is an orders file the report uses in full', () => {
  const s = new M.Session();
  try {
    const id = s.open('warm-up.csv', 0);
    s.feed(id, warmUpCsv());
    const info = JSON.parse(s.finish(id));
    assert.equal(info.kind, 'orders');
    assert.equal(info.rows, 2000);
    assert.deepEqual(info.missing, []);
    const report = JSON.parse(s.report('{}'));
    const clv = report.kpis.predicted_clv;
    assert.equal(clv.status, 'ok', JSON.stringify(clv).slice(0, 200));
    assert.equal(typeof clv.previous, 'number', 'the previous period is fitted too');
    assert.equal(report.kpis.repeat_customer_rate.status, 'ok');
  } finally {
    s.delete();
  }
});

test('the warm-up leaves nothing behind', () => {
  warmUp(M); // the allocator's first growth happens here
  const before = M.heapInUse();
  warmUp(M);
  assert.equal(M.heapInUse(), before);
  assert.deepEqual(warmUpCsv(), warmUpCsv(), 'deterministic');
});
