// A file larger than what fits in the module's memory (4 GB, the most wasm32 can address).
// A one-column file of distinct 6-character texts costs about 27 bytes of table per 7-byte
// row while it is read (the text, its pool offset, its 4-byte code, the pool's hash and
// index slots, the line number), so 1 GB of file needs about 4 GB, and more while an array
// doubles: the memory runs out part way, operator new throws std::bad_alloc, and the
// session turns it into the file's error. (Numbers would not do: a column of small numbers
// costs about a byte a row.) The file is fed in 1 MB blocks, as the page would feed a 1 GB
// file, each block the next rows of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLoupe } from './load.mjs';

const M = await loadLoupe();

const enc = new TextEncoder();
const ORDERS = enc.encode(
  'order_id,customer_id,created_at,total,status\n' +
  '1,c1,2024-01-05,10.00,paid\n2,c2,2024-01-20,25.50,paid\n3,c1,2024-02-03,12.00,paid\n');
const PERIOD = JSON.stringify({ from: '2024-01-01', to: '2024-07-01' });

function add(s, name, bytes) {
  const id = s.open(name, bytes.length);
  s.feed(id, bytes);
  return [id, JSON.parse(s.finish(id))];
}

test('a 1 GB file that needs more than 4 GB fails cleanly and the module goes on', () => {
  const s = new M.Session();
  const [, orders] = add(s, 'orders.csv', ORDERS);
  assert.equal(orders.error, '');
  const expected = JSON.stringify(JSON.parse(s.report(PERIOD)).kpis);

  // Row n: a letter then five characters of 64 (n in base 64, 52 * 64^5 distinct texts).
  const DIGITS = enc.encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
  const ROW = 7;
  const block = new Uint8Array(Math.floor((1 << 20) / ROW) * ROW);
  const blocks = 1024;
  let n = 0;
  function nextBlock() {
    for (let at = 0; at < block.length; at += ROW, ++n) {
      let v = n;
      for (let k = 5; k >= 1; --k, v = Math.floor(v / 64)) block[at + k] = DIGITS[v % 64];
      block[at] = DIGITS[v % 52];
      block[at + 6] = 10;
    }
    return block;
  }
  const id = s.open('huge.csv', 2 + blocks * block.length);
  s.feed(id, enc.encode('a\n'));
  for (let i = 0; i < blocks; ++i) s.feed(id, nextBlock());
  const info = JSON.parse(s.finish(id));
  assert.equal(info.error, 'the file is too large for the memory available to this page');
  assert.equal(info.rows, 0);
  assert.equal(info.bytes, 2 + blocks * block.length);
  // The memory grew by gigabytes until a request could not fit under 4 GB (it never
  // shrinks), and all of it went back to malloc.
  assert.ok(M.HEAPU8.length > 2 ** 31, `wasm memory ${M.HEAPU8.length}`);
  assert.ok(M.heapInUse() < 64 * 2 ** 20, `${M.heapInUse()} bytes still in use`);

  // The report, and a file dropped afterwards, work as before.
  assert.equal(JSON.stringify(JSON.parse(s.report(PERIOD)).kpis), expected);
  const [again, more] = add(s, 'more_orders.csv', ORDERS);
  assert.equal(more.error, '');
  assert.equal(more.rows, 3);
  s.remove(again);
  s.remove(id);
  assert.equal(JSON.stringify(JSON.parse(s.report(PERIOD)).kpis), expected);
  s.delete();
});
