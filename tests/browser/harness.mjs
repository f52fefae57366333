// Shared setup for the browser tests and scripts/screenshots: starts scripts/serve on a free
// port, launches Debian's Chromium through playwright-core, and records every request a page
// makes so tests can assert the page talks to nobody but its own origin.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Starts scripts/serve with PORT=0 and resolves {url, stop} once it prints its address.
 * The serve script builds the wasm engine (incremental), copies it and ECharts into web/gen
 * and writes the demo store. LOUPE_NO_BUILD=1 skips the wasm build (serve what is built).
 * `args` go to scripts/serve as well (e.g. --no-isolation).
 */
export function startServer({ build = !process.env.LOUPE_NO_BUILD, args: extra = [] } = {}) {
  return new Promise((resolve, reject) => {
    const args = [...(build ? [] : ['--no-build']), ...extra];
    const child = spawn(join(ROOT, 'scripts/serve'), args, {
      cwd: ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`scripts/serve did not start in time:\n${out}\n${err}`));
    }, 600000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Loupe at (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          stop: () => new Promise((res) => {
            if (child.exitCode !== null) return res();
            child.once('exit', () => res());
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`scripts/serve exited with ${code}:\n${out}\n${err}`));
    });
  });
}

export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: run scripts/setup`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * For a test file: starts scripts/serve and Chromium before its tests (then runs `setup`, if
 * given, with both running) and stops both after them. Returns {server, browser}, filled in
 * once started.
 */
export function useSite(setup) {
  const site = { server: null, browser: null };
  before(async () => {
    site.server = await startServer();
    site.browser = await launch();
    if (setup) await setup(site);
  });
  after(async () => {
    await site.browser?.close();
    await site.server?.stop();
  });
  return site;
}

/**
 * A new page with request recording. Every request (page and workers) lands in `requests`;
 * anything not on the server's origin is aborted and also lands in `foreign`.
 */
export async function openPage(browser, baseUrl, { viewport = { width: 1360, height: 900 }, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  const origin = new URL(baseUrl).origin;
  const requests = [];
  const foreign = [];
  const dialogs = [];
  const errors = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url === origin) return route.continue();
    if (url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => requests.push({ url: r.url(), at: Date.now() }));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('worker', (w) => {
    w.on('console', (m) => {
      if (m.type() === 'error') errors.push(`worker: ${m.text()}`);
    });
  });
  return { context, page, requests, foreign, dialogs, errors, origin };
}

/** Waits until the dashboard shows a report, all its cards and panels, and no file is being read. */
export async function waitForReport(page, timeout = 120000) {
  await page.waitForFunction(() => {
    const l = window.loupe;
    return l && l.report && !l.computing && !l.reading && !l.recomputing
      && document.querySelector('#dashboard[aria-busy="false"]') && document.querySelectorAll('[data-kpi]').length > 0;
  }, null, { timeout, polling: 100 });
}

/** Scrolls through the whole page so every chart comes into view and draws; back to the top. */
export async function drawAllCharts(page, step = 400) {
  for (let y = 0; y < (await page.evaluate(() => document.documentElement.scrollHeight)); y += step) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForTimeout(80);
  }
  await page.waitForFunction(() => [...document.querySelectorAll('loupe-chart')].every((c) => c.drawn), null, { timeout: 60000 });
  await page.evaluate(() => window.scrollTo(0, 0));
}

/**
 * The engine's warm-up (web/warm-up.js) in each of the page's `workers` engine workers, once
 * none is waiting or running any more (30 s at most): [{state, at}], at = epoch ms it ended.
 */
export async function warmUpEnds(page, workers = 1) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const engines = page.workers().filter((w) => w.url().endsWith('/worker.js'));
    const states = await Promise.all(engines.map((w) => w.evaluate(() => ({ state: self.loupeWarmUp, at: self.loupeWarmUpAt }))));
    const ended = (x) => x.state !== undefined && x.state !== 'waiting' && x.state !== 'running';
    if (states.length === workers && states.every(ended)) return states;
    if (Date.now() > deadline) throw new Error(`the engine's warm-up did not end: ${JSON.stringify(states)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** {kpiId: value string} of every card on the page. */
export function cardValues(page) {
  return page.$$eval('[data-kpi]', (els) => Object.fromEntries(els.map((e) => [e.dataset.kpi, e.dataset.value])));
}

/** A card's data-value for a KPI of the CLI's report: its value, or '' when it has none. */
export const cliCardValue = (k) => (k.status === 'ok' && k.value !== null && k.value !== undefined ? String(k.value) : '');

/**
 * Asserts that every KPI of the CLI's report `native` shows on the page's cards `values` (see
 * cardValues) as the CLI has it: numbers to `tolerance` relative (0: as written), the rest as
 * written.
 */
export function expectCliCards(values, native, { tolerance = 0 } = {}) {
  for (const [id, k] of Object.entries(native.kpis)) {
    const want = cliCardValue(k);
    if (tolerance > 0 && typeof k.value === 'number' && want !== '') {
      const tol = tolerance * Math.max(1, Math.abs(k.value));
      assert.ok(Math.abs(Number(values[id]) - k.value) <= tol, `${id}: page ${values[id]} vs CLI ${want}`);
    } else {
      assert.equal(values[id], want, `${id}: page ${values[id]} vs CLI ${want} (${k.status})`);
    }
  }
}

/** Runs build/loupe (the native CLI; LOUPE_CLI overrides) and returns its parsed JSON output. */
export function nativeReport(files, extra = []) {
  const cli = process.env.LOUPE_CLI || join(ROOT, 'build/loupe');
  if (!existsSync(cli)) throw new Error('build/loupe missing: build the native CLI (scripts/test does) first');
  const r = spawnSync(cli, ['report', ...extra, ...files], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (!r.stdout) throw new Error(`${cli} report failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// Temporary directories of this test process, removed when it exits (the 1M-row file is 80 MB).
const tempDirs = [];
process.once('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export function tmp(prefix = 'loupe-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Generates the demo store into a fresh temporary directory and returns its path. */
export function demoDir() {
  const dir = tmp('loupe-demo-');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-demo.mjs'), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gen-demo failed: ${r.stderr}`);
  return dir;
}

