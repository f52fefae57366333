// The headless Chromium part of scripts/bench: serves the bench page (tests/bench/web/) and the
// real page (web/, through scripts/serve), and runs every tool on the same files in the same
// browser. Each run gets a fresh page, so a renderer process of its own whose peak memory is
// measured from /proc (VmHWM after resetting it through clear_refs; sampled VmRSS as a
// fallback).
import { createReadStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { ROOT, launch, startServer, warmUpEnds } from '../browser/harness.mjs';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json',
};

/** A static server on 127.0.0.1 for the bench page: {url, close}. `mounts`: prefix -> folder. */
export function serveBench(mounts) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (file !== dir && !file.startsWith(dir + sep)) break;
      if (!existsSync(file) || !statSync(file).isFile()) break;
      // Cross-origin isolated, as scripts/serve serves the page: the threaded engine needs it.
      res.writeHead(200, { 'Content-Type': MIME[extname(file)] || 'application/octet-stream',
        'Content-Length': statSync(file).size, 'Cache-Control': 'no-store',
        'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  })));
}

// ---- renderer memory from /proc

function processTable() {
  const table = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      table.push({ pid: Number(name), ppid, cmd });
    } catch { /* gone */ }
  }
  return table;
}

/** Renderer processes started by this process (through our own Chromium). */
function ourRenderers() {
  const table = processTable();
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of table) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  return table.filter((p) => mine.has(p.pid) && p.cmd.includes('--type=renderer')).map((p) => p.pid);
}

const statusKb = (pid, key) => {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
};

/**
 * Watches our renderer processes: start() resets their peaks, stop() returns the largest growth
 * in MB. Only one page works at a time, so that is the page's renderer (Chromium may keep a
 * spare renderer too, which does not grow).
 */
function memoryProbe() {
  let pids = [];
  const base = new Map();
  const peak = new Map();
  let timer = null;
  const hwm = new Set();
  return {
    start() {
      pids = ourRenderers();
      for (const pid of pids) {
        try {
          writeFileSync(`/proc/${pid}/clear_refs`, '5');
          hwm.add(pid);
        } catch { /* not allowed: sampling only */ }
        base.set(pid, statusKb(pid, 'VmRSS'));
        peak.set(pid, base.get(pid));
      }
      timer = setInterval(() => {
        for (const pid of pids) peak.set(pid, Math.max(peak.get(pid), statusKb(pid, 'VmRSS')));
      }, 50);
    },
    stop() {
      clearInterval(timer);
      let growth = 0;
      for (const pid of pids) {
        const p = Math.max(peak.get(pid), hwm.has(pid) ? statusKb(pid, 'VmHWM') : 0);
        growth = Math.max(growth, p - base.get(pid));
      }
      return growth / 1024;
    },
  };
}

async function newPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { context, page, errors, probe: memoryProbe() };
}

/**
 * Runs `tools` on each file `runs` times. Returns {file: {tool: [result...]}} where a result is
 * {seconds, init?, kpis?, memory_mb, ...}. `allTime[file]` are the report options of Loupe.
 */
export async function runBrowser({ files, runs, tools, loupeDir, loupeMtDir, kernel, allTime, log = () => {} }) {
  const bench = await serveBench({
    '/bench/': join(ROOT, 'tests/bench/web'),
    '/loupe/': loupeDir,
    ...(loupeMtDir ? { '/loupe-mt/': loupeMtDir } : {}),
    '/kernel/': kernel.dir,
    '/node_modules/': join(ROOT, 'node_modules'),
    '/web/': join(ROOT, 'web'),
  });
  // The real page, served by scripts/serve (the bench built the wasm module already).
  const site = tools.includes('page') ? await startServer({ build: false }) : null;
  const browser = await launch();
  const results = {};
  try {
    if (site) results.coldStart = await coldStarts(browser, site.url, runs, log);
    for (const file of files) {
      results[file] = {};
      const here = tools.filter((tool) => file.endsWith('.csv') || !['duckdb', 'papa', 'reference', 'loupe-parts'].includes(tool));
      for (const tool of here) results[file][tool] = [];
      // Round by round (every tool once, then again), so that the machine's drift over a few
      // minutes falls on every tool alike rather than on whichever ran last.
      for (let i = 0; i < runs; i++) {
        for (const tool of here) {
          if (results[file][tool].some((r) => r.error)) continue;  // failed once: not again
          const r = tool === 'page'
            ? await pageRun(browser, site.url, file, allTime[file])
            : await benchRun(browser, `${bench.url}/bench/index.html`, file, tool === 'loupe-mt' ? 'loupe' : tool, {
              kernelUrl: `/kernel/${kernel.name}`, report: allTime[file],
              loupeUrl: tool === 'loupe-mt' ? '/loupe-mt/loupe-mt.js' : '/loupe/loupe.js',
            });
          log(`  browser ${tool} ${file.split('/').pop()} run ${i + 1}: ${r.error ? `FAILED ${r.error.split('\n')[0]}` : `${r.seconds.toFixed(3)} s, +${Math.round(r.memory_mb)} MB`}`);
          results[file][tool].push(r);
        }
      }
    }
  } finally {
    await browser.close();
    await bench.close();
    if (site) await site.stop();
  }
  return results;
}

async function benchRun(browser, url, file, tool, options) {
  const { context, page, errors, probe } = await newPage(browser, url);
  try {
    await page.waitForFunction(() => window.benchReady === true);
    await page.setInputFiles('#file', file);
    probe?.start();
    const r = await page.evaluate(([t, o]) => window.bench.run(t, o), [tool, options]);
    r.memory_mb = probe ? probe.stop() : NaN;
    return r;
  } catch (e) {
    probe?.stop();
    return { error: `${e.message}${errors.length ? `\n${errors.join('\n')}` : ''}` };
  } finally {
    await context.close();
  }
}

// The real page: the "Choose files" input, timed until the KPI cards show the report. Then the
// "All time" preset, whose report gives the KPIs to compare. The file comes once the engine's
// warm-up has ended (about 0.4 s after the page is ready, see coldStarts), as it does when a
// person chooses it; a file that comes sooner stops the warm-up and is read without it.
async function pageRun(browser, url, file, allTime) {
  const { context, page, errors, probe } = await newPage(browser, url);
  try {
    await page.evaluate(() => window.loupePageReady);
    await warmUpEnds(page);
    probe?.start();
    const t0 = Date.now();
    await page.setInputFiles('#file-input', file);
    await page.waitForFunction(() => {
      const l = window.loupe;
      return l && l.report && !l.computing && !l.reading && !l.recomputing
        && document.querySelectorAll('[data-kpi]').length > 0;
    }, null, { timeout: 600000, polling: 20 });
    const seconds = (Date.now() - t0) / 1000;
    const memory = probe ? probe.stop() : NaN;
    await page.evaluate(() => window.loupe.setOptions({ preset: 'all' }));
    await page.waitForFunction((p) => {
      const l = window.loupe;
      return l.report && !l.computing && !l.recomputing && l.report.period.from === p.from && l.report.period.to === p.to;
    }, allTime, { timeout: 600000, polling: 50 });
    const report = await page.evaluate(() => window.loupe.report);
    const { fromLoupeReport } = await import('./web/kpis.js');
    return { seconds, memory_mb: memory, kpis: fromLoupeReport(report), errors };
  } catch (e) {
    probe?.stop();
    return { error: `${e.message}${errors.length ? `\n${errors.join('\n')}` : ''}` };
  } finally {
    await context.close();
  }
}

// Cold start of the real page: a fresh context (empty cache) each time; the page marks when the
// engine is ready to accept files ('loupe-engine-ready') and when the charts are warm too
// ('loupe-page-ready'), both in ms since navigation start.
/**
 * Opens `url` in `runs` fresh contexts and returns, per run, ms after navigation start: the
 * navigation timing (responseEnd, domInteractive, dcl, load = loadEventEnd) and the page's
 * marks: input (loupe-input-ready: the file input and drop zone take files), engine
 * (loupe-engine-ready: the wasm engine is instantiated and reads them) and page
 * (loupe-page-ready: the charts are warm too), and warm: when the engine worker's warm-up
 * (web/warm-up.js) ended, when it ran to its end. `resources: true` adds every resource's timing,
 * the engine worker's included; `trace: {path, categories}` records a Chromium trace.
 */
export async function coldStarts(browser, url, runs, log, { resources = false, trace = null } = {}) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      if (trace) await browser.startTracing(page, { path: trace.path, categories: trace.categories });
      await page.goto(url);
      await page.evaluate(() => window.loupePageReady);
      const r = await page.evaluate(() => {
        const mark = (n) => performance.getEntriesByName(n)[0]?.startTime;
        const nav = performance.getEntriesByType('navigation')[0];
        return {
          input: mark('loupe-input-ready'), engine: mark('loupe-engine-ready'), page: mark('loupe-page-ready'),
          load: nav?.loadEventEnd, responseEnd: nav?.responseEnd, domInteractive: nav?.domInteractive,
          dcl: nav?.domContentLoadedEventStart, timeOrigin: performance.timeOrigin,
          resources: performance.getEntriesByType('resource').map((e) => ({
            name: new URL(e.name).pathname, initiator: e.initiatorType, startTime: e.startTime, responseEnd: e.responseEnd,
          })),
        };
      });
      const [warm] = await warmUpEnds(page);
      if (warm.state === 'done') r.warm = warm.at - r.timeOrigin;
      if (trace) await browser.stopTracing();
      if (resources) {
        // The engine worker's own fetches (loupe.js, loupe.wasm), on the page's time line.
        for (const w of page.workers()) {
          const ws = await w.evaluate(() => ({
            timeOrigin: performance.timeOrigin,
            entries: performance.getEntriesByType('resource').map((e) => ({
              name: new URL(e.name).pathname, initiator: `worker ${e.initiatorType}`, startTime: e.startTime, responseEnd: e.responseEnd,
            })),
          })).catch(() => ({ entries: [] }));
          const shift = ws.timeOrigin - r.timeOrigin;
          for (const e of ws.entries) r.resources.push({ ...e, startTime: e.startTime + shift, responseEnd: e.responseEnd + shift });
        }
      } else {
        delete r.resources;
      }
      log(`  browser cold start run ${i + 1}: input ready ${Math.round(r.input)} ms, engine ready ${Math.round(r.engine)} ms, charts warm ${Math.round(r.page)} ms, engine warmed up ${Math.round(r.warm)} ms, load ${Math.round(r.load)} ms`);
      out.push(r);
    } finally {
      await context.close();
    }
  }
  return out;
}
