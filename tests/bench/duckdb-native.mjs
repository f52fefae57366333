// One native DuckDB run for scripts/bench (a child process of its own, so its peak memory is
// its own): node duckdb-native.mjs FILE THREADS -> prints {seconds, kpis, peak_rss_mb} as JSON.
// Times reading the file into a table and every KPI query, as a user of DuckDB would run them.
import { DuckDBInstance } from '@duckdb/node-api';
import { collectSql, kpiSql } from './web/kpis.js';

const [file, threads = '2'] = process.argv.slice(2);
const quoted = `'${file.replaceAll("'", "''")}'`;
const source = file.endsWith('.csv')
  ? `read_csv_auto(${quoted})`
  : `read_json_auto(${quoted}, format = '${file.endsWith('.ndjson') ? 'newline_delimited' : 'array'}', maximum_object_size = 1048576)`;

const start = performance.now();
const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await db.connect();
const sql = kpiSql(source);
for (const s of sql.setup) await con.run(s);
const rows = {};
for (const [name, q] of Object.entries(sql.queries)) rows[name] = (await con.runAndReadAll(q)).getRowObjects();
const seconds = (performance.now() - start) / 1000;
const kpis = collectSql(rows);
process.stdout.write(JSON.stringify({ seconds, kpis, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }) + '\n');
