// The engine's warm-up (web/warm-up.js): the page's worker reads and reports a small synthetic
// orders file while idle, so that the engine's one-off passes are optimised before a user's
// big file comes. It must be worth its time (a real orders file whose report runs every KPI
// family the orders feed, the predicted CLV fit included), stop at any step when asked, and
// leave the engine as it found it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLoupe, root } from './load.mjs';
import { idChunk, orderChunks, warmUp, warmUpShape } from '../../web/warm-up.js';

const M = await loadLoupe();

function read(s, name, chunks) {
  const id = s.open(name, chunks.reduce((n, c) => n + c.length, 0));
  for (const c of chunks) s.feed(id, c);
  return JSON.parse(s.finish(id));
}

test('the warm-up file is an orders export the whole report runs on, at both its sizes', () => {
  // The single-threaded engine's size, and the threaded engine's (warmUpShape): that one past
  // SECOND_FROM bytes, so that it is read in two parts, and past table.h's PARALLEL_FINISH_ROWS
  // (65,536) rows, so that finish() runs on both threads.
  assert.deepEqual(warmUpShape(M), { rows: 20000, customers: 6000 });
  const threaded = warmUpShape({ threads: () => 2 });
  for (const { rows, customers } of [warmUpShape(M), threaded]) {
    const chunks = [...orderChunks(rows, customers)];
    if (rows === threaded.rows) {
      assert.ok(chunks.reduce((n, c) => n + c.length, 0) >= M.SECOND_FROM);
      assert.ok(rows >= 65536);
    }
    check(chunks, rows);
  }
});

function check(chunks, rows) {
  const s = new M.Session();
  try {
    const info = read(s, 'warm-up.csv', chunks);
    assert.equal(info.kind, 'orders');
    assert.equal(info.rows, rows);
    assert.equal(info.skipped, 0);
    assert.deepEqual(info.missing, []);
    assert.equal(info.warning_count, 0);
    const report = JSON.parse(s.report('{}'));
    const clv = report.kpis.predicted_clv;
    assert.equal(clv.status, 'ok', JSON.stringify(clv).slice(0, 300));
    assert.ok(clv.repeat_customers > 1000, `repeat customers: ${clv.repeat_customers}`);
    for (const id of ['repeat_customer_rate', 'orders_per_active_customer', 'customer_retention_rate', 'historical_clv', 'cohort_retention']) {
      assert.equal(report.kpis[id].status, 'ok', `${id}: ${JSON.stringify(report.kpis[id]).slice(0, 200)}`);
    }
  } finally {
    s.delete();
  }
}

test('the id file reaches finish()\'s own interning pass: more distinct ids than are interned while reading', () => {
  const bytes = idChunk();
  const ids = new TextDecoder().decode(bytes).trimEnd().split('\n');
  assert.equal(ids.shift(), 'customer_id');
  assert.equal(ids.length, 48000);
  // table.cpp's DEFER_AFTER: past 32,768 distinct values a column's interning is left to finish().
  assert.ok(new Set(ids).size > 32768, `distinct: ${new Set(ids).size}`);
  // Short ids (carried whole in intern_entries' records) and long ones (compared by their bytes).
  assert.ok(ids.some((v) => v.length <= 8) && ids.some((v) => v.length > 8));
  // Not in ascending order, as customer ids come.
  assert.ok(ids.some((v, i) => i > 0 && v < ids[i - 1]));
  const s = new M.Session();
  try {
    const info = read(s, 'ids.csv', [bytes]);
    assert.equal(info.rows, 48000);
    assert.equal(info.skipped, 0);
    assert.equal(info.columns[0].role, 'customer_id');
  } finally {
    s.delete();
  }
});

test('the same bytes every time', () => {
  const { rows, customers } = warmUpShape({ threads: () => 2 });
  const a = Buffer.concat([...orderChunks(rows, customers)]);
  const b = Buffer.concat([...orderChunks(rows, customers)]);
  assert.ok(a.equals(b));
  assert.ok(Buffer.from(idChunk()).equals(Buffer.from(idChunk())));
});

test('stopped at any step, it returns false and leaves the engine working', async () => {
  const orders = join(root, 'tests/data/orders/store_orders.csv');
  const { readFileSync } = await import('node:fs');
  const bytes = new Uint8Array(readFileSync(orders));
  const reference = (() => {
    const s = new M.Session();
    read(s, 'store_orders.csv', [bytes]);
    const r = s.report('{}');
    s.delete();
    return r;
  })();
  let steps = 0;
  assert.equal(await warmUp(M, () => { steps++; return false; }), true);
  assert.ok(steps > 3, `checks: ${steps}`);
  for (let stopAt = 0; stopAt < steps; stopAt++) {
    let checks = 0;
    assert.equal(await warmUp(M, () => checks++ >= stopAt), false, `stopped at check ${stopAt}`);
    assert.equal(checks, stopAt + 1, 'it stops at the first check that says so');
  }
  // A session of the user's is not touched: the same report as before any warm-up.
  const s = new M.Session();
  read(s, 'store_orders.csv', [bytes]);
  assert.equal(s.report('{}'), reference);
  assert.equal(JSON.parse(s.inspect()).files.length, 1);
  s.delete();
});
