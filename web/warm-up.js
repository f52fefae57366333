// A head start for the engine, run in its worker while the page is idle.
//
// V8 compiles a wasm function when it is first called, with its baseline compiler, and
// optimises it only after it has run for a while; a call already running keeps the code it
// started with. The engine's one-off passes (finish(), the report's model, order statistics
// and fits) run once per file, so on a big file they would run on baseline code from start to
// end: a 5M-row CSV took 6.9 s under node, 5.9 s after reading and reporting a small file
// first. So once the page is idle (after its charts warmed up: on two cores the two would
// slow each other), the worker reads and reports a small synthetic orders file, in a Session
// of its own that it then deletes. A request stops it at its next step (see worker.js): a file
// that comes meanwhile waits for one step at most. A file of 64 MB or more that came first gets
// the warm-up after its read, before its finish().

const ROWS = 20000;
// Skewed as in scripts/gen-orders.mjs (a few loyal customers order often, most once or
// twice): with customers alike, the BG/NBD fit would find no interior optimum and stop there.
const CUSTOMERS = 6000;
const ROWS_PER_CHUNK = 4000;

/** Deterministic CSV chunks (mulberry32), shaped like an orders export. */
export function* orderChunks() {
  let seed = 0x5eed;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (n) => Math.floor(rand() * n);
  const two = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
  const channels = ['web', 'mobile_app', 'marketplace', 'email', 'social'];
  const statuses = ['paid', 'paid', 'paid', 'fulfilled', 'refunded', 'cancelled'];
  const encoder = new TextEncoder();
  let text = 'order_id,customer_id,created_at,total,cost,channel,product,quantity,status,country\n';
  for (let i = 0; i < ROWS; i++) {
    const c = Math.floor(rand() ** 1.6 * CUSTOMERS);
    // Each customer spends around a level of their own (the Gamma-Gamma fit needs that too).
    const cents = Math.round((1 + (Math.imul(c, 0x9e3779b1) >>> 0) / 2 ** 30) * (500 + pick(5000)));
    text += `${100000 + i},C${100000 + c},${2023 + (i & 1)}-${two[1 + pick(12)]}-` +
      `${two[1 + pick(28)]}T${two[pick(24)]}:${two[pick(60)]}:${two[pick(60)]},` +
      `${(cents / 100).toFixed(2)},${(cents / 250).toFixed(2)},${channels[i % 5]},` +
      `Product ${100 + pick(150)},${1 + (i % 3)},${statuses[pick(6)]},${i % 7 ? 'US' : 'DE'}\n`;
    if ((i + 1) % ROWS_PER_CHUNK === 0 || i + 1 === ROWS) {
      yield encoder.encode(text);
      text = '';
    }
  }
}

/**
 * Reads and reports the synthetic file in a Session of its own. Between steps it yields to the
 * worker's events and gives up once `stopped()` is true. Resolves to whether it ran to the end.
 * @param {{Session: new () => object}} M the engine's module
 * @param {() => boolean} stopped
 */
export async function warmUp(M, stopped) {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 0));
  await pause();
  if (stopped()) return false;
  // A report of two rows first: what the engine's first report allocates and keeps then sits
  // at the bottom of its memory, not above the warm-up's file, where it split the memory freed
  // after it (a 5M-row file read after such a warm-up grew the heap by 110 MB more).
  {
    const t = new M.Session();
    const id = t.open('tiny.csv', 100);
    t.feed(id, new TextEncoder().encode('order_id,customer_id,created_at,total\n1,C1,2024-01-01,5.00\n2,C1,2024-02-01,6.00\n'));
    t.finish(id);
    t.report('{}');
    t.delete();
  }
  const s = new M.Session();
  try {
    const id = s.open('warm-up.csv', ROWS * 80);
    for (const chunk of orderChunks()) {
      await pause();
      if (stopped()) return false;
      s.feed(id, chunk);
    }
    for (const step of [() => s.finish(id), () => s.report('{}')]) {
      await pause();
      if (stopped()) return false;
      step();
    }
    return true;
  } finally {
    s.delete();
  }
}
