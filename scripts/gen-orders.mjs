#!/usr/bin/env node
// Deterministic orders file for benchmarks and large-input tests:
//   node scripts/gen-orders.mjs ROWS OUT.(csv|json|ndjson)
// Columns: order_id, customer_id, created_at (ISO timestamp), total, cost, channel, product,
// quantity, status, country; about 3.4 orders per customer over 2022-01-01 .. 2024-12-31.
// The same ROWS always gives the same bytes (own PRNG, no Math.random).
import { createWriteStream } from 'node:fs';

const [rowsArg, out] = process.argv.slice(2);
if (!rowsArg || !out) {
  console.error('usage: gen-orders.mjs ROWS OUT.(csv|json|ndjson)');
  process.exit(2);
}
const rows = Number(rowsArg);
const format = out.endsWith('.ndjson') ? 'ndjson' : out.endsWith('.json') ? 'json' : 'csv';

// mulberry32: small, fast, and the same on every platform.
let seed = 0x1005e;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const channels = ['web', 'mobile_app', 'marketplace', 'email', 'social', 'pos'];
const countries = ['US', 'GB', 'DE', 'FR', 'IT', 'RO', 'CN', 'ES', 'NL', 'CA'];
const statuses = ['paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'fulfilled',
  'fulfilled', 'refunded', 'cancelled', 'partially_refunded', 'pending'];
const products = Array.from({ length: 200 }, (_, i) => `Product ${String(i + 1).padStart(3, '0')}`);
const customers = Math.max(1, Math.round(rows / 3.4));
const start = Date.UTC(2022, 0, 1) / 1000;
const span = 3 * 365 * 86400;

const stream = createWriteStream(out);
let buf = '';
function write(s) {
  buf += s;
  if (buf.length > 1 << 20) {
    stream.write(buf);
    buf = '';
  }
}
const pad = (n) => String(n).padStart(2, '0');
function iso(t) {
  const d = new Date(t * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

if (format === 'csv') write('order_id,customer_id,created_at,total,cost,channel,product,quantity,status,country\n');
if (format === 'json') write('[\n');
for (let i = 0; i < rows; i++) {
  // Skewed customer choice: a few loyal customers order often, most order once or twice.
  const c = Math.floor(Math.pow(rand(), 1.6) * customers) + 1;
  const t = start + Math.floor(rand() * span);
  const quantity = 1 + Math.floor(Math.pow(rand(), 3) * 5);
  const total = Math.round((5 + rand() * 195) * quantity * 100) / 100;
  const cost = Math.round(total * (0.35 + rand() * 0.3) * 100) / 100;
  const rec = {
    order_id: 100000 + i,
    customer_id: `C${String(c).padStart(7, '0')}`,
    created_at: iso(t),
    total: total.toFixed(2),
    cost: cost.toFixed(2),
    channel: channels[Math.floor(rand() * channels.length)],
    product: products[Math.floor(Math.pow(rand(), 2) * products.length)],
    quantity,
    status: statuses[Math.floor(rand() * statuses.length)],
    country: countries[Math.floor(rand() * countries.length)],
  };
  if (format === 'csv') {
    write(`${rec.order_id},${rec.customer_id},${rec.created_at},${rec.total},${rec.cost},${rec.channel},${rec.product},${rec.quantity},${rec.status},${rec.country}\n`);
  } else {
    const line = `{"order_id":${rec.order_id},"customer_id":"${rec.customer_id}","created_at":"${rec.created_at}","total":${rec.total},"cost":${rec.cost},"channel":"${rec.channel}","product":"${rec.product}","quantity":${rec.quantity},"status":"${rec.status}","country":"${rec.country}"}`;
    write(format === 'json' ? (i ? ',\n' : '') + line : line + '\n');
  }
}
if (format === 'json') write('\n]\n');
stream.end(buf);
