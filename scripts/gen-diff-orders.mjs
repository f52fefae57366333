#!/usr/bin/env node
// Deterministic orders export for the DuckDB differential test (tests/node/duckdb_diff.test.mjs):
//   node scripts/gen-diff-orders.mjs OUT.csv [SEED]
// A few thousand orders of ~1100 customers over 2021-07-01 .. 2024-06-30, in the shape of a
// real store export, with what METRICS.md has rules for:
// - line items: some orders span 2-4 rows with the same order id; total, refunded amount,
//   cost, status and channel only on the order's first row (and for a few orders the status or
//   channel only on a later row: the order takes the first non-empty value in file order);
// - statuses: empty, paid, fulfilled, pending, partially_refunded (valid, minus the refunded
//   amount), and cancelled/canceled/voided/failed/declined/refunded in several spellings;
// - refunded_amount on partially refunded and some paid orders, cost missing on some orders;
// - products with unit price and quantity (quantity empty on some lines: counts 1);
// - same-timestamp ties on customers' first orders, one id of 3 digits (9xx) and one of 5
//   (100xx, first in the file), channels differing: only the numeric tie-break (lower id)
//   picks the acquisition channel right; a few timestamps carry a UTC offset (ignored: the
//   date is the one written);
// - a few orders lacking a customer, a date or a total (dropped by the engine);
// - rows in no date order (orders shuffled).
// The same seed always gives the same bytes (own PRNG, no Math.random).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const COLUMNS = ['order_id', 'customer_id', 'created_at', 'total', 'refunded_amount', 'cost',
  'channel', 'status', 'product', 'quantity', 'unit_price'];

// mulberry32
function prng(seed) {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
function iso(sec) {
  const d = new Date(sec * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
const money = (x) => (Math.round(x * 100) / 100).toFixed(2);
function csvField(v) {
  const s = v == null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// Returns the rows (arrays of strings, in COLUMNS order) of the export, in file order.
export function generateRows(seed = 20240630) {
  const rand = prng(seed);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const channels = ['web', 'mobile_app', 'marketplace', 'email', 'social', 'pos'];
  const products = Array.from({ length: 40 }, (_, i) => ({
    name: `Product ${pad(i + 1, 2)}`,
    price: money(3 + ((i * 37) % 97) + rand() * 20),
  }));
  const start = Date.UTC(2021, 6, 1) / 1000;
  const end = Date.UTC(2024, 6, 1) / 1000;
  const day = 86400;

  // Orders before ids and shuffling: {cust, t, channel, status, lines, ...}
  const orders = [];
  const nCustomers = 1100;
  for (let c = 1; c <= nCustomers; c++) {
    const cust = `C${pad(c, 4)}`;
    const home = pick(channels);
    // Joins spread over the three years, a little denser later (a growing store).
    let t = start + Math.floor(Math.pow(rand(), 0.8) * (end - start - day));
    const loyal = rand() < 0.25;
    const n = loyal ? 3 + Math.floor(rand() * 12) : 1 + Math.floor(Math.pow(rand(), 2) * 3);
    for (let k = 0; k < n && t < end; k++) {
      orders.push({ cust, t, channel: rand() < 0.7 ? home : pick(channels) });
      t += Math.floor((loyal ? 10 : 60) * day * (0.05 + -Math.log(1 - rand())));
      if (rand() < 0.04) t = orders[orders.length - 1].t + Math.floor(rand() * 3) * 3600; // same day
    }
  }
  // The earliest and the latest order of all are plain valid ones, so "the data covers both
  // years" and the data's range have one reading.
  orders.push({ cust: 'C0001', t: start + 9 * 3600, channel: 'web', forceValid: true });
  orders.push({ cust: 'C0002', t: end - 5 * 3600, channel: 'pos', forceValid: true });

  const statuses = ['', '', 'paid', 'paid', 'paid', 'paid', 'paid', 'fulfilled', 'fulfilled', 'pending',
    'partially_refunded', 'partially_refunded', 'Partially_Refunded', 'cancelled', 'Canceled',
    'refunded', 'REFUNDED', ' voided ', 'failed', 'Declined'];
  for (const o of orders) {
    o.status = o.forceValid ? 'paid' : pick(statuses);
    const nLines = rand() < 0.22 ? 2 + Math.floor(rand() * 3) : 1;
    o.lines = [];
    let sum = 0;
    for (let i = 0; i < nLines; i++) {
      const p = products[Math.floor(Math.pow(rand(), 1.7) * products.length)];
      const q = 1 + Math.floor(Math.pow(rand(), 3) * 5);
      const qEmpty = q === 1 && rand() < 0.3;
      o.lines.push({ product: p.name, quantity: qEmpty ? '' : String(q), unit_price: p.price });
      sum += Number(p.price) * q;
    }
    const total = sum + (rand() < 0.5 ? 4.99 : 0);
    o.total = money(total);
    const st = o.status.trim().toLowerCase();
    if (st === 'partially_refunded') o.refunded = money(total * (0.1 + rand() * 0.5));
    else if (st === 'refunded') o.refunded = o.total;
    else if (rand() < 0.04) o.refunded = money(total * rand() * 0.3);
    else o.refunded = rand() < 0.5 ? '0' : '';
    o.cost = rand() < 0.85 ? money(total * (0.3 + rand() * 0.35)) : '';
  }

  // Same-timestamp ties on first orders: a second order at the very same timestamp, another
  // channel, and ids chosen below so that numeric and text order of the ids disagree.
  const firstOf = new Map();
  for (const o of orders) {
    const f = firstOf.get(o.cust);
    if (!f || o.t < f.t) firstOf.set(o.cust, o);
  }
  const ties = [];
  let tieCount = 0;
  for (const f of firstOf.values()) {
    if (f.forceValid || tieCount >= 24 || rand() > 0.06) continue;
    tieCount++;
    const twin = {
      cust: f.cust, t: f.t, channel: channels[(channels.indexOf(f.channel) + 1) % channels.length],
      status: 'paid', lines: [{ product: products[tieCount % products.length].name, quantity: '2',
        unit_price: products[tieCount % products.length].price }],
      refunded: '', cost: '5.00',
    };
    twin.total = money(2 * Number(twin.lines[0].unit_price));
    f.status = 'paid'; // both valid: the tie-break alone picks the first order
    ties.push([f, twin]);
    orders.push(twin);
  }

  // Shuffle the orders (Fisher-Yates): the file is in no date order.
  for (let i = orders.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [orders[i], orders[j]] = [orders[j], orders[i]];
  }
  // Ids: from 100 up in file order (skipping 900..999), except the tie pairs, which get one
  // id from 900..999 and one from 10000 up.
  let next = 100;
  const tieIds = new Set();
  ties.forEach(([a, b], i) => {
    const lower = 900 + i; // numerically lower, textually greater than "100xx"
    const higher = 10000 + i;
    if (rand() < 0.5) { a.id = lower; b.id = higher; } else { a.id = higher; b.id = lower; }
    tieIds.add(lower);
    tieIds.add(higher);
  });
  for (const o of orders) {
    if (o.id !== undefined) continue;
    while (tieIds.has(next) || (next >= 900 && next < 1000)) next++;
    o.id = next++;
  }
  // The tie's longer (textually smaller) id comes first in the file, so neither file order nor
  // text order of the ids gives the numeric tie-break's answer.
  for (const [a, b] of ties) {
    const [hi, lo] = a.id > b.id ? [a, b] : [b, a];
    const ih = orders.indexOf(hi);
    const il = orders.indexOf(lo);
    if (ih > il) {
      orders[ih] = lo;
      orders[il] = hi;
    }
  }

  const rows = [];
  let k = 0;
  for (const o of orders) {
    k++;
    let cust = o.cust;
    let created = iso(o.t);
    let total = o.total;
    // A few orders the engine drops: no customer, no date, or no total.
    if (!o.forceValid && !tieIds.has(o.id) && o.id % 211 === 7) cust = '';
    if (!o.forceValid && !tieIds.has(o.id) && o.id % 223 === 11) created = '';
    if (!o.forceValid && !tieIds.has(o.id) && o.id % 227 === 13) total = '';
    // A few timestamps carry an offset; the date as written counts.
    if (created && k % 97 === 5) created += pick(['Z', '+02:00', '-05:00']);
    // Line items: the status and/or channel only on a later row for some orders.
    const statusLate = o.lines.length > 1 && k % 5 === 0;
    const channelLate = o.lines.length > 1 && k % 7 === 0;
    o.lines.forEach((l, i) => {
      const first = i === 0;
      rows.push([
        String(o.id), cust, created,
        first ? total : '',
        first ? o.refunded : '',
        first ? o.cost : '',
        (first && !channelLate) || (i === 1 && channelLate) ? o.channel : '',
        (first && !statusLate) || (i === 1 && statusLate) ? o.status : '',
        l.product, l.quantity, l.unit_price,
      ]);
    });
  }
  return rows;
}

export function toCsv(rows, columns = COLUMNS) {
  return [columns, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, seed] = process.argv.slice(2);
  if (!out) {
    console.error('usage: gen-diff-orders.mjs OUT.csv [SEED]');
    process.exit(2);
  }
  writeFileSync(out, toCsv(generateRows(seed ? Number(seed) : undefined)));
}
