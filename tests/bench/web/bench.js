// The bench page: window.bench.run(tool, options) runs one tool on the chosen file and
// resolves {seconds, kpis, ...}. Loupe, the reference and Papa Parse run in workers; DuckDB-WASM
// runs in its own worker behind its AsyncDuckDB API.
import { collectSql, kpiSql } from './kpis.js';

const file = () => {
  const f = document.getElementById('file').files[0];
  if (!f) throw new Error('no file chosen');
  return f;
};

function inWorker(worker, message) {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      worker.terminate();
      if (data.ok) resolve(data.result);
      else reject(new Error(data.error));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message || 'worker failed'));
    };
    worker.postMessage(message);
  });
}

async function duckdbRun(f) {
  const duckdb = await import('/node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs');
  const dist = '/node_modules/@duckdb/duckdb-wasm/dist';
  const t0 = performance.now();
  const worker = new Worker(`${dist}/duckdb-browser-eh.worker.js`);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(`${dist}/duckdb-eh.wasm`);
  const t1 = performance.now();
  try {
    const name = f.name.endsWith('.csv') ? 'orders.csv' : 'orders.json';
    await db.registerFileHandle(name, f, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
    const conn = await db.connect();
    const source = name.endsWith('.csv') ? `read_csv_auto('${name}')`
      : `read_json_auto('${name}', format = '${f.name.endsWith('.ndjson') ? 'newline_delimited' : 'array'}')`;
    const sql = kpiSql(source);
    for (const s of sql.setup) await conn.query(s);
    const rows = {};
    for (const [k, q] of Object.entries(sql.queries)) rows[k] = (await conn.query(q)).toArray().map((r) => r.toJSON());
    const t2 = performance.now();
    await conn.close();
    return { init: (t1 - t0) / 1000, seconds: (t2 - t1) / 1000, kpis: collectSql(rows) };
  } finally {
    await db.terminate();
  }
}

// The engine reading a CSV file in two parts, one per worker (Session.partSpec, openPart,
// endPart, takePart), as the page does not do yet: both workers load the engine and warm up
// first, untimed; then the first reads up to the first newline after the middle and the
// second from there, the page handing over the spec and the part; the first finishes and
// reports. Timed from the first worker's start to its report.
async function twoParts(f, options) {
  const mid = Math.floor(f.size / 2);
  const probe = new Uint8Array(await f.slice(mid, mid + (1 << 16)).arrayBuffer());
  const split = mid + probe.indexOf(10) + 1;
  const loupeUrl = new URL(options.loupeUrl, location.href).href;
  const first = new Worker('worker.js', { type: 'module' });
  const second = new Worker('worker.js', { type: 'module' });
  const ready = (w) => new Promise((resolve, reject) => {
    w.onmessage = ({ data }) => (data.ok ? resolve() : reject(new Error(data.error)));
    w.postMessage({ tool: 'parts-load', loupeUrl });
  });
  try {
    await Promise.all([ready(first), ready(second)]);
    return await new Promise((resolve, reject) => {
      first.onmessage = ({ data }) => {
        if (data.spec) second.postMessage({ tool: 'parts-second', file: f, split, spec: data.spec }, [data.spec.buffer]);
        else if (data.ok) resolve(data.result);
        else reject(new Error(data.error));
      };
      second.onmessage = ({ data }) => {
        if (data.ok) first.postMessage({ pieces: data.result.pieces }, data.result.pieces.map((p) => p.buffer));
        else reject(new Error(data.error));
        second.terminate();
      };
      first.postMessage({ tool: 'parts-first', file: f, split, options: options.report || {} });
    });
  } finally {
    first.terminate();
    second.terminate();
  }
}

window.bench = {
  async run(tool, options = {}) {
    const f = file();
    if (tool === 'reference') {
      return inWorker(new Worker('worker.js', { type: 'module' }),
        { tool, file: f, kernelUrl: options.kernelUrl, mode: options.mode || 'stream' });
    }
    if (tool === 'loupe') {
      return inWorker(new Worker('worker.js', { type: 'module' }),
        { tool, file: f, loupeUrl: new URL(options.loupeUrl, location.href).href, options: options.report || {} });
    }
    if (tool === 'loupe-parts') return twoParts(f, options);
    if (tool === 'papa') return inWorker(new Worker('papa-worker.js'), { file: f });
    if (tool === 'duckdb') return duckdbRun(f);
    throw new Error(`unknown tool ${tool}`);
  },
};
window.benchReady = true;
