// Bad input through the wasm module, as the page feeds it (1 MB chunks): each file gets a
// clear message in its inspect JSON "error", and the other file and the report go on as if
// it had not been dropped. The native suite (tests/core/limits_test.cpp) covers more cases;
// these check that the module, with its 1 MB stack and 4 GB memory, behaves the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLoupe } from './load.mjs';

const M = await loadLoupe();

const enc = new TextEncoder();
const ORDERS = enc.encode(
  'order_id,customer_id,created_at,total,status\n' +
  '1,c1,2024-01-05,10.00,paid\n2,c2,2024-01-20,25.50,paid\n' +
  '3,c1,2024-02-03,12.00,paid\n4,c3,2024-03-11,40.00,cancelled\n');
const PERIOD = JSON.stringify({ from: '2024-01-01', to: '2024-07-01' });

function kpis(report) {
  return JSON.stringify(JSON.parse(report).kpis);
}

const expected = (() => {
  const s = new M.Session();
  const id = s.open('orders.csv', ORDERS.length);
  s.feed(id, ORDERS);
  s.finish(id);
  const r = kpis(s.report(PERIOD));
  s.delete();
  return r;
})();

// Drops the orders file, then `pieces` (Uint8Arrays, fed in order; a function yields them
// lazily) as `name`; returns the bad file's inspect object after checking the rest.
function dropNextToOrders(name, pieces) {
  const s = new M.Session();
  try {
    const orders = s.open('orders.csv', ORDERS.length);
    s.feed(orders, ORDERS);
    s.finish(orders);
    const id = s.open(name, 0);
    for (const p of typeof pieces === 'function' ? pieces() : pieces) s.feed(id, p);
    const info = JSON.parse(s.finish(id));
    assert.equal(info.rows, 0);
    const report = s.report(PERIOD);
    assert.equal(kpis(report), expected, 'the bad file changed the report');
    const files = JSON.parse(s.inspect()).files;
    assert.equal(files.length, 2);
    assert.equal(files[0].error, '');
    s.remove(id);
    assert.equal(kpis(s.report(PERIOD)), expected);
    return info;
  } finally {
    s.delete();
  }
}

function* repeated(head, block, times) {
  yield enc.encode(head);
  for (let i = 0; i < times; ++i) yield block;
}

test('a line of 100 MB', () => {
  const info = dropNextToOrders('big_line.csv', repeated('id,note\n1,', new Uint8Array(1 << 20).fill(120), 100));
  assert.equal(info.error, 'a field longer than 64 MB at line 2: is this a CSV file?');
});

test('a CSV with a million columns', () => {
  const header = Array.from({ length: 1e6 }, (_, i) => `c${i}`).join(',');
  const info = dropNextToOrders('wide.csv', [enc.encode(`${header}\n1,2,3\n`)]);
  assert.equal(info.error, 'more than 100000 columns at line 1: is this a CSV file?');
});

test('JSON nested 100,000 deep does not overflow the 1 MB wasm stack', () => {
  const depth = 100000;
  const text = '[' + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + ']';
  const info = dropNextToOrders('deep.json', [enc.encode(text)]);
  assert.equal(info.error, 'no record could be read: record 1 is nested deeper than 64 levels; skipped');
  const line = '{"a":' + '['.repeat(depth) + ']'.repeat(depth) + '}\n';
  assert.equal(dropNextToOrders('deep.ndjson', [enc.encode(line + line)]).error,
    'no record could be read: line 1 is nested deeper than 64 levels; skipped');
});

test('binary garbage', () => {
  let x = 88172645463325252n;
  const bytes = new Uint8Array(200000);
  for (let i = 0; i < bytes.length; ++i) {
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    bytes[i] = Number(x & 0xffn);
  }
  assert.notEqual(dropNextToOrders('garbage.csv', [bytes]).error, '');
});

test('an xlsx dropped by mistake', () => {
  const head = [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00];
  const bytes = new Uint8Array([...head, ...enc.encode('[Content_Types].xml'), ...new Uint8Array(5000).fill(1)]);
  assert.equal(dropNextToOrders('orders.xlsx', [bytes]).error,
    'this is an Excel file (.xlsx): save it as CSV and drop that');
});
