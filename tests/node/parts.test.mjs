// A CSV file read in two parts by two instances of the module (as two workers would):
// Session.partSpec, openPart, endPart and takePart carry bytes between instances (a part
// is an Array of pieces: its lines, then one per column), and the
// file's inspect and report are what one instance reading it whole gives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLoupe } from './load.mjs';

const first = await loadLoupe();
const second = await loadLoupe();

/** An orders export of about 300 KB; every 40th order has a note over three lines. */
function ordersCsv() {
  let s = 'order_id,customer_id,created_at,total,note\n';
  for (let i = 0; s.length < 300_000; ++i) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = String(1 + (i % 12)).padStart(2, '0');
    const note = i % 40 === 0 ? '"gift\nwrap it\nplease"' : 'none';
    s += `${1000 + i},C${(i * 7919) % 4001},2024-${month}-${day}T10:00:00,${(i % 300) + 0.5},${note}\n`;
  }
  return new TextEncoder().encode(s);
}

function readWhole(M, name, bytes) {
  const s = new M.Session();
  const id = s.open(name, bytes.length);
  s.feed(id, bytes);
  s.finish(id);
  return { inspect: s.inspect(), report: s.report('{}') };
}

/** The first instance takes its spec after 70 KB, the second reads from `split` on. */
function readInParts(name, bytes, split) {
  const a = new first.Session();
  const id = a.open(name, bytes.length);
  a.feed(id, bytes.subarray(0, 70_000));
  const spec = a.partSpec(id);
  assert.ok(spec instanceof Uint8Array && spec.length > 0);
  const b = new second.Session();
  const part = b.openPart(name, spec, bytes.length - split);
  for (let i = split; i < bytes.length; i += 65_536) {
    b.feed(part, bytes.subarray(i, Math.min(bytes.length, i + 65_536)));
  }
  const rows = b.endPart(part);
  assert.ok(Array.isArray(rows) && rows.length === 6 && rows.every((r) => r instanceof Uint8Array));
  a.feed(id, bytes.subarray(70_000, split));
  const took = a.takePart(id, rows);
  // Taken or not, the pieces were let go as they were copied in.
  assert.ok(rows.every((r) => r === undefined) || !took);
  if (!took) a.feed(id, bytes.subarray(split));
  a.finish(id);
  return { took, inspect: a.inspect(), report: a.report('{}') };
}

test('two instances read a file in two parts as one reads it whole', () => {
  const bytes = ordersCsv();
  const whole = readWhole(first, 'orders.csv', bytes);
  assert.equal(JSON.parse(whole.inspect).files[0].kind, 'orders');
  let refused = 0, taken = 0;
  // Line starts around the middle, some inside the notes' quotes.
  for (let i = 150_000; i < 153_000; ++i) {
    if (bytes[i - 1] !== 10) continue;
    const parts = readInParts('orders.csv', bytes, i);
    const inQuotes = bytes[i - 2] === 0x70 /* "gift\n" */ || bytes[i - 2] === 0x74 /* "wrap it\n" */;
    assert.equal(parts.took, !inQuotes, `split at ${i}`);
    if (parts.took) ++taken; else ++refused;
    assert.equal(parts.inspect, whole.inspect, `split at ${i}`);
    assert.equal(parts.report, whole.report, `split at ${i}`);
  }
  assert.ok(taken > 20 && refused >= 2, `${taken} taken, ${refused} refused`);
});

test('a JSON file has no spec: it is read by one instance', () => {
  const s = new first.Session();
  const id = s.open('orders.json', 0);
  s.feed(id, new TextEncoder().encode('[' + '{"id":1},'.repeat(9000) + '{"id":2}]'));
  assert.equal(s.partSpec(id).length, 0);
  s.finish(id);
});
