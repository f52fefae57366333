// Number and date formatting for cards, tooltips and tables. Pure functions.

const cache = new Map();
function nf(locale, opts) {
  const key = `${locale}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, opts);
    cache.set(key, f);
  }
  return f;
}

/**
 * Formats a KPI value by its unit. `currency` is an ISO code when the data names one,
 * otherwise values are shown as plain numbers with two decimals (we never guess a currency).
 */
export function formatValue(value, unit, { locale = undefined, currency = '', compact = false } = {}) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = (d) => ({ maximumFractionDigits: d, minimumFractionDigits: 0 });
  const c = compact && abs >= 10000 ? { notation: 'compact', maximumFractionDigits: 1 } : null;
  switch (unit) {
    case 'currency':
      if (currency) {
        try {
          return nf(locale, { style: 'currency', currency, ...(c || { minimumFractionDigits: abs >= 1000 ? 0 : 2, maximumFractionDigits: abs >= 1000 ? 0 : 2 }) }).format(value);
        } catch {
          /* unknown currency code: fall through */
        }
      }
      return nf(locale, c || { minimumFractionDigits: abs >= 1000 ? 0 : 2, maximumFractionDigits: abs >= 1000 ? 0 : 2 }).format(value);
    case '%':
      return `${nf(locale, digits(abs >= 100 ? 0 : 1)).format(value)}%`;
    case 'count':
      return nf(locale, c || digits(Number.isInteger(value) ? 0 : 1)).format(value);
    case 'days':
      return `${nf(locale, digits(1)).format(value)} d`;
    case 'hours':
      return `${nf(locale, digits(abs >= 100 ? 0 : 1)).format(value)} h`;
    case 'ratio':
      return nf(locale, digits(2)).format(value);
    case 'score':
      return nf(locale, digits(1)).format(value);
    default:
      return nf(locale, c || digits(2)).format(value);
  }
}

/** Plain number for "how is this computed" lines: full precision up to 2 decimals. */
export function formatNumber(value, locale) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return nf(locale, { maximumFractionDigits: 2 }).format(value);
}

/**
 * Change against the previous period. Percentages and scores change in points (a 40% -> 44%
 * move is +4 pp, not +10%); other units change relatively. `good` is true/false when the KPI
 * has a better direction, null when it does not or there is no change.
 * Returns null when either value is missing.
 */
export function delta(value, previous, unit, higherIsBetter) {
  if (value === null || value === undefined || previous === null || previous === undefined) return null;
  if (!Number.isFinite(value) || !Number.isFinite(previous)) return null;
  const diff = value - previous;
  const points = unit === '%' || unit === 'score';
  let amount;
  let suffix;
  if (points) {
    amount = diff;
    suffix = unit === '%' ? ' pp' : '';
  } else if (previous === 0) {
    amount = null; // no relative change from zero
    suffix = '';
  } else {
    amount = (diff / Math.abs(previous)) * 100;
    suffix = '%';
  }
  const direction = diff > 0 ? 'up' : diff < 0 ? 'down' : 'flat';
  const good = direction === 'flat' || higherIsBetter === null || higherIsBetter === undefined
    ? null
    : (direction === 'up') === higherIsBetter;
  return { diff, amount, suffix, direction, good };
}

/** "+4.2 pp", "−12%", "new" (from zero). */
export function formatDelta(d, locale) {
  if (!d) return '';
  if (d.amount === null) return d.direction === 'flat' ? '0' : 'from 0';
  const abs = Math.abs(d.amount);
  const text = nf(locale, { maximumFractionDigits: abs >= 100 ? 0 : 1 }).format(abs);
  const sign = d.amount > 0 ? '+' : d.amount < 0 ? '−' : '±';
  return `${sign}${text}${d.suffix}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2024-07-01" -> "1 Jul 2024". */
export function formatDate(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m) return iso;
  return d ? `${d} ${MONTHS[m - 1]} ${y}` : `${MONTHS[m - 1]} ${y}`;
}

/** Adds n days to an ISO date ("2024-06-30", 1 -> "2024-07-01"). */
export function addDays(iso, n) {
  const t = Date.parse(`${iso}T00:00:00Z`) + n * 86400000;
  return new Date(t).toISOString().slice(0, 10);
}

/** A half-open period [from, to) as the user reads it: "1 Jul 2024 – 30 Jun 2025". */
export function formatPeriod(p) {
  if (!p || !p.from || !p.to) return '';
  return `${formatDate(p.from)} – ${formatDate(addDays(p.to, -1))}`;
}

/** Bucket labels: "2024-07" -> "Jul 2024"; "2024-W03" and days as they are. */
export function formatBucket(b) {
  if (/^\d{4}-\d{2}$/.test(b)) return formatDate(b);
  return b;
}

/** Byte counts: 1536 -> "1.5 KB". */
export function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}
