// Classic worker (Papa Parse is a UMD script): Papa Parse streams the File in its default
// chunks, rows of strings go to the JS aggregation of kpis.js.
importScripts('/node_modules/papaparse/papaparse.min.js');

self.onmessage = async ({ data }) => {
  try {
    const { KpiAggregator } = await import('./kpis.js');
    const t0 = performance.now();
    let agg = null;
    let rows = 0;
    await new Promise((resolve, reject) => {
      Papa.parse(data.file, {
        skipEmptyLines: true,
        chunk(results) {
          let i = 0;
          if (!agg) agg = new KpiAggregator(results.data[i++]);
          for (; i < results.data.length; i++) agg.add(results.data[i]);
          rows += results.data.length;
        },
        complete: resolve,
        error: reject,
      });
    });
    const kpis = agg.result();
    self.postMessage({ ok: true, result: { seconds: (performance.now() - t0) / 1000, rows: rows - 1, kpis } });
  } catch (e) {
    self.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
};
