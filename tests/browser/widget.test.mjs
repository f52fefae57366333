// The <loupe-dashboard> widget, its iframe mode and the static site build: the example admin
// page renders both widgets; host CSS cannot move the widget's insides; load() with JS
// objects equals the same rows as CSV; events fire; embed.html obeys its origin check;
// dist/ works from a sub-path and asks for nothing but its own files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { useSite, ROOT, openPage, waitForReport } from './harness.mjs';

const site = useSite();

const widgetKpis = (page, selector) => page.$eval(selector, (w) => Object.fromEntries(
  [...w.shadowRoot.querySelectorAll('[data-kpi]')].map((e) => [e.dataset.kpi, e.dataset.value])));

/** Waits until the widget shows cards for a report and has finished rendering. */
async function waitForWidget(page, selector, timeout = 120000) {
  try {
    await page.waitForFunction((sel) => {
      const w = document.querySelector(sel);
      const dash = w && w.shadowRoot.querySelector('.dashboard');
      return dash && w.report() && dash.getAttribute('aria-busy') === 'false' && w.shadowRoot.querySelectorAll('[data-kpi]').length > 0;
    }, selector, { timeout, polling: 250 });
  } catch (e) {
    const state = await page.$eval(selector, (w) => ({
      busy: w.shadowRoot.querySelector('.dashboard')?.getAttribute('aria-busy'), report: !!w.report(),
      cards: w.shadowRoot.querySelectorAll('[data-kpi]').length, text: w.shadowRoot.textContent.slice(0, 400),
    })).catch((x) => String(x));
    throw new Error(`${selector} did not show a report: ${JSON.stringify(state)}`, { cause: e });
  }
}

async function openAdmin(url = site.server.url) {
  const ctx = await openPage(site.browser, url);
  await ctx.page.goto(new URL('examples/admin.html', url).href);
  await ctx.page.waitForFunction(() => customElements.get('loupe-dashboard'));
  return ctx;
}

async function loadBoth(page) {
  await page.click('#admin-demo');
  await page.click('#admin-objects');
  await waitForWidget(page, '#files-widget');
  await waitForWidget(page, '#objects-widget');
}

test('the example admin page renders both widgets, one from files and one from JS objects', async () => {
  const { page, context, errors, foreign } = await openAdmin();
  try {
    await loadBoth(page);
    const files = await widgetKpis(page, '#files-widget');
    const objects = await widgetKpis(page, '#objects-widget');
    // Cards in the order of each widget's `kpis` (within their sections), only those.
    assert.deepEqual(Object.keys(files).sort(), ['aov', 'clv', 'customer_churn_rate', 'customer_retention_rate', 'orders',
      'repeat_customer_rate', 'returning_customer_rate', 'revenue']);
    assert.deepEqual(Object.keys(objects), ['orders', 'revenue', 'active_customers', 'new_customers', 'orders_per_active_customer']);
    for (const [id, v] of Object.entries({ ...files, ...objects })) assert.ok(v !== '' && Number.isFinite(Number(v)), `${id} = ${v}`);
    // The file-fed widget shows charts; the compact one shows cards only.
    const charts = (sel) => page.$eval(sel, (w) => [...w.shadowRoot.querySelectorAll('loupe-chart')].filter((c) => c.getBoundingClientRect().height > 0).length);
    assert.ok((await charts('#files-widget')) >= 2);
    assert.equal(await charts('#objects-widget'), 0);
    assert.match(await page.textContent('#objects-status'), /\d+ orders/);
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
  } finally {
    await context.close();
  }
});

test('aggressive global CSS on the host page does not change the widget layout', async () => {
  const { page, context } = await openAdmin();
  try {
    await loadBoth(page);
    // The host decides the widget's width; everything inside must stay where it was.
    await page.$$eval('loupe-dashboard', (ws) => ws.forEach((w) => (w.style.width = '980px')));
    await page.waitForTimeout(300);
    const measure = () => page.$$eval('loupe-dashboard', (ws) => ws.map((w) => {
      const host = w.getBoundingClientRect();
      const sel = '.toolbar, select, .btn, .card, .card-title, .card-value, .card-delta, .sparkline, .kpi-section > h2, .panel, loupe-chart, .w-file';
      return [...w.shadowRoot.querySelectorAll(sel)].filter((el) => el.getClientRects().length > 0).map((el) => {
        const r = el.getBoundingClientRect();
        const cs = getComputedStyle(el);
        return [el.className?.baseVal ?? el.className, Math.round(r.left - host.left), Math.round(r.top - host.top),
          Math.round(r.width), Math.round(r.height), cs.fontSize, cs.fontFamily, cs.color, cs.padding].join(' ');
      });
    }));
    const plain = await measure();
    assert.ok(plain[0].length > 20, 'the widget has a toolbar, cards and charts to measure');
    await page.addStyleTag({
      content: `* { all: revert; font-size: 40px !important; display: block; line-height: 3 !important; color: red !important;
        font-family: serif !important; letter-spacing: 4px !important; box-sizing: content-box !important; }
        div { padding: 50px; } section { padding: 30px !important; margin: 20px !important; }
        loupe-dashboard { padding: 25px; border: 9px solid; font-weight: 900 !important; text-align: center !important; }
        html { font-size: 30px !important; } head, script, style { display: none; }`,
    });
    await page.waitForTimeout(500);
    const styled = await measure();
    assert.equal(styled.length, plain.length);
    for (let w = 0; w < plain.length; w++) {
      for (let i = 0; i < plain[w].length; i++) assert.equal(styled[w][i], plain[w][i], `widget ${w}, element ${i}`);
    }
  } finally {
    await context.close();
  }
});

/** A tiny CSV parser (quotes, doubled quotes, CRLF) for the fixture -> JS objects. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[i++];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

test('load() with JS objects gives the same values as the equivalent CSV; events fire', async () => {
  const { page, context, errors } = await openAdmin();
  try {
    const csv = readFileSync(join(ROOT, 'web/gen/demo/orders.csv'), 'utf8');
    // As a host holds them: numbers as numbers, empty cells as missing fields.
    const rows = parseCsv(csv).map((r) => Object.fromEntries(Object.entries(r)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => [k, /^-?\d+(\.\d+)?$/.test(v) && !/^(Order ID|Customer ID)$/.test(k) ? Number(v) : v])));
    assert.ok(rows.length > 1000);
    const result = await page.evaluate(async ({ csv, rows }) => {
      const make = (id) => {
        const w = document.createElement('loupe-dashboard');
        w.id = id;
        w.setAttribute('compact', '');
        document.querySelector('.content').appendChild(w);
        return w;
      };
      const a = make('csv-widget');
      const b = make('rows-widget');
      const events = { a: [], b: [], errors: [] };
      a.addEventListener('loupe-report', (e) => events.a.push(Object.keys(e.detail.kpis).length));
      b.addEventListener('loupe-report', (e) => events.b.push(Object.keys(e.detail.kpis).length));
      document.addEventListener('loupe-error', (e) => events.errors.push(e.detail.message));
      const ra = await a.load({ name: 'orders.csv', bytes: new TextEncoder().encode(csv) });
      const rb = await b.load({ kind: 'orders', rows });
      let threw = '';
      try {
        await b.load({ kind: 'orders' });
      } catch (e) {
        threw = e.message;
      }
      return { ra, rb, events, threw, kindA: ra.datasets[0].kind, kindB: rb.datasets[0].kind };
    }, { csv, rows });
    assert.equal(result.kindA, 'orders');
    assert.equal(result.kindB, 'orders');
    assert.deepEqual(Object.keys(result.rb.kpis).sort(), Object.keys(result.ra.kpis).sort());
    let compared = 0;
    for (const [id, k] of Object.entries(result.ra.kpis)) {
      assert.deepEqual([result.rb.kpis[id].status, result.rb.kpis[id].value], [k.status, k.value], id);
      if (k.status === 'ok') compared++;
    }
    assert.ok(compared >= 8, `${compared} KPIs with values compared`);
    assert.deepEqual(result.rb.series, result.ra.series);
    await waitForWidget(page, '#rows-widget');
    assert.deepEqual(await widgetKpis(page, '#rows-widget'), await widgetKpis(page, '#csv-widget'));
    // One loupe-report per load (the forced kind's intermediate report is not announced).
    assert.equal(result.events.a.length, 1);
    assert.equal(result.events.b.length, 1);
    assert.match(result.threw, /load\(\) takes/);
    assert.ok(result.events.errors.some((m) => /load\(\) takes/.test(m)));

    // A change the user makes in the toolbar announces a new report too, and shows in save().
    const before = await page.evaluate(() => {
      const w = document.getElementById('files-widget');
      window.reports = [];
      w.addEventListener('loupe-report', (e) => window.reports.push(e.detail.granularity));
      return w;
    });
    assert.ok(before !== undefined);
    await page.click('#admin-demo');
    await waitForWidget(page, '#files-widget');
    await page.waitForFunction(() => window.reports.length >= 1);
    await page.evaluate(() => {
      const sel = document.getElementById('files-widget').shadowRoot.querySelector('#granularity');
      sel.value = 'quarter';
      sel.dispatchEvent(new Event('change'));
    });
    await page.waitForFunction(() => window.reports.includes('quarter'));
    const saved = await page.$eval('#files-widget', (w) => w.save());
    assert.equal(saved.granularity, 'quarter');
    assert.equal(await page.$eval('#files-widget', (w) => w.getAttribute('granularity')), 'quarter');
    // restore() brings back a configuration and recomputes.
    const restored = await page.$eval('#files-widget', (w) => w.restore({ granularity: 'month', period: 'all', kpis: ['orders'] }).then(() => ({
      save: w.save(), g: w.report().granularity, cards: [...w.shadowRoot.querySelectorAll('[data-kpi]')].map((e) => e.dataset.kpi),
    })));
    assert.equal(restored.save.period, 'all');
    assert.equal(restored.g, 'month');
    await waitForWidget(page, '#files-widget');
    assert.deepEqual(Object.keys(await widgetKpis(page, '#files-widget')), ['orders']);
    // A bad attribute value is an error event, not a crash.
    const err = await page.$eval('#files-widget', (w) => new Promise((resolve) => {
      w.addEventListener('loupe-error', (e) => resolve(e.detail.message), { once: true });
      w.setAttribute('period', 'someday');
    }));
    assert.match(err, /Unknown period/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('iframe mode: embed.html talks postMessage with its parent origin only', async () => {
  const url = site.server.url; // http://127.0.0.1:PORT/
  const other = url.replace('127.0.0.1', 'localhost'); // same server, another origin
  const origin = new URL(url).origin;
  const context = await site.browser.newContext();
  const requests = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(url) || u.startsWith(other)) return route.continue();
    requests.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  try {
    await page.goto(`${url}examples/admin.html`);
    const csv = readFileSync(join(ROOT, 'web/gen/demo/orders.csv'), 'utf8');
    await page.evaluate(({ origin, other }) => {
      window.inbox = { good: [], wrong: [] };
      window.addEventListener('message', (e) => {
        if (e.source === document.getElementById('good').contentWindow) window.inbox.good.push(e.data);
        if (e.source === document.getElementById('wrong').contentWindow) window.inbox.wrong.push(e.data);
      });
      const frame = (id, src) => {
        const f = document.createElement('iframe');
        f.id = id;
        f.src = src;
        f.style.cssText = 'width:900px;height:500px';
        document.querySelector('.content').appendChild(f);
      };
      frame('good', `../embed.html?kpis=revenue,orders,aov&compact&origin=${encodeURIComponent(origin)}`);
      frame('wrong', `../embed.html?kpis=revenue&origin=${encodeURIComponent(other)}`);
      frame('sibling', '../gen/demo/manifest.json');
    }, { origin, other: new URL(other).origin });
    await page.waitForFunction(() => window.inbox.good.some((m) => m.type === 'loupe:ready'));

    // A same-origin window that is not the parent is ignored.
    const sibling = page.frames().find((x) => x.url().endsWith('manifest.json'));
    await sibling.waitForLoadState();
    await sibling.evaluate((csv) => parent.frames[0].postMessage({ type: 'loupe:load', id: 99, data: { name: 'orders.csv', bytes: new TextEncoder().encode(csv) } }, '*'), csv);
    // The wrong frame trusts another origin (localhost): messages from our origin are ignored.
    await page.evaluate((csv) => {
      document.getElementById('wrong').contentWindow.postMessage({ type: 'loupe:load', id: 2, data: { name: 'orders.csv', bytes: new TextEncoder().encode(csv) } }, '*');
    }, csv);
    await page.waitForTimeout(3000);
    const embedFrame = (id) => page.frames().find((f) => f.url().includes('embed.html') && f.url().includes(id === 'good' ? 'aov' : encodeURIComponent(new URL(other).origin)));
    assert.equal(await embedFrame('good').evaluate(() => window.loupeEmbed.widget.report()), null, 'messages not from the parent were ignored');
    assert.equal(await embedFrame('wrong').evaluate(() => window.loupeEmbed.widget.report()), null, 'a parent of another origin was ignored');
    assert.deepEqual(await page.evaluate(() => window.inbox.wrong), [], 'the wrong frame sends nothing to a parent it does not trust');

    // The parent of the right origin: load, report, save, restore.
    const reply = await page.evaluate((csv) => new Promise((resolve) => {
      window.addEventListener('message', (e) => {
        if (e.data && e.data.id === 1) resolve(e.data);
      });
      document.getElementById('good').contentWindow.postMessage({ type: 'loupe:load', id: 1, data: { name: 'orders.csv', bytes: new TextEncoder().encode(csv) } }, '*');
    }), csv);
    assert.equal(reply.type, 'loupe:result');
    assert.ok(reply.data.kpis.revenue.value > 0);
    const inbox = await page.evaluate(() => window.inbox.good.map((m) => m.type));
    assert.ok(inbox.includes('loupe:report-changed'), inbox.join());
    const saved = await page.evaluate(() => new Promise((resolve) => {
      window.addEventListener('message', (e) => e.data && e.data.id === 3 && resolve(e.data));
      document.getElementById('good').contentWindow.postMessage({ type: 'loupe:save', id: 3 }, '*');
    }));
    assert.deepEqual(saved.data.kpis, ['revenue', 'orders', 'aov']);
    assert.equal(saved.data.compact, true);
    const cards = await embedFrame('good').evaluate(() => [...window.loupeEmbed.widget.shadowRoot.querySelectorAll('[data-kpi]')].map((e) => e.dataset.kpi));
    assert.deepEqual(cards, ['revenue', 'orders', 'aov']);
    assert.deepEqual(requests, []);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('dist/ served from a sub-path works and requests only its own files', async () => {
  const build = spawnSync(join(ROOT, 'scripts/build-site'), ['--no-prepare'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  assert.match(build.stdout, /page \(index\.html\): [\d.]+ KB gzip/);
  const DIST = join(ROOT, 'dist');
  const PREFIX = '/tools/loupe/';
  const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.csv': 'text/csv', '.svg': 'image/svg+xml' };
  const misses = [];
  const dist = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.startsWith(PREFIX) ? normalize(join(DIST, path.slice(PREFIX.length))) : null;
    if (file && (file === DIST || file.endsWith(sep))) file = join(file, 'index.html');
    try {
      if (!file || !file.startsWith(DIST + sep) || !statSync(file).isFile()) throw new Error('missing');
    } catch {
      misses.push(path);
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] || 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => dist.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${dist.address().port}${PREFIX}`;
  try {
    const { page, context, requests, foreign, errors } = await openPage(site.browser, base);
    try {
      await page.goto(base);
      await page.click('#demo-button');
      await waitForReport(page);
      const revenue = await page.$eval('[data-kpi="revenue"]', (e) => Number(e.dataset.value));
      assert.ok(revenue > 0);
      await page.evaluate(() => window.scrollTo(0, 2000));
      await page.waitForFunction(() => [...document.querySelectorAll('loupe-chart')].some((c) => c.drawn));

      await page.goto(`${base}examples/admin.html`);
      await loadBoth(page);
      assert.equal(Number((await widgetKpis(page, '#files-widget')).orders) > 0, true);

      await page.goto(`${base}embed.html?kpis=revenue`);
      await page.waitForFunction(() => window.loupeEmbed && customElements.get('loupe-dashboard'));

      const outside = requests.map((r) => r.url).filter((u) => !u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:'));
      assert.deepEqual(outside, [], 'only the site\'s own files');
      assert.deepEqual(foreign, []);
      assert.deepEqual(misses, [], 'every file the site asks for is in dist/');
      assert.deepEqual(errors, []);
      assert.ok(requests.some((r) => r.url.endsWith('loupe.wasm')));
      assert.ok(!requests.some((r) => r.url.includes('echarts.esm.min.mjs')), 'the custom ECharts build is bundled');
    } finally {
      await context.close();
    }
  } finally {
    await new Promise((r) => dist.close(r));
  }
});
