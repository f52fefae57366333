#!/usr/bin/env node
// Demo store generator: writes one CSV per dataset kind (orders, customers, surveys, tickets,
// spend, leads, traffic, subscriptions, mentions) plus manifest.json into the directory given
// as argument. Deterministic: a fixed seed and its own PRNG, so the demo looks the same on
// every machine and in every test run.
//
// Usage: node scripts/gen-demo.mjs OUT_DIR [--seed N]
//
// The store: "Leaf & Bean", an online tea and coffee shop, open from 2023-06-01, data ending
// 2025-06-30. ~3,000 customers arrive over two years (growing, with a holiday peak) through
// paid and organic channels; each buys at a personal rate until they silently drop out
// (the BG/NBD story), with seasonal demand. Some orders are cancelled or refunded.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const outDir = args.find((a) => !a.startsWith('--'));
if (!outDir) {
  console.error('usage: node scripts/gen-demo.mjs OUT_DIR [--seed N]');
  process.exit(2);
}
const seedArg = args.indexOf('--seed');
const SEED = seedArg >= 0 ? Number(args[seedArg + 1]) : 20250630;

// ---------- PRNG (sfc32 seeded by splitmix32) ----------
function makeRng(seed) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  const rng = {
    random: next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    normal: () => {
      let u = 0;
      while (u === 0) u = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    exp: (rate) => -Math.log(1 - next()) / rate,
    // Marsaglia-Tsang, shape k, scale theta
    gamma: (k, theta) => {
      if (k < 1) return rng.gamma(k + 1, theta) * Math.pow(next() || 1e-12, 1 / k);
      const dd = k - 1 / 3, cc = 1 / Math.sqrt(9 * dd);
      for (;;) {
        let x, v;
        do {
          x = rng.normal();
          v = 1 + cc * x;
        } while (v <= 0);
        v = v * v * v;
        const u = next();
        if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) return dd * v * theta;
      }
    },
    beta: (a1, b1) => {
      const x = rng.gamma(a1, 1);
      return x / (x + rng.gamma(b1, 1));
    },
    weighted: (pairs) => {
      // pairs: [[value, weight], ...]
      let total = 0;
      for (const [, w] of pairs) total += w;
      let r = next() * total;
      for (const [v, w] of pairs) {
        r -= w;
        if (r < 0) return v;
      }
      return pairs[pairs.length - 1][0];
    },
  };
  return rng;
}
const rng = makeRng(SEED);

// ---------- calendar ----------
const DAY = 86400000;
const START = Date.UTC(2023, 5, 1); // 2023-06-01
const END = Date.UTC(2025, 6, 1); // exclusive: data ends 2025-06-30
const DAYS = Math.round((END - START) / DAY);
const pad = (n, w = 2) => String(n).padStart(w, '0');
const isoDate = (ms) => new Date(ms).toISOString().slice(0, 10);
const dateTime = (ms) => {
  const d = new Date(ms);
  return `${isoDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};
const isoZ = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
// Shop time of day: mostly daytime and evening.
const timeOfDay = () => {
  const h = rng.weighted([[7, 2], [9, 4], [11, 5], [13, 6], [15, 5], [17, 5], [19, 7], [21, 6], [23, 2]]);
  return ((h + rng.random() * 2) * 3600000) | 0;
};
// Demand multiplier: a holiday peak (Nov-Dec), a summer dip, a small January sale bump.
const SEASON = [1.05, 0.9, 0.95, 0.95, 1.0, 0.85, 0.8, 0.82, 0.95, 1.05, 1.45, 1.75];
const SEASON_MAX = Math.max(...SEASON);
const season = (ms) => SEASON[new Date(ms).getUTCMonth()];

// ---------- reference data ----------
const FIRST = ['Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Elijah', 'Sophia', 'Lucas', 'Mia', 'Mateo', 'Isabella', 'Leo',
  'Amelia', 'Ethan', 'Harper', 'James', 'Chloé', 'Andrei', 'Giulia', 'Marco', 'Ioana', 'Wei', 'Mei', 'Yuki', 'Aarav',
  'Priya', 'Fatima', 'Omar', 'Zoe', 'Jack', 'Lily', 'Henry', 'Nora', 'Samuel', 'Elena', 'Luca', 'Sara', 'Daniel',
  'Grace', 'Tomás', 'Ana', 'Hugo', 'Ingrid', 'Kofi', 'Amara', 'Ravi', 'Hana', 'Felix', 'Maya', 'Owen'];
const LAST = ['Smith', 'Johnson', 'Brown', 'Garcia', 'Miller', 'Davis', 'Rossi', 'Popescu', 'Müller', 'Martin', 'Chen',
  'Wang', 'Kim', 'Nguyen', 'Patel', 'Silva', 'Kowalski', 'Novak', 'Ionescu', 'Bianchi', 'Dubois', 'Andersen', 'Tanaka',
  'Okafor', 'Haddad', 'Cohen', "O'Brien", 'Walsh', 'Fischer', 'Moreau', 'Lopez', 'Hughes', 'Evans', 'Clarke', 'Ward'];
const COUNTRIES = [['United States', 40], ['United Kingdom', 14], ['Germany', 11], ['Canada', 9], ['Italy', 7],
  ['France', 6], ['Romania', 4], ['Netherlands', 4], ['Australia', 5]];

// Acquisition channels. Paid ones appear in the spend file with the same names.
const CHANNELS = [
  // name, share of new customers, monthly spend base (USD), lead share
  ['Google Ads', 22, 2300, 20],
  ['Meta Ads', 18, 1900, 26],
  ['TikTok Ads', 7, 850, 12],
  ['Email', 9, 300, 18],
  ['Affiliate', 6, 480, 6],
  ['Organic Search', 20, 0, 10],
  ['Direct', 12, 0, 4],
  ['Referral', 6, 0, 4],
];
const PAID = CHANNELS.filter((c) => c[2] > 0);

const PRODUCTS = [
  // name, sku, price, unit cost, popularity
  ['Sencha Green Tea 100g', 'TEA-SEN-100', 12.5, 4.1, 9],
  ['Earl Grey Supreme 100g', 'TEA-EGS-100', 11.0, 3.6, 10],
  ['Darjeeling First Flush 50g', 'TEA-DFF-050', 18.0, 7.2, 4],
  ['Jasmine Pearls 50g', 'TEA-JAS-050', 16.5, 6.4, 5],
  ['Rooibos Vanilla 100g', 'TEA-ROO-100', 9.5, 2.9, 6],
  ['Matcha Ceremonial 30g', 'TEA-MAT-030', 29.0, 12.5, 6],
  ['Chai Masala Blend 150g', 'TEA-CHA-150', 13.0, 4.0, 7],
  ['Ethiopia Yirgacheffe 250g', 'COF-ETH-250', 16.0, 6.8, 9],
  ['Colombia Huila 250g', 'COF-COL-250', 14.5, 5.9, 11],
  ['Espresso House Blend 1kg', 'COF-ESP-1KG', 39.0, 17.5, 6],
  ['Decaf Swiss Water 250g', 'COF-DEC-250', 15.0, 6.3, 3],
  ['Cold Brew Pack (4)', 'COF-CBP-004', 19.0, 7.0, 4],
  ['Pour-Over Kit', 'EQP-POK-001', 42.0, 19.0, 2],
  ['Glass Teapot 800ml', 'EQP-GTP-800', 34.0, 13.0, 2],
  ['Burr Grinder', 'EQP-BGR-001', 89.0, 46.0, 1],
  ['Tasting Flight Gift Box', 'GFT-TFB-001', 49.0, 21.0, 3],
];
const productWeights = PRODUCTS.map((p, i) => [i, p[4]]);

// ---------- customers ----------
const N_CUSTOMERS = 3000;
// Signups grow over time (the store gets known) with the holiday peak on top.
const signupDensity = (ms) => (0.55 + 0.9 * ((ms - START) / (END - START))) * season(ms);
const signupMax = 1.45 * SEASON_MAX;
const customers = [];
const usedEmails = new Set();
for (let i = 0; i < N_CUSTOMERS; i++) {
  let day;
  for (;;) {
    day = START + rng.int(0, DAYS - 1) * DAY;
    if (rng.random() * signupMax < signupDensity(day)) break;
  }
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  let email = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z.]/g, '');
  let n = 1;
  while (usedEmails.has(`${email}${n > 1 ? n : ''}@example.com`)) n++;
  email = `${email}${n > 1 ? n : ''}@example.com`;
  usedEmails.add(email);
  customers.push({
    id: 0,
    first, last, email,
    signup: day + timeOfDay(),
    channel: rng.weighted(CHANNELS.map((c) => [c[0], c[1]])),
    country: rng.weighted(COUNTRIES),
    acceptsMarketing: rng.chance(0.62) ? 'yes' : 'no',
    orders: [],
  });
}
customers.sort((a, b) => a.signup - b.signup);
customers.forEach((c, i) => (c.id = 100001 + i));
// The store opens with its founding customer ordering on day one.
customers[0].signup = START + 10 * 3600000;

// ---------- orders ----------
// Each customer: purchase rate lambda ~ Gamma(r, 1/alpha) per week, dropout after each repeat
// purchase with probability p ~ Beta(a, b). Spend per order ~ Gamma around a personal mean.
const orders = [];
for (const c of customers) {
  if (rng.chance(0.1)) continue; // signed up (newsletter, account) but never bought
  const lambda = rng.gamma(0.9, 1 / 7) / 7; // per day
  const pDrop = rng.beta(1.2, 2.6);
  const basket = rng.gamma(6, 1 / 6); // personal basket size multiplier around 1
  let t = c.signup + (rng.chance(0.7) ? 0 : rng.exp(1 / 6) * DAY);
  if (c === customers[0]) t = c.signup;
  if (t >= END) continue;
  c.orders.push(t);
  for (;;) {
    if (rng.chance(pDrop)) break;
    // thinning for the seasonal rate
    let accepted = false;
    while (!accepted) {
      t += rng.exp(lambda * SEASON_MAX) * DAY;
      if (t >= END) break;
      accepted = rng.random() * SEASON_MAX < season(t);
    }
    if (!accepted) break;
    c.orders.push(t);
    if (c.orders.length > 40) break;
  }
  c.basket = basket;
}
for (const c of customers) {
  c.orders.forEach((t, i) => {
    // Same-day orders keep their order; the first one comes after the signup time.
    const d = Math.floor(t / DAY) * DAY;
    const ts = i === 0 ? Math.max(t, c.signup + 600000) : d + timeOfDay();
    orders.push({ c, ts: Math.min(ts, d + DAY - 1000), first: i === 0 });
  });
}
orders.sort((a, b) => a.ts - b.ts);

const orderRows = [];
let orderNo = 1001;
for (const o of orders) {
  const c = o.c;
  const pi = rng.weighted(productWeights);
  const [name, sku, price, unitCost] = PRODUCTS[pi];
  const qty = Math.max(1, Math.round(rng.gamma(1.6 * c.basket, 1) * (price > 40 ? 0.4 : 1)));
  const subtotal = price * qty;
  const discount = rng.chance(0.18) ? Math.round(subtotal * rng.pick([0.1, 0.15, 0.2]) * 100) / 100 : 0;
  const shipping = subtotal - discount >= 50 ? 0 : 4.95;
  const total = Math.round((subtotal - discount + shipping) * 100) / 100;
  const channel = o.first ? c.channel : rng.weighted([['Email', 30], ['Direct', 30], ['Organic Search', 15], [c.channel, 25]]);
  let status = 'paid';
  let refunded = 0;
  const r = rng.random();
  if (r < 0.03) status = 'cancelled';
  else if (r < 0.05) {
    status = 'refunded';
    refunded = total;
  } else if (r < 0.07) {
    status = 'partially_refunded';
    refunded = Math.round(total * rng.pick([0.2, 0.3, 0.5]) * 100) / 100;
  }
  const cost = Math.round((unitCost * qty + (shipping ? 3.5 : 6.2)) * 100) / 100;
  orderRows.push([
    `#${orderNo++}`, dateTime(o.ts), c.id, c.email, status, channel, name, sku, qty, price.toFixed(2),
    discount.toFixed(2), shipping.toFixed(2), total.toFixed(2), refunded ? refunded.toFixed(2) : '', cost.toFixed(2), 'USD',
    c.country,
  ]);
}

// ---------- CSV ----------
const cell = (v) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (header, rows) => [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';

const files = [];
mkdirSync(outDir, { recursive: true });
const write = (file, kind, header, rows) => {
  writeFileSync(join(outDir, file), csv(header, rows));
  files.push({ file, kind, rows: rows.length });
};

write('orders.csv', 'orders',
  ['Order ID', 'Created At', 'Customer ID', 'Customer Email', 'Financial Status', 'Source', 'Product', 'SKU', 'Quantity',
    'Unit Price', 'Discount', 'Shipping', 'Total', 'Refunded Amount', 'Cost', 'Currency', 'Billing Country'],
  orderRows);

write('customers.csv', 'customers',
  ['Customer ID', 'Email', 'First Name', 'Last Name', 'Signup Date', 'Acquisition Source', 'Country', 'Accepts Marketing'],
  customers.map((c) => [c.id, c.email, c.first, c.last, dateTime(c.signup), c.channel, c.country, c.acceptsMarketing]));

// ---------- surveys ----------
// NPS after delivery, CSAT after a support ticket or order, CES after checkout.
const buyers = customers.filter((c) => c.orders.length);
const SEGMENTS = [['Web', 55], ['Mobile app', 30], ['Wholesale', 15]];
const NPS_COMMENTS = {
  promoter: ['Best tea I have ever ordered online.', 'Fast shipping and lovely packaging.', 'Great coffee, I keep coming back.',
    'Always fresh, always on time.', ''],
  passive: ['Good products, a bit pricey.', 'Shipping could be quicker.', 'Nice, but the website is slow sometimes.', ''],
  detractor: ['My order arrived late and damaged.', 'Too expensive for what it is.', 'Support never answered my email.',
    'The grinder broke after a month.', ''],
};
const surveyRows = [];
for (const c of buyers) {
  const segment = rng.weighted(SEGMENTS);
  const loyalty = Math.min(1, c.orders.length / 6);
  for (const t of c.orders) {
    if (rng.chance(0.12)) {
      // NPS: loyal customers recommend more; the store improves over time.
      const drift = (t - START) / (END - START);
      const mean = 6.6 + 2.2 * loyalty + 0.7 * drift + (segment === 'Wholesale' ? -0.6 : 0);
      const score = Math.max(0, Math.min(10, Math.round(mean + rng.normal() * 2.1)));
      const group = score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
      surveyRows.push([0, dateTime(t + 5 * DAY + rng.int(0, 4) * DAY), c.id, 'NPS',
        'How likely are you to recommend Leaf & Bean to a friend or colleague?', score, segment,
        rng.chance(0.4) ? rng.pick(NPS_COMMENTS[group]) : '']);
    }
    if (rng.chance(0.09)) {
      const score = Math.max(1, Math.min(5, Math.round(3.9 + 0.5 * loyalty + rng.normal() * 0.95)));
      surveyRows.push([0, dateTime(t + 3 * DAY + rng.int(0, 3) * DAY), c.id, 'CSAT',
        'How satisfied were you with your order?', score, segment, '']);
    }
    if (rng.chance(0.06)) {
      const score = Math.max(1, Math.min(7, Math.round(5.3 + (segment === 'Mobile app' ? -0.5 : 0.2) + rng.normal() * 1.2)));
      surveyRows.push([0, dateTime(t + 600000), c.id, 'CES',
        'How easy was it to complete your purchase today?', score, segment, '']);
    }
  }
}
const inData = (r) => r[1] < isoDate(END);
write('survey_responses.csv', 'surveys',
  ['Response ID', 'Submitted At', 'Customer ID', 'Survey Type', 'Question', 'Score', 'Segment', 'Comment'],
  surveyRows.filter(inData).sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).map((r, i) => ((r[0] = 50001 + i), r)));

// ---------- tickets ----------
const SUBJECTS = ['Where is my order?', 'Damaged package', 'Wrong item received', 'Change delivery address',
  'Subscription question', 'Refund request', 'Grinder not working', 'Discount code not applied', 'Brewing advice'];
const ticketRows = [];
for (const c of buyers) {
  for (const t of c.orders) {
    if (!rng.chance(0.22)) continue;
    const created = t + rng.exp(1 / 3) * DAY;
    if (created >= END) continue;
    const channel = rng.weighted([['email', 50], ['chat', 30], ['phone', 12], ['web form', 8]]);
    const replies = channel === 'chat' ? rng.weighted([[1, 60], [2, 25], [3, 10], [4, 5]])
      : rng.weighted([[0, 6], [1, 46], [2, 26], [3, 13], [4, 6], [6, 3]]);
    // Resolution hours: log-normal, faster on chat, slower with more replies; improving over time.
    const drift = 1 - 0.3 * ((created - START) / (END - START));
    const hours = Math.exp(Math.log(channel === 'chat' ? 1.5 : 14) + 0.35 * replies + rng.normal() * 0.9) * drift;
    let solved = created + hours * 3600000;
    let status = rng.chance(0.5) ? 'solved' : 'closed';
    if (solved >= END || rng.chance(0.03)) {
      solved = null;
      status = rng.chance(0.6) ? 'open' : 'pending';
    }
    ticketRows.push([0, isoZ(created), solved ? isoZ(solved) : '', status, channel, c.id, replies,
      rng.pick(SUBJECTS)]);
  }
}
ticketRows.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
ticketRows.forEach((r, i) => (r[0] = 8001 + i));
write('support_tickets.csv', 'tickets',
  ['Ticket ID', 'Created at', 'Solved at', 'Status', 'Via', 'Requester ID', 'Replies', 'Subject'], ticketRows);

// ---------- marketing spend (one row per channel per month) ----------
const spendRows = [];
for (let y = 2023, m = 5; Date.UTC(y, m, 1) < END; m === 11 ? (y++, (m = 0)) : m++) {
  const from = Date.UTC(y, m, 1);
  const to = Date.UTC(y, m + 1, 1) - DAY;
  const growth = 0.7 + 0.6 * ((from - START) / (END - START));
  for (const [channel, , base] of PAID) {
    const amount = base * growth * SEASON[m] * (0.85 + 0.3 * rng.random());
    spendRows.push([isoDate(from), isoDate(to), channel, `${channel} - ${['Prospecting', 'Always on', 'Retargeting'][rng.int(0, 2)]}`,
      amount.toFixed(2)]);
  }
}
write('marketing_spend.csv', 'spend', ['Start Date', 'End Date', 'Channel', 'Campaign', 'Spend'], spendRows);

// ---------- leads ----------
const leadRows = [];
let leadNo = 1;
const leadChannel = () => rng.weighted(CHANNELS.map((c) => [c[0], c[3]]));
// Converted leads are real customers who gave their e-mail before buying.
for (const c of customers) {
  if (!c.orders.length || !rng.chance(0.45)) continue;
  const created = c.orders[0] - rng.exp(1 / 9) * DAY;
  if (created < START) continue;
  leadRows.push({ t: created, row: [`L-${0}`, c.email, isoZ(created), c.channel, 'yes', c.id] });
}
const nonConverting = Math.round(leadRows.length * 2.4);
for (let i = 0; i < nonConverting; i++) {
  let day;
  for (;;) {
    day = START + rng.int(0, DAYS - 1) * DAY;
    if (rng.random() * signupMax < signupDensity(day)) break;
  }
  const first = rng.pick(FIRST).toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  leadRows.push({ t: day + timeOfDay(), row: [`L-${0}`, `${first}${rng.int(10, 9999)}@example.org`, isoZ(day + timeOfDay()), leadChannel(), 'no', ''] });
}
leadRows.sort((a, b) => a.t - b.t);
for (const l of leadRows) l.row[0] = `L-${String(leadNo++).padStart(6, '0')}`;
write('leads.csv', 'leads', ['Lead ID', 'Email', 'Created Date', 'Lead Source', 'Converted', 'Customer ID'],
  leadRows.map((l) => l.row));

// ---------- traffic (daily sessions and users per channel) ----------
const ordersPerDay = new Map();
for (const o of orders) {
  const d = isoDate(o.ts);
  ordersPerDay.set(d, (ordersPerDay.get(d) || 0) + 1);
}
const TRAFFIC_SHARE = [['Organic Search', 30], ['Google Ads', 18], ['Meta Ads', 15], ['Direct', 14], ['Email', 8],
  ['TikTok Ads', 7], ['Referral', 5], ['Affiliate', 3]];
const trafficRows = [];
for (let d = START; d < END; d += DAY) {
  const day = isoDate(d);
  const dow = new Date(d).getUTCDay();
  // about 2.1% of sessions convert, with weekend browsing and noise
  const base = ((ordersPerDay.get(day) || 0) + 2) / 0.021 * (dow === 0 || dow === 6 ? 1.12 : 1);
  for (const [channel, share] of TRAFFIC_SHARE) {
    const sessions = Math.max(1, Math.round(base * share / 100 * (0.85 + 0.3 * rng.random())));
    const users = Math.max(1, Math.round(sessions * (0.72 + 0.12 * rng.random())));
    trafficRows.push([day, channel, sessions, users]);
  }
}
write('traffic.csv', 'traffic', ['Date', 'Session default channel group', 'Sessions', 'Total users'], trafficRows);

// ---------- subscriptions (Tea Club: monthly plan or yearly membership) ----------
const subRows = [];
for (const c of buyers) {
  if (!rng.chance(0.17)) continue;
  let start = c.orders[0] + rng.int(0, 60) * DAY;
  if (start >= END) continue;
  const yearly = rng.chance(0.3);
  if (yearly) {
    // Yearly memberships: one row per term; a renewal is a new term starting the day the old one ends.
    for (;;) {
      const termEnd = Date.UTC(new Date(start).getUTCFullYear() + 1, new Date(start).getUTCMonth(), new Date(start).getUTCDate());
      const renews = rng.chance(0.75);
      const ended = termEnd < END;
      subRows.push(['', c.id, 'Tea Club Annual', ended ? (renews ? 'renewed' : 'expired') : 'active',
        isoDate(start), ended ? isoDate(termEnd) : '', '190.00', 'year']);
      if (!ended || !renews) break;
      start = termEnd;
    }
  } else {
    // Monthly plans run until cancelled; monthly churn around 2.5%.
    let months = 0;
    let end = null;
    for (let t = start; t < END; t = Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth() + 1, new Date(t).getUTCDate())) {
      if (months > 0 && rng.chance(0.025)) {
        end = t;
        break;
      }
      months++;
    }
    const plan = rng.chance(0.6) ? ['Tea Club Monthly', '19.00'] : ['Coffee Club Monthly', '24.00'];
    subRows.push(['', c.id, plan[0], end ? 'cancelled' : 'active', isoDate(start), end ? isoDate(end) : '',
      plan[1], 'month']);
  }
}
subRows.sort((a, b) => (a[4] < b[4] ? -1 : a[4] > b[4] ? 1 : 0));
subRows.forEach((r, i) => (r[0] = `SUB-${3001 + i}`));
write('subscriptions.csv', 'subscriptions',
  ['Subscription ID', 'Customer ID', 'Plan', 'Status', 'Started At', 'Cancelled At', 'Amount', 'Billing Interval'], subRows);

// ---------- social mentions ----------
const POS = ['Absolutely love the Earl Grey from @leafandbean', 'Best coffee beans I have tried this year',
  'Great customer service, they fixed my order in minutes', 'The matcha is amazing and so fresh',
  'Super fast delivery, happy with my order', 'Lovely packaging, perfect gift', 'Really enjoying my Tea Club box',
  'Fantastic cold brew pack, highly recommend'];
const NEG = ['My order from @leafandbean arrived late again', 'Disappointed, the beans tasted stale',
  'Terrible experience with the refund process', 'Package was damaged and support is slow',
  'Way too expensive for tiny bags', 'The grinder broke after two weeks, not happy', 'Awful shipping delays this month'];
const NEU = ['Just ordered some tea from @leafandbean', 'Trying the new espresso blend tomorrow',
  'Does anyone know if Leaf & Bean ships to Canada?', 'Leaf & Bean has a sale this weekend',
  'Unboxing my monthly coffee subscription', 'Switching from sencha to jasmine pearls this week'];
const PLATFORMS = [['Instagram', 35], ['X', 25], ['Reddit', 15], ['Trustpilot', 15], ['Facebook', 10]];
const mentionRows = [];
let mentionNo = 1;
for (let d = START; d < END; d += DAY) {
  const n = Math.round(rng.exp(1 / (1.6 * season(d))));
  for (let i = 0; i < n; i++) {
    const drift = (d - START) / (END - START);
    const r = rng.random();
    const kind = r < 0.42 + 0.1 * drift ? POS : r < 0.7 ? NEU : NEG;
    let text = rng.pick(kind);
    if (rng.chance(0.25)) text += rng.pick(kind === POS ? ['!', ' :)', '. 10/10', '!!'] : kind === NEG ? ['.', ' :(', '...'] : ['.', '?', '']);
    mentionRows.push([`M${String(mentionNo++).padStart(5, '0')}`, isoZ(d + timeOfDay()), rng.weighted(PLATFORMS),
      `@${rng.pick(FIRST).toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')}_${rng.int(1, 999)}`, text]);
  }
}
write('social_mentions.csv', 'mentions', ['Mention ID', 'Date', 'Platform', 'Author', 'Text'], mentionRows);

writeFileSync(join(outDir, 'manifest.json'), JSON.stringify({ store: 'Leaf & Bean (demo)', seed: SEED,
  from: isoDate(START), to: isoDate(END - DAY), files }, null, 2) + '\n');
console.log(`demo data (seed ${SEED}) in ${outDir}: ${files.map((f) => `${f.file} ${f.rows}`).join(', ')}`);
