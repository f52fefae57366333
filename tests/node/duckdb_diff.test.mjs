// Differential test of the KPI engine (issue 3): a generated orders export
// (scripts/gen-diff-orders.mjs: line items, statuses, refunds, missing costs, same-timestamp
// ties, dropped orders) goes through the native CLI `build/loupe report` for several periods
// and granularities, and the same orders-based KPIs are computed with DuckDB SQL written from
// METRICS.md alone. Every value, numerator, denominator, `previous` and series point must agree
// to 1e-9 relative. LOUPE_CLI=path runs another build of the CLI.
//
// Readings of METRICS.md used by the SQL below (the engine's documented readings):
// - an order's status, total, refunded amount, cost, channel, customer and date are the first
//   non-empty value among its rows in file order; orders lacking a customer, a date or a total
//   are dropped; revenue = total - refunded amount; a missing cost counts 0;
// - a customer's first order is their earliest valid order by timestamp as written (offsets
//   ignored), ties broken by the lower order id (numerically);
// - members = customers, joined on their first valid order's date (no customers dataset);
// - a product's revenue is unit price x quantity (missing quantity counts 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { COLUMNS, generateRows, toCsv } from '../../scripts/gen-diff-orders.mjs';

const root = join(fileURLToPath(import.meta.url), '../../..');
const cli = process.env.LOUPE_CLI || join(root, 'build/loupe');

const dir = mkdtempSync(join(tmpdir(), 'loupe-diff-'));
const rows = generateRows();
const ordersCsv = join(dir, 'orders.csv');
writeFileSync(ordersCsv, toCsv(rows));
// The same rows with their line number in front, so that SQL knows the file order.
const numberedCsv = join(dir, 'orders_numbered.csv');
writeFileSync(numberedCsv, toCsv(rows.map((r, i) => [String(i + 1), ...r]), ['line', ...COLUMNS]));

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
async function q(sql) {
  return (await con.runAndReadAll(sql)).getRowObjectsJS();
}
async function one(sql) {
  return (await q(sql))[0];
}
const num = (x) => (x === null || x === undefined ? null : Number(x));

// ---------------------------------------------------------------------------------------------
// The orders, the valid orders and the customers, in SQL.

const INVALID = `'cancelled', 'canceled', 'voided', 'failed', 'declined', 'refunded'`;
const firstNonEmpty = (c) => `arg_min(${c}, line) FILTER (WHERE trim(${c}) <> '') AS ${c}`;
await con.run(`
  CREATE TABLE raw AS
  SELECT CAST(line AS INTEGER) AS line, * EXCLUDE (line)
  FROM read_csv('${numberedCsv}', header = true, all_varchar = true, delim = ',', quote = '"');

  -- One row per order id: each field is the first non-empty value in file order.
  CREATE TABLE ord AS
  SELECT CAST(order_id AS BIGINT) AS oid,
         ${['customer_id', 'created_at', 'total', 'refunded_amount', 'cost', 'channel', 'status']
           .map(firstNonEmpty).join(',\n         ')}
  FROM raw GROUP BY order_id;

  -- Valid orders that have a customer, a date and a total. k = rank among the customer's valid
  -- orders by (timestamp as written, order id); prev_d = date of the one before.
  CREATE TABLE vo AS
  SELECT oid, customer_id AS cust,
         CAST(substr(created_at, 1, 10) AS DATE) AS d,
         CAST(CAST(total AS DECIMAL(18, 2)) - coalesce(CAST(refunded_amount AS DECIMAL(18, 2)), 0)
              AS DECIMAL(18, 2)) AS rev,
         coalesce(CAST(cost AS DECIMAL(18, 2)), 0) AS cost,
         coalesce(channel, '(unknown)') AS channel,
         row_number() OVER w AS k,
         lag(CAST(substr(created_at, 1, 10) AS DATE)) OVER w AS prev_d
  FROM ord
  WHERE customer_id IS NOT NULL AND created_at IS NOT NULL AND total IS NOT NULL
    AND (status IS NULL OR lower(trim(status)) NOT IN (${INVALID}))
  WINDOW w AS (PARTITION BY customer_id
               ORDER BY CAST(replace(substr(created_at, 1, 19), 'T', ' ') AS TIMESTAMP), oid);

  -- Customers: first order date and acquisition channel (channel of the first valid order).
  CREATE TABLE cust AS SELECT cust, d AS first_d, channel AS acq FROM vo WHERE k = 1;

  -- Line items of valid orders.
  CREATE TABLE li AS
  SELECT vo.oid, vo.d, r.product,
         coalesce(CAST(r.quantity AS DECIMAL(18, 3)), 1) AS q,
         CAST(r.unit_price AS DECIMAL(18, 2)) AS price
  FROM raw r JOIN vo ON CAST(r.order_id AS BIGINT) = vo.oid;
`);

// ---------------------------------------------------------------------------------------------
// Dates

const ymd = (t) => new Date(t).toISOString().slice(0, 10);
const parse = (s) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10));
function addMonths(s, n) {
  const d = new Date(parse(s));
  const out = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, d.getUTCDate()));
  assert.equal(out.getUTCDate(), d.getUTCDate(), `no such day: ${s} + ${n} months`);
  return ymd(out);
}
const addDays = (s, n) => ymd(parse(s) + n * 86400000);
// P' = same number of calendar months when P is whole months, else the same number of days.
function previousPeriod(from, to) {
  if (from.endsWith('-01') && to.endsWith('-01')) {
    const months = (+to.slice(0, 4) - +from.slice(0, 4)) * 12 + (+to.slice(5, 7) - +from.slice(5, 7));
    return [addMonths(from, -months), from];
  }
  return [addDays(from, -(parse(to) - parse(from)) / 86400000), from];
}
const ratio = (n, d, scale = 1) => (d === 0 ? null : (n / d) * scale);

// ---------------------------------------------------------------------------------------------
// KPIs of one period [a, b), from METRICS.md.

async function sales(a, b) {
  const inP = (col = 'd') => `${col} >= DATE '${a}' AND ${col} < DATE '${b}'`;
  const s = await one(`
    SELECT CAST(coalesce(sum(rev), 0) AS DOUBLE) AS revenue,
           count(*) AS orders,
           count(DISTINCT cust) AS active,
           CAST(coalesce(sum(rev - cost), 0) AS DOUBLE) AS gross_profit,
           count(*) FILTER (WHERE k > 1) AS not_first,
           CAST(coalesce(sum(date_diff('day', prev_d, d)), 0) AS DOUBLE) AS gap_days,
           count(prev_d) AS gaps
    FROM vo WHERE ${inP()}`);
  const repeatCustomers = await one(`
    SELECT count(*) AS n FROM (SELECT cust FROM vo WHERE ${inP()} GROUP BY cust HAVING count(*) >= 2)`);
  const returning = await one(`
    SELECT count(DISTINCT vo.cust) AS n FROM vo JOIN cust USING (cust)
    WHERE ${inP('vo.d')} AND cust.first_d < DATE '${a}'`);
  const fresh = await one(`
    SELECT count(*) AS n FROM cust WHERE first_d >= DATE '${a}' AND first_d < DATE '${b}'`);
  const members = await one(`
    SELECT count(*) FILTER (WHERE first_d < DATE '${a}') AS at_start,
           count(*) FILTER (WHERE first_d < DATE '${b}') AS at_end FROM cust`);
  const hist = await one(`
    SELECT CAST(coalesce(sum(rev), 0) AS DOUBLE) AS revenue, count(DISTINCT cust) AS customers
    FROM vo WHERE d < DATE '${b}'`);
  const units = await one(`
    SELECT CAST(coalesce(sum(q), 0) AS DOUBLE) AS units, count(DISTINCT product) AS products
    FROM li WHERE ${inP()}`);
  const products = await q(`
    SELECT product, CAST(sum(q) AS DOUBLE) AS units, CAST(sum(q * price) AS DOUBLE) AS revenue
    FROM li WHERE ${inP()} GROUP BY product`);
  const newByChannel = await q(`
    SELECT acq AS channel, count(*) AS n FROM cust
    WHERE first_d >= DATE '${a}' AND first_d < DATE '${b}' GROUP BY acq`);
  const revenueByChannel = await q(`
    SELECT cust.acq AS channel, CAST(sum(vo.rev) AS DOUBLE) AS revenue
    FROM vo JOIN cust USING (cust)
    WHERE ${inP('vo.d')} GROUP BY cust.acq`);
  const out = {
    revenue: s.revenue, orders: num(s.orders), active: num(s.active), grossProfit: s.gross_profit,
    notFirst: num(s.not_first), gapDays: s.gap_days, gaps: num(s.gaps),
    repeatCustomers: num(repeatCustomers.n), returning: num(returning.n), newCustomers: num(fresh.n),
    membersStart: num(members.at_start), membersEnd: num(members.at_end),
    histRevenue: hist.revenue, histCustomers: num(hist.customers),
    units: units.units, productCount: num(units.products),
    products: new Map(products.map((p) => [p.product, { units: p.units, revenue: p.revenue }])),
    channels: new Map(),
  };
  for (const r of newByChannel) out.channels.set(r.channel, { new: num(r.n), revenue: 0 });
  for (const r of revenueByChannel) {
    const c = out.channels.get(r.channel) ?? { new: 0, revenue: 0 };
    c.revenue = r.revenue;
    out.channels.set(r.channel, c);
  }
  return out;
}

// Orders-based churn of P against P': S = active customers of P', lost = those of S with no
// valid order in P.
async function churn(a, b, pa) {
  const r = await one(`
    WITH s AS (SELECT DISTINCT cust FROM vo WHERE d >= DATE '${pa}' AND d < DATE '${a}'),
         e AS (SELECT DISTINCT cust FROM vo WHERE d >= DATE '${a}' AND d < DATE '${b}')
    SELECT (SELECT count(*) FROM s) AS s,
           (SELECT count(*) FROM s WHERE cust NOT IN (SELECT cust FROM e)) AS lost`);
  return { S: num(r.s), lost: num(r.lost) };
}

// clv over W = the 12 months ending at `to`, lifespan 1 / annual churn (W against W').
const ASSUMED_LIFESPAN = 3;
async function clv(to) {
  const w0 = addMonths(to, -12);
  const w1 = addMonths(to, -24);
  const w = await sales(w0, to);
  const c = await churn(w0, to, w1);
  const earliest = (await one(`SELECT CAST(min(d) AS VARCHAR) AS d FROM vo`)).d;
  const covers = earliest <= w1;
  const annualChurn = ratio(c.lost, c.S);
  const assumed = !covers || c.S === 0 || c.lost === 0;
  const lifespan = assumed ? ASSUMED_LIFESPAN : 1 / annualChurn;
  const aov = ratio(w.revenue, w.orders);
  const frequency = ratio(w.orders, w.active);
  return {
    value: w.active === 0 ? null : aov * frequency * lifespan,
    numerator: w.revenue * lifespan, denominator: w.active,
    aov, frequency, lifespan, assumed, annualChurn: covers && annualChurn !== null ? annualChurn * 100 : null,
    window: { from: w0, to },
  };
}

// Cohort matrix: rows = months of first order that fall in P, columns = months since the first
// order up to the last month with valid orders, cell = share of the cohort with a valid order.
// When P starts or ends inside a month, that month's row holds the customers whose first order
// is in P (the new customers of P, by month of first order), so the rows add up to
// new_customers(P).
async function cohorts(a, b) {
  const cells = await q(`
    WITH c AS (SELECT cust, date_trunc('month', first_d) AS m FROM cust
               WHERE first_d >= DATE '${a}' AND first_d < DATE '${b}'),
         rows AS (SELECT m, count(*) AS size FROM c GROUP BY m),
         last AS (SELECT date_trunc('month', max(d)) AS m FROM vo),
         act AS (SELECT DISTINCT cust, date_trunc('month', d) AS m FROM vo),
         grid AS (SELECT rows.m, rows.size, CAST(g.x AS DATE) AS month
                  FROM rows, last, generate_series(rows.m, last.m, INTERVAL 1 MONTH) AS g(x))
    SELECT strftime(grid.m, '%Y-%m') AS cohort, grid.size,
           date_diff('month', grid.m, grid.month) AS j,
           (SELECT count(*) FROM c JOIN act USING (cust)
            WHERE c.m = grid.m AND act.m = grid.month) AS active
    FROM grid ORDER BY grid.m, grid.month`);
  const out = new Map();
  for (const r of cells) {
    if (!out.has(r.cohort)) out.set(r.cohort, { size: num(r.size), active: [] });
    out.get(r.cohort).active[num(r.j)] = num(r.active);
  }
  return out;
}

async function expectedReport(from, to) {
  const [pa, pb] = previousPeriod(from, to);
  const P = await sales(from, to);
  const Pp = await sales(pa, pb);
  const [ppa] = previousPeriod(pa, pb);
  const ch = await churn(from, to, pa);
  const chp = await churn(pa, pb, ppa);
  const cl = await clv(to);
  const clp = await clv(from);
  const co = await cohorts(from, to);

  const k = {};
  const both = (f) => ({ now: f(P), prev: f(Pp) });
  const put = (id, f, extra = {}) => {
    const v = both(f);
    k[id] = { value: v.now.value, previous: v.prev.value, ...extra };
    if ('numerator' in v.now) Object.assign(k[id], { numerator: v.now.numerator, denominator: v.now.denominator });
  };
  put('revenue', (x) => ({ value: x.revenue }));
  put('orders', (x) => ({ value: x.orders }));
  put('aov', (x) => ({ value: ratio(x.revenue, x.orders), numerator: x.revenue, denominator: x.orders }));
  put('active_customers', (x) => ({ value: x.active }));
  put('new_customers', (x) => ({ value: x.newCustomers }), { returning: P.returning });
  put('orders_per_active_customer', (x) => ({ value: ratio(x.orders, x.active), numerator: x.orders, denominator: x.active }));
  put('repeat_customer_rate', (x) => ({ value: ratio(x.repeatCustomers, x.active, 100), numerator: x.repeatCustomers, denominator: x.active }));
  put('returning_customer_rate', (x) => ({ value: ratio(x.returning, x.active, 100), numerator: x.returning, denominator: x.active }));
  put('repeat_purchase_rate', (x) => ({ value: ratio(x.notFirst, x.orders, 100), numerator: x.notFirst, denominator: x.orders }));
  put('avg_days_between_orders', (x) => ({ value: ratio(x.gapDays, x.gaps), numerator: x.gapDays, denominator: x.gaps }));
  put('avg_gross_profit_per_customer', (x) => ({ value: ratio(x.grossProfit, x.active), numerator: x.grossProfit, denominator: x.active }));
  put('product_units', (x) => ({ value: x.units }), { products: P.productCount });
  put('historical_clv', (x) => ({ value: ratio(x.histRevenue, x.histCustomers), numerator: x.histRevenue, denominator: x.histCustomers }));
  put('member_growth_rate', (x) => ({ value: ratio(x.membersEnd - x.membersStart, x.membersStart, 100), numerator: x.membersEnd - x.membersStart, denominator: x.membersStart }),
    { members_start: P.membersStart, members_end: P.membersEnd });
  put('member_activity_rate', (x) => ({ value: ratio(x.active, x.membersEnd, 100), numerator: x.active, denominator: x.membersEnd }),
    { events: P.orders, events_per_active_member: ratio(P.orders, P.active) });
  put('acquisition_sources', (x) => ({ value: x.newCustomers }));
  k.customer_churn_rate = {
    value: ratio(ch.lost, ch.S, 100), numerator: ch.lost, denominator: ch.S, previous: ratio(chp.lost, chp.S, 100),
  };
  k.customer_retention_rate = {
    value: ratio(P.active - P.newCustomers, ch.S, 100), numerator: P.active - P.newCustomers, denominator: ch.S,
    previous: ratio(Pp.active - Pp.newCustomers, chp.S, 100),
  };
  k.clv = {
    value: cl.value, numerator: cl.numerator, denominator: cl.denominator, previous: clp.value,
    aov: cl.aov, purchase_frequency: cl.frequency, lifespan_years: cl.lifespan, lifespan_assumed: cl.assumed,
    window: cl.window,
  };
  if (!cl.assumed) k.clv.annual_churn = cl.annualChurn;

  // Cohort headline: cohorts of P that have a month 1, share with a valid order in month 1.
  let h1 = 0;
  let hSize = 0;
  for (const c of co.values()) {
    if (c.active.length > 1) {
      h1 += c.active[1];
      hSize += c.size;
    }
  }
  k.cohort_retention = { value: ratio(h1, hSize, 100), numerator: h1, denominator: hSize };
  const dropped = await one(`
    SELECT count(*) AS n FROM raw JOIN ord ON CAST(raw.order_id AS BIGINT) = ord.oid
    WHERE ord.customer_id IS NULL OR ord.created_at IS NULL OR ord.total IS NULL`);
  return { period: { from, to }, previous: { from: pa, to: pb }, kpis: k, P, cohorts: co, droppedRows: num(dropped.n) };
}

// ---------------------------------------------------------------------------------------------
// Trend series: the same KPIs per bucket, in one grouped query per granularity.

const STEP = { day: `INTERVAL 1 DAY`, week: `INTERVAL 7 DAY`, month: `INTERVAL 1 MONTH`,
  quarter: `INTERVAL 3 MONTH`, year: `INTERVAL 1 YEAR` };
const LABEL = {
  day: (s) => `strftime(${s}, '%Y-%m-%d')`,
  week: (s) => `strftime(${s}, '%G-W%V')`,
  month: (s) => `strftime(${s}, '%Y-%m')`,
  quarter: (s) => `CAST(year(${s}) AS VARCHAR) || '-Q' || CAST(quarter(${s}) AS VARCHAR)`,
  year: (s) => `strftime(${s}, '%Y')`,
};

async function expectedSeries(g) {
  const step = STEP[g];
  const trunc = (x) => `CAST(date_trunc('${g}', ${x}) AS DATE)`;
  const rs = await q(`
    WITH range AS (SELECT min(CAST(substr(created_at, 1, 10) AS DATE)) AS lo,
                          max(CAST(substr(created_at, 1, 10) AS DATE)) AS hi
                   FROM ord WHERE created_at IS NOT NULL),
         b AS (SELECT CAST(x AS DATE) AS s, CAST(x + ${step} AS DATE) AS e, CAST(x - ${step} AS DATE) AS ps
               FROM range, generate_series(${trunc('range.lo')}, ${trunc('range.hi')}, ${step}) AS t(x)),
         vb AS (SELECT *, ${trunc('d')} AS s FROM vo),
         ag AS (SELECT s, CAST(sum(rev) AS DOUBLE) AS revenue, count(*) AS orders,
                       count(DISTINCT cust) AS active, CAST(sum(rev - cost) AS DOUBLE) AS gp,
                       count(*) FILTER (WHERE k > 1) AS not_first,
                       CAST(coalesce(sum(date_diff('day', prev_d, d)), 0) AS DOUBLE) AS gap_days,
                       count(prev_d) AS gaps
                FROM vb GROUP BY s),
         cb AS (SELECT cust, s, count(*) AS n FROM vb GROUP BY cust, s),
         rc AS (SELECT s, count(*) AS n FROM cb WHERE n >= 2 GROUP BY s),
         ret AS (SELECT cb.s, count(*) AS n FROM cb JOIN cust USING (cust) WHERE cust.first_d < cb.s GROUP BY cb.s),
         nw AS (SELECT ${trunc('first_d')} AS s, count(*) AS n FROM cust GROUP BY 1),
         kept AS (SELECT cur.s, count(*) AS n FROM cb cur JOIN cb prev
                  ON prev.cust = cur.cust AND prev.s = CAST(cur.s - ${step} AS DATE) GROUP BY cur.s)
    SELECT ${LABEL[g]('b.s')} AS bucket,
           coalesce(ag.revenue, 0) AS revenue, coalesce(ag.orders, 0) AS orders,
           coalesce(ag.active, 0) AS active, coalesce(ag.gp, 0) AS gp,
           coalesce(ag.not_first, 0) AS not_first, coalesce(ag.gap_days, 0) AS gap_days,
           coalesce(ag.gaps, 0) AS gaps, coalesce(rc.n, 0) AS repeat_customers,
           coalesce(ret.n, 0) AS returning, coalesce(nw.n, 0) AS new_customers,
           coalesce(pag.active, 0) AS s_prev, coalesce(kept.n, 0) AS kept,
           (SELECT count(*) FROM cust WHERE first_d < b.s) AS members_start,
           (SELECT count(*) FROM cust WHERE first_d < b.e) AS members_end
    FROM b LEFT JOIN ag ON ag.s = b.s LEFT JOIN ag AS pag ON pag.s = b.ps
           LEFT JOIN rc ON rc.s = b.s LEFT JOIN ret ON ret.s = b.s
           LEFT JOIN nw ON nw.s = b.s LEFT JOIN kept ON kept.s = b.s
    ORDER BY b.s`);
  const series = {};
  const add = (id, bucket, value) => (series[id] ??= []).push({ bucket, value });
  for (const r of rs) {
    const x = Object.fromEntries(Object.entries(r).map(([key, v]) => [key, key === 'bucket' ? v : Number(v)]));
    const B = x.bucket;
    add('revenue', B, x.revenue);
    add('orders', B, x.orders);
    add('active_customers', B, x.active);
    add('new_customers', B, x.new_customers);
    add('returning_customers', B, x.returning);
    add('aov', B, ratio(x.revenue, x.orders));
    add('orders_per_active_customer', B, ratio(x.orders, x.active));
    add('repeat_customer_rate', B, ratio(x.repeat_customers, x.active, 100));
    add('returning_customer_rate', B, ratio(x.returning, x.active, 100));
    add('repeat_purchase_rate', B, ratio(x.not_first, x.orders, 100));
    add('avg_days_between_orders', B, ratio(x.gap_days, x.gaps));
    add('avg_gross_profit_per_customer', B, ratio(x.gp, x.active));
    add('customer_churn_rate', B, ratio(x.s_prev - x.kept, x.s_prev, 100));
    add('customer_retention_rate', B, ratio(x.active - x.new_customers, x.s_prev, 100));
    add('member_growth_rate', B, ratio(x.members_end - x.members_start, x.members_start, 100));
  }
  const range = await one(`
    SELECT CAST(min(CAST(substr(created_at, 1, 10) AS DATE)) AS VARCHAR) AS "from",
           CAST(max(CAST(substr(created_at, 1, 10) AS DATE)) AS VARCHAR) AS "to"
    FROM ord WHERE created_at IS NOT NULL`);
  return { series, range };
}

// ---------------------------------------------------------------------------------------------
// Comparison

function close(a, b) {
  if (a === null || b === null || a === undefined || b === undefined) return a === b;
  if (typeof a !== 'number' || typeof b !== 'number') return a === b;
  const m = Math.max(Math.abs(a), Math.abs(b));
  return m < 1e-9 || Math.abs(a - b) <= 1e-9 * m;
}

// Compares every field of `want` with `got`; nested objects field by field. Returns mismatches.
function diff(got, want, path, out) {
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object') {
      out.push(`${path}: engine ${JSON.stringify(got)}, duckdb ${JSON.stringify(want)}`);
      return out;
    }
    for (const key of Object.keys(want)) diff(got[key], want[key], `${path}.${key}`, out);
    return out;
  }
  if (!close(got, want)) out.push(`${path}: engine ${JSON.stringify(got)}, duckdb ${JSON.stringify(want)}`);
  return out;
}

function report(args) {
  return JSON.parse(execFileSync(cli, ['report', ...args, ordersCsv],
    { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 60000 }));
}

function compareReport(r, e) {
  const bad = [];
  diff(r.period, e.period, 'period', bad);
  diff(r.previous, e.previous, 'previous', bad);
  // Rows of orders lacking a customer, a date or a total are skipped.
  diff(r.datasets?.[0]?.skipped, e.droppedRows, 'datasets[0].skipped', bad);
  for (const [id, want] of Object.entries(e.kpis)) {
    const got = r.kpis[id];
    if (!got) {
      bad.push(`${id}: missing from the report`);
      continue;
    }
    const status = want.value === null ? 'undefined' : 'ok';
    if (got.status !== status) bad.push(`${id}.status: engine ${got.status}, duckdb ${status}`);
    diff(got, want, id, bad);
  }

  // acquisition_sources.by_channel: per channel new customers, share, revenue.
  const by = r.kpis.acquisition_sources?.by_channel ?? [];
  const totalNew = e.P.newCustomers;
  const gotChannels = new Map(by.map((c) => [c.channel, c]));
  for (const [channel, c] of e.P.channels) {
    diff(gotChannels.get(channel), { new_customers: c.new, share: ratio(c.new, totalNew, 100), revenue: c.revenue },
      `acquisition_sources.by_channel[${channel}]`, bad);
  }
  for (const channel of gotChannels.keys()) {
    if (!e.P.channels.has(channel)) bad.push(`acquisition_sources.by_channel: engine lists ${channel}, duckdb has no such channel`);
  }
  const sum = (xs, f) => xs.reduce((s, x) => s + f(x), 0);
  diff(sum(by, (c) => c.revenue), e.P.revenue, 'acquisition_sources.by_channel revenue total', bad);

  // product_units: each listed product's units and revenue, and the top lists are the top 10.
  for (const [list, key] of [['top_by_units', 'units'], ['top_by_revenue', 'revenue']]) {
    const got = r.kpis.product_units?.[list] ?? [];
    const ranked = [...e.P.products.values()].map((p) => p[key]).sort((x, y) => y - x).slice(0, 10);
    if (got.length !== ranked.length) bad.push(`product_units.${list}: ${got.length} entries, duckdb ${ranked.length}`);
    got.forEach((p, i) => {
      diff(p, e.P.products.get(p.product) ?? { product: '(not sold in P)' }, `product_units.${list}[${p.product}]`, bad);
      diff(p[key], ranked[i], `product_units.${list}[${i}].${key} (rank)`, bad);
    });
  }

  // cohort_retention matrix.
  const m = r.kpis.cohort_retention?.matrix ?? { cohorts: [], sizes: [], cells: [] };
  const cohorts = [...e.cohorts.keys()];
  diff(m.cohorts, cohorts, 'cohort_retention.matrix.cohorts', bad);
  if (m.cohorts.length !== cohorts.length) bad.push(`cohort_retention.matrix: ${m.cohorts.length} rows, duckdb ${cohorts.length}`);
  cohorts.forEach((c, i) => {
    const want = e.cohorts.get(c);
    diff(m.sizes?.[i], want.size, `cohort_retention.matrix.sizes[${c}]`, bad);
    const cells = m.cells?.[i] ?? [];
    if (cells.length !== want.active.length) bad.push(`cohort_retention.matrix.cells[${c}]: ${cells.length} columns, duckdb ${want.active.length}`);
    want.active.forEach((n, j) => diff(cells[j], ratio(n, want.size, 100), `cohort_retention.matrix.cells[${c}][${j}]`, bad));
  });
  return bad;
}

function compareSeries(r, e) {
  const bad = [];
  diff(r.range, e.range, 'range', bad);
  for (const [id, want] of Object.entries(e.series)) {
    const got = r.series[id];
    if (!got) {
      bad.push(`series.${id}: missing from the report`);
      continue;
    }
    if (got.length !== want.length) bad.push(`series.${id}: ${got.length} buckets, duckdb ${want.length}`);
    want.forEach((p, i) => {
      if (got[i]?.bucket !== p.bucket) bad.push(`series.${id}[${i}].bucket: engine ${got[i]?.bucket}, duckdb ${p.bucket}`);
      else if (!close(got[i].value, p.value)) bad.push(`series.${id}[${p.bucket}]: engine ${got[i].value}, duckdb ${p.value}`);
    });
  }
  return bad;
}

// ---------------------------------------------------------------------------------------------

test.after(() => {
  con.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

test('the generated data set has what the rules are about', async () => {
  const x = await one(`
    SELECT (SELECT count(*) FROM ord) AS orders,
           (SELECT count(*) FROM vo) AS valid,
           (SELECT count(*) FROM (SELECT order_id FROM raw GROUP BY order_id HAVING count(*) > 1)) AS line_item_orders,
           (SELECT count(*) FROM ord WHERE lower(trim(status)) = 'partially_refunded') AS partial,
           (SELECT count(*) FROM ord WHERE status IS NULL) AS no_status,
           (SELECT count(*) FROM ord WHERE lower(trim(status)) IN (${INVALID})) AS invalid,
           (SELECT count(*) FROM ord WHERE customer_id IS NULL OR created_at IS NULL OR total IS NULL) AS dropped,
           (SELECT count(*) FROM ord WHERE cost IS NULL) AS no_cost,
           (SELECT count(DISTINCT channel) FROM ord) AS channels,
           (SELECT count(*) FROM cust) AS customers,
           (SELECT count(*) FROM (SELECT cust, created_at FROM vo JOIN ord USING (oid)
                                  GROUP BY cust, created_at HAVING count(*) > 1)) AS ties,
           -- first orders tied with another order of another channel, the tie-break deciding
           -- between a 3-digit and a 5-digit id (text order would pick the other one)
           (SELECT count(*) FROM vo a JOIN ord oa ON oa.oid = a.oid
              JOIN vo b ON b.cust = a.cust AND b.oid <> a.oid JOIN ord ob ON ob.oid = b.oid
            WHERE a.k = 1 AND oa.created_at = ob.created_at AND a.channel <> b.channel
              AND CAST(a.oid AS VARCHAR) > CAST(b.oid AS VARCHAR)) AS first_order_ties`);
  const n = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, Number(v)]));
  assert.ok(n.orders >= 3000 && n.orders <= 5000, `orders ${n.orders}`);
  for (const key of ['line_item_orders', 'partial', 'no_status', 'invalid', 'dropped', 'no_cost', 'ties', 'first_order_ties']) {
    assert.ok(n[key] >= 10, `${key}: ${n[key]}`);
  }
  assert.ok(n.channels >= 5 && n.customers >= 800, JSON.stringify(n));
});

const PERIODS = [
  { name: 'default period (12 whole months), by month', args: [], from: '2023-07-01', to: '2024-07-01', g: 'month' },
  { name: '12 whole months, by quarter', args: ['--from', '2022-07-01', '--to', '2023-07-01', '--granularity', 'quarter'], from: '2022-07-01', to: '2023-07-01', g: 'quarter' },
  { name: 'partial months 2023-02-10..2023-08-20, by week', args: ['--from', '2023-02-10', '--to', '2023-08-20', '--granularity', 'week'], from: '2023-02-10', to: '2023-08-20', g: 'week' },
  // W' starts before the data: clv uses the assumed lifespan (3 years).
  { name: 'a quarter whose clv falls back on the assumed lifespan, by day', args: ['--from', '2022-10-01', '--to', '2023-01-01', '--granularity', 'day'], from: '2022-10-01', to: '2023-01-01', g: 'day' },
  { name: 'all the data (no previous customers), by year', args: ['--from', '2021-07-01', '--to', '2024-07-01', '--granularity', 'year'], from: '2021-07-01', to: '2024-07-01', g: 'year' },
];

for (const p of PERIODS) {
  test(`engine = DuckDB: ${p.name}`, async () => {
    const r = report(p.args);
    assert.equal(r.granularity, p.g);
    const e = await expectedReport(p.from, p.to);
    const bad = compareReport(r, e);
    const s = await expectedSeries(p.g);
    bad.push(...compareSeries(r, s));
    assert.deepEqual(bad, [], `${bad.length} disagreements:\n${bad.slice(0, 60).join('\n')}`);
  });
}
