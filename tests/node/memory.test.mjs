// A removed file gives its memory back: loading and removing the same ~5 MB orders file 20
// times (as a user who drops, removes and drops again) must not make the module's memory
// grow. Three measures: the session's table bytes (Session.memory), malloc's bytes in use
// (heapInUse) and the wasm memory itself (it never shrinks, but must stop growing once the
// first load has sized it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLoupe, root } from './load.mjs';

const M = await loadLoupe();

// 60,000 rows of scripts/gen-orders.mjs: about 5 MB.
const dir = mkdtempSync(join(tmpdir(), 'loupe-memory-'));
const path = join(dir, 'orders.csv');
execFileSync(process.execPath, [join(root, 'scripts/gen-orders.mjs'), '60000', path]);
const bytes = readFileSync(path);
rmSync(dir, { recursive: true });

function load(s, name) {
  const id = s.open(name, bytes.length);
  const chunk = 1 << 20;  // what the page reads at a time
  for (let i = 0; i < bytes.length; i += chunk) s.feed(id, bytes.subarray(i, i + chunk));
  const info = JSON.parse(s.finish(id));
  assert.equal(info.error, '');
  assert.equal(info.kind, 'orders');
  return id;
}

test('the orders file is about 5 MB', () => {
  assert.ok(bytes.length > 4.5e6 && bytes.length < 6e6, `${bytes.length} bytes`);
});

test('loading and removing the same file 20 times does not grow memory', () => {
  const s = new M.Session();
  const heapBefore = M.heapInUse();
  const rounds = [];
  let report = null;
  for (let round = 0; round < 20; ++round) {
    const id = load(s, 'orders.csv');
    const tableBytes = s.memory();
    const r = s.report('{}');
    assert.doesNotMatch(r.slice(0, 20), /"error"/);
    if (report === null) report = r;
    else assert.equal(r, report, `round ${round}: the same file gives the same report`);
    s.remove(id);
    rounds.push({ tableBytes, afterRemove: s.memory(), heap: M.heapInUse(), wasm: M.HEAPU8.length });
  }
  s.delete();
  const first = rounds[0];
  assert.ok(first.tableBytes > bytes.length / 4, `tables hold ${first.tableBytes} bytes`);
  for (const [i, r] of rounds.entries()) {
    assert.equal(r.tableBytes, first.tableBytes, `round ${i}: same table size`);
    assert.equal(r.afterRemove, 0, `round ${i}: nothing left after remove`);
    // malloc is back to where it was before the file; a few KiB of slack for allocator
    // bookkeeping that a first use may keep.
    assert.ok(r.heap - heapBefore <= 64 * 1024,
      `round ${i}: ${r.heap - heapBefore} bytes still in use after remove`);
    assert.equal(r.wasm, first.wasm, `round ${i}: wasm memory grew to ${r.wasm} bytes`);
  }
  // The session itself is gone too.
  assert.ok(M.heapInUse() - heapBefore <= 64 * 1024);
});
