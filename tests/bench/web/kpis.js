// The basic KPIs of the speed benchmark (issue 9), defined once for every tool so that
// scripts/bench can check they all computed the same numbers. Runs in node (native DuckDB,
// the comparison) and in the browser (DuckDB-WASM, Papa Parse).
//
// Definitions (METRICS.md, over all time, the generated orders file of scripts/gen-orders.mjs):
// - valid order: status empty or not one of cancelled, canceled, voided, failed, declined,
//   refunded, void (trimmed, case-insensitive);
// - customers: distinct customer ids with a valid order (active_customers);
// - orders: distinct order ids of valid orders; revenue: sum of their totals (the generator
//   writes one row per order, so "the order's first non-empty total" is the row's total);
// - repeat_customer_rate: customers with >= 2 valid orders / customers x 100;
// - aov: revenue / orders; orders_per_customer: orders / customers;
// - a customer's first order: the earliest valid order by timestamp as written, ties to the
//   lower order id; its channel is the customer's acquisition channel;
// - channels: per acquisition channel, new customers (customers acquired there) and revenue
//   (valid orders of the customers acquired there) — Loupe's acquisition_sources;
// - monthly_revenue: revenue per calendar month of the order timestamp ("2024-01");
// - cohorts: per month of first order, its size and, for month offsets 0.. up to the last
//   month with orders, the share of the cohort (x 100) with a valid order in that month.

export const INVALID_STATUSES = ['cancelled', 'canceled', 'voided', 'failed', 'declined', 'refunded', 'void'];

/**
 * SQL (DuckDB) for the KPIs, given a relation `source` (e.g. "read_csv_auto('x.csv')").
 * Returns {setup: [statements], queries: {name: select}}; collectSql() turns the rows of the
 * queries into the canonical KPI object.
 */
export function kpiSql(source) {
  const invalid = INVALID_STATUSES.map((s) => `'${s}'`).join(', ');
  return {
    setup: [
      `CREATE OR REPLACE TABLE v AS
         SELECT CAST(order_id AS VARCHAR) AS id, TRY_CAST(order_id AS BIGINT) AS idn,
                CAST(customer_id AS VARCHAR) AS c, CAST(created_at AS TIMESTAMP) AS t,
                CAST(total AS DOUBLE) AS total, CAST(channel AS VARCHAR) AS channel
         FROM ${source}
         WHERE status IS NULL OR lower(trim(CAST(status AS VARCHAR))) NOT IN (${invalid})`,
      `CREATE OR REPLACE TABLE f AS
         SELECT c, arg_min(channel, (t, idn, id)) AS ch, min(t) AS ft FROM v GROUP BY c`,
    ],
    queries: {
      totals: `SELECT count(DISTINCT c) AS customers, count(DISTINCT id) AS orders,
                      sum(total) AS revenue FROM v`,
      repeat: `SELECT count(*) AS n FROM (SELECT c FROM v GROUP BY c HAVING count(DISTINCT id) >= 2)`,
      channels: `SELECT coalesce(nullif(trim(f.ch), ''), '(unknown)') AS channel,
                        count(DISTINCT f.c) AS new_customers, sum(v.total) AS revenue
                 FROM v JOIN f USING (c) GROUP BY 1`,
      months: `SELECT strftime(t, '%Y-%m') AS month, sum(total) AS revenue FROM v GROUP BY 1`,
      sizes: `SELECT strftime(ft, '%Y-%m') AS cohort, count(*) AS n FROM f GROUP BY 1`,
      cells: `SELECT strftime(f.ft, '%Y-%m') AS cohort,
                     (year(v.t) * 12 + month(v.t)) - (year(f.ft) * 12 + month(f.ft)) AS k,
                     count(DISTINCT v.c) AS n
              FROM v JOIN f USING (c) GROUP BY 1, 2`,
      last: `SELECT max(year(t) * 12 + month(t) - 1) AS last_month FROM v`,
    },
  };
}

const num = (x) => (typeof x === 'bigint' ? Number(x) : Number(x));
const monthIndex = (label) => Number(label.slice(0, 4)) * 12 + Number(label.slice(5, 7)) - 1;

/** {queryName: [row objects]} from kpiSql's queries -> the canonical KPI object. */
export function collectSql(rows) {
  const t = rows.totals[0];
  const customers = num(t.customers);
  const orders = num(t.orders);
  const revenue = num(t.revenue);
  const channels = {};
  for (const r of rows.channels) channels[r.channel] = { new_customers: num(r.new_customers), revenue: num(r.revenue) };
  const monthly = {};
  for (const r of rows.months) monthly[r.month] = num(r.revenue);
  const lastMonth = num(rows.last[0].last_month);
  const cohorts = {};
  for (const r of rows.sizes) {
    const width = Math.max(0, lastMonth - monthIndex(r.cohort) + 1);
    cohorts[r.cohort] = { size: num(r.n), hits: new Array(width).fill(0) };
  }
  for (const r of rows.cells) {
    const c = cohorts[r.cohort];
    const k = num(r.k);
    if (c && k >= 0 && k < c.hits.length) c.hits[k] = num(r.n);
  }
  return finish({ customers, orders, revenue, repeaters: num(rows.repeat[0].n), channels, monthly, cohorts });
}

function finish({ customers, orders, revenue, repeaters, channels, monthly, cohorts }) {
  const out = {
    customers,
    orders,
    revenue,
    aov: revenue / orders,
    orders_per_customer: orders / customers,
    repeat_customer_rate: (repeaters / customers) * 100,
    channels,
    monthly_revenue: monthly,
    cohorts: {},
  };
  for (const [label, c] of Object.entries(cohorts)) {
    out.cohorts[label] = { size: c.size, cells: c.hits.map((h) => (c.size > 0 ? (h / c.size) * 100 : null)) };
  }
  return out;
}

/**
 * The same KPIs from rows of strings (Papa Parse): add(row) for every data row, then
 * result(). `header` is the header row; columns are found by name.
 */
export class KpiAggregator {
  constructor(header) {
    const at = (name) => {
      const i = header.indexOf(name);
      if (i < 0) throw new Error(`column ${name} missing`);
      return i;
    };
    this.col = { id: at('order_id'), c: at('customer_id'), t: at('created_at'), total: at('total'),
      channel: at('channel'), status: at('status') };
    this.invalid = new Set(INVALID_STATUSES);
    this.customerIndex = new Map();
    this.first = []; // per customer: [time string, order id number, order id string, channel]
    this.orderIds = new Set();
    this.ordersPerCustomer = [];
    this.monthly = new Map();
    this.n = 0;
    this.cust = new Int32Array(1 << 16);
    this.month = new Int32Array(1 << 16);
    this.total = new Float64Array(1 << 16);
  }

  add(row) {
    const k = this.col;
    const status = row[k.status];
    if (status && this.invalid.has(status.trim().toLowerCase())) return;
    const c = row[k.c];
    const t = row[k.t];
    const id = row[k.id];
    const total = Number(row[k.total]);
    let ci = this.customerIndex.get(c);
    if (ci === undefined) {
      ci = this.first.length;
      this.customerIndex.set(c, ci);
      this.first.push([t, Number(id), id, row[k.channel]]);
      this.ordersPerCustomer.push(0);
    } else {
      const f = this.first[ci];
      const idn = Number(id);
      if (t < f[0] || (t === f[0] && (idn < f[1] || (idn === f[1] && id < f[2])))) {
        f[0] = t;
        f[1] = idn;
        f[2] = id;
        f[3] = row[k.channel];
      }
    }
    if (!this.orderIds.has(id)) {
      this.orderIds.add(id);
      this.ordersPerCustomer[ci] += 1;
    }
    const month = t.slice(0, 7);
    this.monthly.set(month, (this.monthly.get(month) || 0) + total);
    if (this.n === this.cust.length) this.#grow();
    this.cust[this.n] = ci;
    this.month[this.n] = monthIndex(month);
    this.total[this.n] = total;
    this.n++;
  }

  #grow() {
    const g = (a) => {
      const b = new a.constructor(a.length * 2);
      b.set(a);
      return b;
    };
    this.cust = g(this.cust);
    this.month = g(this.month);
    this.total = g(this.total);
  }

  result() {
    const customers = this.first.length;
    const firstMonth = new Int32Array(customers);
    const channelOf = new Array(customers);
    const channels = {};
    const cohorts = {};
    let lastMonth = -Infinity;
    for (let i = 0; i < this.n; i++) lastMonth = Math.max(lastMonth, this.month[i]);
    const label = (m) => `${String(Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}`;
    for (let ci = 0; ci < customers; ci++) {
      const [t, , , ch] = this.first[ci];
      const m = monthIndex(t.slice(0, 7));
      firstMonth[ci] = m;
      const name = ch && ch.trim() ? ch.trim() : '(unknown)';
      channelOf[ci] = name;
      (channels[name] ||= { new_customers: 0, revenue: 0 }).new_customers += 1;
      const l = label(m);
      (cohorts[l] ||= { size: 0, hits: new Array(Math.max(0, lastMonth - m + 1)).fill(0) }).size += 1;
    }
    // Distinct (customer, month) pairs: orders arrive in any order, so mark with a set.
    const seen = new Set();
    let revenue = 0;
    for (let i = 0; i < this.n; i++) {
      const ci = this.cust[i];
      revenue += this.total[i];
      channels[channelOf[ci]].revenue += this.total[i];
      const k = this.month[i] - firstMonth[ci];
      const key = ci * 4096 + k;
      if (seen.has(key)) continue;
      seen.add(key);
      const c = cohorts[label(firstMonth[ci])];
      if (k >= 0 && k < c.hits.length) c.hits[k] += 1;
    }
    let repeaters = 0;
    for (const n of this.ordersPerCustomer) repeaters += n >= 2 ? 1 : 0;
    return finish({ customers, orders: this.orderIds.size, revenue, repeaters, channels,
      monthly: Object.fromEntries(this.monthly), cohorts });
  }
}

/** The canonical KPI object from a Loupe report computed over all time. */
export function fromLoupeReport(report) {
  const k = report.kpis;
  const channels = {};
  for (const c of k.acquisition_sources.by_channel || []) {
    channels[c.channel] = { new_customers: c.new_customers, revenue: c.revenue };
  }
  const monthly = {};
  for (const b of report.series.revenue || []) if (b.value !== 0) monthly[b.bucket] = b.value;
  const cohorts = {};
  const m = k.cohort_retention.matrix;
  m.cohorts.forEach((label, i) => {
    if (m.sizes[i] > 0) cohorts[label] = { size: m.sizes[i], cells: m.cells[i] };
  });
  return {
    customers: k.active_customers.value,
    orders: k.orders.value,
    revenue: k.revenue.value,
    aov: k.aov.value,
    orders_per_customer: k.orders_per_active_customer.value,
    repeat_customer_rate: k.repeat_customer_rate.value,
    channels,
    monthly_revenue: monthly,
    cohorts,
  };
}

/** Differences between two KPI objects (relative tolerance for numbers); [] when equal. */
export function compareKpis(a, b, tol = 1e-9, path = '') {
  const out = [];
  const close = (x, y) => x === y || (x !== null && y !== null && Math.abs(x - y) <= tol * Math.max(1, Math.abs(x), Math.abs(y)));
  if (typeof a === 'number' || typeof b === 'number' || a === null || b === null) {
    if (!close(a, b)) out.push(`${path || '.'}: ${a} vs ${b}`);
    return out;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of [...keys].sort()) {
    if (!(key in a) || !(key in b)) {
      out.push(`${path}.${key}: only in ${key in a ? 'the first' : 'the second'}`);
      continue;
    }
    out.push(...compareKpis(a[key], b[key], tol, `${path}.${key}`));
  }
  return out;
}
