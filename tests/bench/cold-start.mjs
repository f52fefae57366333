#!/usr/bin/env node
// Where a cold start's time goes: opens the page in fresh browser contexts and prints, per URL
// (several URLs alternate run by run, so they share the machine's load), the medians of the
// navigation timing, the page's marks (loupe-input-ready, loupe-engine-ready,
// loupe-page-ready) and per-resource timing. With --trace DIR, the first run of each URL also
// records a Chromium trace (DIR/trace-N.json) and prints the renderer's main thread and the
// engine worker's busy time in the first --window ms, by top-level task and by event.
//
// Usage: node tests/bench/cold-start.mjs [--runs 7] [--trace DIR] [--window 700] URL [URL...]
// (serve the page with: PORT=0 scripts/serve --no-build)

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from '../browser/harness.mjs';
import { coldStarts } from './browser.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => (argv.includes(name) ? argv.splice(argv.indexOf(name), 2)[1] : def);
const runs = Number(opt('--runs', 7));
const traceDir = opt('--trace', null);
const windowMs = Number(opt('--window', 700));
const urls = argv;
if (!urls.length) {
  console.error('usage: cold-start.mjs [--runs N] [--trace DIR] [--window MS] URL [URL...]');
  process.exit(2);
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => (Number.isFinite(x) ? String(Math.round(x)).padStart(5) : '    -');

/** Busy time of one thread in [0, windowMs] after navigation start, by task and by event. */
function summarizeTrace(file, navStartTs) {
  const { traceEvents } = JSON.parse(readFileSync(file, 'utf8'));
  const names = new Map(); // "pid:tid" -> thread name
  for (const e of traceEvents) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
  const nav = traceEvents.find((e) => e.name === 'navigationStart' && e.args?.data?.isLoadingMainFrame && e.args.data.documentLoaderURL?.startsWith('http'));
  const t0 = nav ? nav.ts : navStartTs;
  const out = [];
  for (const thread of ['CrRendererMain', 'DedicatedWorker thread']) {
    const keys = [...names].filter(([, n]) => n === thread).map(([k]) => k);
    const evs = traceEvents.filter((e) => keys.includes(`${e.pid}:${e.tid}`) && e.ph === 'X' && e.ts >= t0 && e.ts - t0 <= windowMs * 1000);
    if (!evs.length) continue;
    out.push(`  ${thread}:`);
    const tasks = evs.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
    for (const t of tasks.filter((t) => t.dur >= 8000)) {
      // The largest events inside a long task say what it was.
      const inner = evs.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && e.dur >= 2000 && !e.name.startsWith('ThreadController'));
      const what = inner.sort((a, b) => b.dur - a.dur).slice(0, 6)
        .map((e) => `${e.name}${e.args?.data?.url ? ` ${e.args.data.url.replace(/^.*\//, '')}` : ''}${e.args?.fileName ? ` ${e.args.fileName.replace(/^.*\//, '')}` : ''} ${(e.dur / 1000).toFixed(1)}`);
      out.push(`    task at ${ms((t.ts - t0) / 1000)} ms, ${(t.dur / 1000).toFixed(1)} ms: ${what.join(', ')}`);
    }
    const byName = new Map();
    for (const e of evs) byName.set(e.name, (byName.get(e.name) || 0) + e.dur);
    const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 18).map(([n, d]) => `${n} ${(d / 1000).toFixed(1)}`);
    out.push(`    total by event (ms, nested events counted in each): ${top.join(', ')}`);
    const marks = traceEvents.filter((e) => keys.includes(`${e.pid}:${e.tid}`) && (e.cat || '').includes('blink.user_timing') && e.name.startsWith('loupe-'));
    if (marks.length) out.push(`    marks: ${marks.map((m) => `${m.name} ${ms((m.ts - t0) / 1000)}`).join(', ')}`);
  }
  return out.join('\n');
}

const browser = await launch();
const results = urls.map(() => []);
const traces = urls.map(() => null);
try {
  for (let i = 0; i < runs; i++) {
    for (let u = 0; u < urls.length; u++) {
      const traceFile = traceDir && i === 0 ? join(traceDir, `trace-${u}.json`) : null;
      if (traceFile) mkdirSync(traceDir, { recursive: true });
      const [r] = await coldStarts(browser, urls[u], 1, () => {}, {
        trace: traceFile && { path: traceFile, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute', 'blink.user_timing', 'loading', 'toplevel', 'blink', 'netlog', 'disabled-by-default-v8.compile'] },
        resources: true,
      });
      results[u].push(r);
      if (traceFile) traces[u] = traceFile;
    }
  }
} finally {
  await browser.close();
}

for (let u = 0; u < urls.length; u++) {
  const rs = results[u];
  const m = (k) => median(rs.map((r) => r[k]));
  console.log(`\n${urls[u]}  (median of ${rs.length} fresh contexts, ms after navigation start)`);
  console.log(`  responseEnd ${ms(m('responseEnd'))}  domInteractive ${ms(m('domInteractive'))}  DCL ${ms(m('dcl'))}  load ${ms(m('load'))}`);
  console.log(`  input ready ${ms(m('input'))}  engine ready ${ms(m('engine'))}  page ready (charts warm) ${ms(m('page'))}`);
  console.log(`  after the load event: input ready ${ms(median(rs.map((r) => r.input - r.load)))}  engine ready ${ms(median(rs.map((r) => r.engine - r.load)))}`);
  console.log(`  per run: engine ${rs.map((r) => Math.round(r.engine)).join(' ')}; input ${rs.map((r) => Math.round(r.input)).join(' ')}; load ${rs.map((r) => Math.round(r.load)).join(' ')}`);
  const names = [...new Set(rs.flatMap((r) => r.resources.map((x) => x.name)))];
  console.log('  resources (median start / responseEnd, ms):');
  for (const n of names) {
    const xs = rs.map((r) => r.resources.find((x) => x.name === n)).filter(Boolean);
    console.log(`    ${ms(median(xs.map((x) => x.startTime)))} ${ms(median(xs.map((x) => x.responseEnd)))}  ${n}${xs[0].initiator ? ` (${xs[0].initiator})` : ''}`);
  }
  if (traces[u]) console.log(`  trace of run 1 (${traces[u]}), first ${windowMs} ms:\n${summarizeTrace(traces[u], 0)}`);
}
