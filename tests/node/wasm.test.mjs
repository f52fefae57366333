// The wasm module must answer exactly as the native engine: for every fixture, inspect and
// report JSON from the module (fed in chunks, as the page feeds it) equal the native CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadLoupe } from './load.mjs';

const root = join(fileURLToPath(import.meta.url), '../../..');
const cli = join(root, 'build/loupe');
const M = await loadLoupe();

function fixtures(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...fixtures(p));
    else if (/\.(csv|tsv|txt|json|ndjson|jsonl)$/i.test(name) && statSync(p).size < 4 << 20) out.push(p);
  }
  return out;
}

function native(args) {
  try {
    return execFileSync(cli, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 }).trimEnd();
  } catch (e) {
    // Unreadable files exit non-zero but still print their JSON.
    return String(e.stdout).trimEnd();
  }
}

function wasmSession(files, chunk) {
  const s = new M.Session();
  for (const f of files) {
    const bytes = readFileSync(join(root, f));
    const id = s.open(f, bytes.length);
    for (let i = 0; i < bytes.length; i += chunk) s.feed(id, bytes.subarray(i, i + chunk));
    s.finish(id);
  }
  return s;
}

const files = fixtures(join(root, 'tests/data')).map((p) => relative(root, p));

test('there are fixtures to compare', () => {
  assert.ok(files.length >= 10, `only ${files.length} fixtures`);
});

for (const f of files) {
  test(`inspect and report equal native: ${f}`, () => {
    const s = wasmSession([f], 65536);
    try {
      assert.equal(s.inspect(), native(['inspect', f]));
      assert.equal(s.report('{}'), native(['report', f]));
    } finally {
      s.delete();
    }
  });
}

test('1-byte and 7-byte chunks give the same inspect JSON as one chunk', () => {
  for (const f of files.slice(0, 40)) {
    const whole = wasmSession([f], 1 << 30);
    const expected = whole.inspect();
    whole.delete();
    for (const chunk of [1, 7]) {
      const bytes = readFileSync(join(root, f));
      if (chunk === 1 && bytes.length > 20000) continue;
      const s = wasmSession([f], chunk);
      assert.equal(s.inspect(), expected, `${f} in ${chunk}-byte chunks`);
      s.delete();
    }
  }
});

test('feed returns the rows read so far, for progress', () => {
  // Records, not lines: a pretty-printed JSON array has several lines a record.
  const records = Array.from({ length: 20000 }, (_, i) => ({ order_id: i + 1, customer_id: `C${i % 777}`, total: 10 + (i % 50) }));
  const csv = 'order_id,customer_id,total\n' + records.map((r) => `${r.order_id},${r.customer_id},${r.total}`).join('\n') + '\n';
  for (const [name, text] of [['p.csv', csv], ['p.json', JSON.stringify(records, null, 2)]]) {
    const bytes = new TextEncoder().encode(text);
    const s = new M.Session();
    const id = s.open(name, bytes.length);
    let rows = 0;
    for (let i = 0; i < bytes.length; i += 4096) {
      const now = s.feed(id, bytes.subarray(i, i + 4096));
      assert.ok(now >= rows, `${name}: rows went back from ${rows} to ${now}`);
      rows = now;
    }
    const info = JSON.parse(s.finish(id));
    assert.equal(info.rows, 20000, name);
    // Only the last record may wait for the end of the file.
    assert.ok(rows >= 19999 && rows <= 20000, `${name}: fed ${rows}`);
    s.delete();
  }
});

test('report options reach the engine', () => {
  const orders = files.find((f) => /orders/.test(f) && f.endsWith('.csv'));
  assert.ok(orders, 'an orders fixture exists');
  const s = wasmSession([orders], 4096);
  const opts = { from: '2020-01-01', to: '2030-01-01', granularity: 'quarter' };
  const report = JSON.parse(s.report(JSON.stringify(opts)));
  assert.equal(report.period.from, '2020-01-01');
  assert.equal(report.granularity, 'quarter');
  assert.equal(
    s.report(JSON.stringify(opts)),
    native(['report', '--from', '2020-01-01', '--to', '2030-01-01', '--granularity', 'quarter', orders]),
  );
  assert.match(s.report('{"from":"nope"}'), /"error"/);
  s.delete();
});

test('a whole store of several files reports the same in wasm and natively', () => {
  const store = files.filter((f) => f.startsWith('tests/data/orders/'));
  assert.ok(store.length >= 5, 'the store fixtures exist');
  const s = wasmSession(store, 1000);
  const opts = ['--from', '2024-01-01', '--to', '2024-04-01'];
  const report = s.report(JSON.stringify({ from: '2024-01-01', to: '2024-04-01' }));
  assert.equal(report, native(['report', ...opts, ...store]));
  const parsed = JSON.parse(report);
  assert.equal(parsed.kpis.cac.value, 331);
  assert.equal(parsed.kpis.customer_churn_rate.basis, 'subscriptions');
  s.delete();
});

test('kind and role overrides give the same report as the CLI flags', () => {
  const f = 'tests/data/orders/store_orders.csv';
  const s = wasmSession([f], 4096);
  const id = JSON.parse(s.inspect()).files[0].id;
  assert.equal(s.setRole(id, 'channel', ''), '');
  assert.equal(s.setKind(id, 'orders'), '');
  assert.match(s.setRole(id, 'date', 'no such column'), /no column/);
  const report = s.report('{"from":"2024-01-01","to":"2024-04-01"}');
  assert.equal(report, native(['report', '--from', '2024-01-01', '--to', '2024-04-01',
    '--kind', `${f}=orders`, '--map', `${f}:channel=`, f]));
  assert.equal(JSON.parse(report).kpis.acquisition_sources.by_channel[0].channel, '(unknown)');
  s.delete();
});
