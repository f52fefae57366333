// Warms the engine up: reads and reports a small made-up orders file once, right after the
// engine is instantiated, and throws it away.
//
// Why: the browser compiles wasm code in two tiers, a quick baseline first and optimised code
// for a function once it has run enough, used from its next call. The report's parts (the
// orders model, each KPI family, the CLV fits) run once per report, so on the first file
// they would run start to end in baseline code. Under node, a 2,000-row warm-up (about 0.2 s)
// made the next million-row report 20-25% faster (1.62-1.66 s -> 1.20-1.32 s).

const ROWS = 2000;

/** A deterministic orders CSV: repeat customers over two years, every column the report reads. */
export function warmUpCsv() {
  let seed = 12345;
  const next = (n) => { // mulberry32: an integer in [0, n)
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const channels = ['web', 'email', 'marketplace', 'social', 'search'];
  const statuses = ['paid', 'paid', 'paid', 'refunded', 'cancelled'];
  const start = Date.UTC(2023, 0, 1);
  const lines = ['order_id,customer_id,created_at,total,cost,channel,product,quantity,status,country'];
  // As the BG/NBD and Gamma-Gamma models have it: each customer buys at a rate of their own,
  // may stop for good after each purchase with a chance of their own, and spends around an
  // amount of their own.
  for (let c = 0; lines.length <= ROWS; c++) {
    const gap = 5 + next(40);
    const stop = 2 + next(50); // percent
    const spend = 10 + next(150);
    for (let day = next(400); day < 730 && lines.length <= ROWS; day += 1 + next(2 * gap)) {
      const when = new Date(start + day * 86400000 + next(86400) * 1000).toISOString().slice(0, 19);
      const total = spend * (0.5 + next(100) / 100);
      lines.push([
        100000 + lines.length, `C${String(c).padStart(5, '0')}`, when, total.toFixed(2), (total * 0.4).toFixed(2),
        channels[next(5)], `Product ${next(30)}`, 1 + next(3), statuses[next(5)], ['US', 'GB', 'DE'][next(3)],
      ].join(','));
      if (next(100) < stop) break;
    }
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** Runs the warm-up on a Session of its own (M is the instantiated module). */
export function warmUp(M) {
  const s = new M.Session();
  try {
    const id = s.open('warm-up.csv', 0);
    s.feed(id, warmUpCsv());
    s.finish(id);
    s.report('{}');
  } finally {
    s.delete();
  }
}
