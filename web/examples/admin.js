// The fake admin's script: one widget fed by files (an upload button and the demo CSVs),
// one fed by the admin's own order objects through load({kind, rows}).

import '../loupe-widget.js';

const $ = (id) => document.getElementById(id);
const filesWidget = $('files-widget');
const objectsWidget = $('objects-widget');

function describe(report) {
  const k = report && report.kpis;
  if (!k || !k.orders || k.orders.value === null) return 'No orders in this period.';
  return `${report.datasets.length} file(s) read; ${k.orders.value} orders in ${report.period.from} – ${report.period.to} (end exclusive).`;
}

for (const [widget, status] of [[filesWidget, $('files-status')], [objectsWidget, $('objects-status')]]) {
  widget.addEventListener('loupe-report', (e) => (status.textContent = describe(e.detail)));
  widget.addEventListener('loupe-error', (e) => {
    status.textContent = `Problem${e.detail.file ? ` with ${e.detail.file}` : ''}: ${e.detail.message}`;
  });
}

$('admin-files').addEventListener('change', (e) => {
  const files = [...e.target.files];
  e.target.value = '';
  if (files.length) filesWidget.load(files).catch(() => {});
});

// The demo store that scripts/serve (and scripts/build-site) put next to the page.
$('admin-demo').addEventListener('click', async () => {
  const base = new URL('../gen/demo/', import.meta.url);
  const manifest = await (await fetch(new URL('manifest.json', base))).json();
  const wanted = manifest.files.filter((f) => ['orders', 'customers', 'subscriptions'].includes(f.kind));
  const files = await Promise.all(wanted.map(async ({ file }) => {
    const blob = await (await fetch(new URL(file, base))).blob();
    return new File([blob], file, { type: 'text/csv' });
  }));
  await filesWidget.load(files);
});

/**
 * What an admin already holds in memory: order objects. A small deterministic generator
 * stands in for the store's database (mulberry32, fixed seed).
 */
export function adminOrders(count = 400, seed = 7) {
  let t = seed >>> 0;
  const rand = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const products = [['Sencha 100g', 12.5], ['Assam breakfast 250g', 9.9], ['Matcha tin', 24], ['Gift box', 39]];
  const start = Date.UTC(2024, 0, 1);
  const orders = [];
  for (let i = 0; i < count; i++) {
    const [product, price] = products[Math.floor(rand() * products.length)];
    const quantity = 1 + Math.floor(rand() * 3);
    orders.push({
      'Order ID': `#${5000 + i}`,
      'Created At': new Date(start + Math.floor((i / count) * 365 * 86400000 + rand() * 3600000)),
      'Customer ID': `C${100 + Math.floor(rand() * 120)}`,
      'Financial Status': rand() < 0.04 ? 'refunded' : 'paid',
      Product: product,
      Quantity: quantity,
      Total: Math.round(price * quantity * 100) / 100,
    });
  }
  return orders;
}

$('admin-objects').addEventListener('click', () => {
  objectsWidget.load({ kind: 'orders', rows: adminOrders() }).catch(() => {});
});
