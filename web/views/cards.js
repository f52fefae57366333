// KPI cards: value, unit, delta against the previous period (arrow and colour by the KPI's
// better direction), a sparkline, and "how is this computed" with the actual numerator and
// denominator. Unavailable KPIs say what would enable them. Pure DOM builders.

import { h, s } from '../dom.js';
import { delta, formatDelta, formatNumber, formatValue, formatBucket } from '../format.js';
import { describeNeed, kpiMeta } from '../kpi-meta.js';

const ARROW = { up: '▲', down: '▼', flat: '▬' };

/** The card for KPI `id` of `report`. opts: {locale, currency, open (bool: details open)} */
export function kpiCard(id, report, opts = {}) {
  const k = report.kpis[id];
  const m = kpiMeta(id);
  const fmtOpts = { locale: opts.locale, currency: opts.currency };
  const ok = k.status === 'ok' && k.value !== null && k.value !== undefined;
  const titleId = `kpi-title-${id}`;
  const card = h('article', {
    class: ['card', `status-${k.status}`],
    'aria-labelledby': titleId,
    dataset: { kpi: id, value: ok ? String(k.value) : '', status: k.status },
  });
  card.appendChild(h('h3', { class: 'card-title', id: titleId }, m.title));

  const valueText = ok ? formatValue(k.value, k.unit, fmtOpts) : '—';
  card.appendChild(h('p', { class: 'card-value' }, valueText));

  if (k.status === 'unavailable') {
    const needs = (k.needs || []).map(describeNeed);
    card.appendChild(h('p', { class: 'card-note' }, needs.length ? `Add ${joinOr(needs)} to see this.` : 'Not available for these files.'));
  } else if (k.status === 'undefined') {
    card.appendChild(h('p', { class: 'card-note' }, k.reason ? `Not defined: ${k.reason}` : 'Not defined for this period: nothing to divide by.'));
  } else {
    const d = delta(k.value, k.previous, k.unit, m.higherIsBetter);
    if (d) {
      const tone = d.good === null ? 'neutral' : d.good ? 'good' : 'bad';
      const words = `${d.direction === 'up' ? 'Up' : d.direction === 'down' ? 'Down' : 'No change'} ${formatDelta(d, opts.locale)} vs previous period (${formatValue(k.previous, k.unit, fmtOpts)})${d.good === null ? '' : d.good ? ', better' : ', worse'}`;
      card.appendChild(h('p', { class: ['card-delta', `tone-${tone}`], title: words },
        h('span', { class: 'arrow', 'aria-hidden': 'true' }, ARROW[d.direction]),
        h('span', { class: 'visually-hidden' }, words),
        h('span', { 'aria-hidden': 'true' }, formatDelta(d, opts.locale)),
        h('span', { class: 'muted', 'aria-hidden': 'true' }, ' vs prev.')));
    } else {
      card.appendChild(h('p', { class: 'card-delta tone-none' }, k.previous === null || k.previous === undefined ? 'No previous period to compare' : ''));
    }
    // Always present (maybe empty) so cards in a row line up.
    card.appendChild(h('p', { class: 'card-extra' }, extraLine(id, k, fmtOpts)));
  }

  const points = report.series && report.series[id];
  if (Array.isArray(points) && points.filter((p) => p.value !== null && p.value !== undefined).length >= 2) {
    card.appendChild(sparkline(points, m.title, k.unit, fmtOpts));
  }

  card.appendChild(howComputed(id, k, m, fmtOpts, opts.open));
  return card;
}

function joinOr(list) {
  if (list.length <= 1) return list.join('');
  return `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** One short line of the KPI's extras, when it has any worth a glance. */
function extraLine(id, k, fmtOpts) {
  const n = (v) => formatNumber(v, fmtOpts.locale);
  switch (id) {
    case 'new_customers':
      return k.returning !== undefined ? `${n(k.returning)} returning` : '';
    case 'clv':
      return k.lifespan_years !== undefined ? `Lifespan ${n(k.lifespan_years)} years${k.lifespan_assumed ? ' (assumed)' : ''}` : '';
    case 'nps':
      return k.responses !== undefined
        ? `${n(k.responses)} responses${k.margin_of_error !== undefined && k.margin_of_error !== null ? ` · ±${n(k.margin_of_error)}` : ''}`
        : '';
    case 'csat':
    case 'ces':
      return k.mean !== undefined && k.mean !== null
        ? `Mean ${n(k.mean)}${k.scale ? ` of ${k.scale.max}` : ''} · ${n(k.responses)} responses`
        : '';
    case 'avg_resolution_time':
      return k.median !== undefined
        ? `Median ${formatValue(k.median, 'hours')} · p90 ${formatValue(k.p90, 'hours')}${k.open ? ` · ${n(k.open)} open` : ''}`
        : '';
    case 'social_sentiment':
      return k.positive !== undefined ? `${formatValue(k.positive, '%')} positive · ${formatValue(k.negative, '%')} negative` : '';
    case 'conversion_rate':
      return k.buyers && k.buyers.value !== null && k.buyers.value !== undefined ? `Buyers / visitors ${formatValue(k.buyers.value, '%')}` : '';
    case 'member_activity_rate':
      return k.events_per_active_member !== undefined && k.events_per_active_member !== null ? `${n(k.events_per_active_member)} events per active member` : '';
    case 'predicted_clv':
      return k.means && k.means.p_alive !== undefined ? `Avg. P(alive) ${formatValue(k.means.p_alive * 100, '%')}` : '';
    case 'product_units': {
      const top = Array.isArray(k.top_by_units) && k.top_by_units[0];
      return top ? `Top: ${top.product}` : '';
    }
    case 'acquisition_sources': {
      const list = Array.isArray(k.by_channel) ? k.by_channel.slice().sort((a, b) => (b.new_customers || 0) - (a.new_customers || 0)) : [];
      return list[0] ? `Top: ${list[0].channel} (${formatValue(list[0].share, '%')})` : '';
    }
    default:
      return '';
  }
}

/** An SVG sparkline; gaps where a bucket has no value. */
export function sparkline(points, title, unit, fmtOpts) {
  const W = 120;
  const H = 28;
  const vals = points.map((p) => (p.value === null || p.value === undefined ? null : p.value));
  const finite = vals.filter((v) => v !== null);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min || 1;
  const x = (i) => (points.length === 1 ? W / 2 : (i / (points.length - 1)) * W);
  const y = (v) => H - 2 - ((v - min) / span) * (H - 4);
  let d = '';
  let pen = false;
  vals.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  const lastIdx = vals.map((v, i) => (v === null ? -1 : i)).filter((i) => i >= 0).pop();
  const first = points.find((p) => p.value !== null && p.value !== undefined);
  const last = points[lastIdx];
  const label = `${title} trend: ${formatBucket(first.bucket)} ${formatValue(first.value, unit, fmtOpts)}, ${formatBucket(last.bucket)} ${formatValue(last.value, unit, fmtOpts)}, low ${formatValue(min, unit, fmtOpts)}, high ${formatValue(max, unit, fmtOpts)}`;
  return s('svg', { class: 'sparkline', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
    s('title', null, label),
    s('path', { d, fill: 'none', 'vector-effect': 'non-scaling-stroke' }),
    s('circle', { cx: x(lastIdx), cy: y(vals[lastIdx]), r: 2 }));
}

function howComputed(id, k, m, fmtOpts, open) {
  const n = (v) => formatNumber(v, fmtOpts.locale);
  const rows = [];
  const has = (v) => v !== undefined && v !== null;
  if (has(k.numerator) || has(k.denominator)) {
    rows.push(['Numerator', `${has(k.numerator) ? n(k.numerator) : '—'}${m.numerator ? ` (${m.numerator})` : ''}`]);
    rows.push(['Denominator', `${has(k.denominator) ? n(k.denominator) : '—'}${m.denominator ? ` (${m.denominator})` : ''}`]);
  }
  if (k.status === 'ok' && has(k.value)) rows.push(['Result', formatValue(k.value, k.unit, fmtOpts)]);
  if (has(k.previous)) rows.push(['Previous period', formatValue(k.previous, k.unit, fmtOpts)]);
  if (id === 'clv' && has(k.aov)) {
    rows.push(['Average order value', formatValue(k.aov, 'currency', fmtOpts)]);
    if (has(k.purchase_frequency)) rows.push(['Purchases per customer per year', n(k.purchase_frequency)]);
    if (has(k.lifespan_years)) rows.push(['Lifespan (years)', `${n(k.lifespan_years)}${k.lifespan_assumed ? ' (assumed)' : ' (1 / annual churn)'}`]);
  }
  if (id === 'nps' && has(k.promoters)) {
    rows.push(['Promoters / passives / detractors', `${n(k.promoters)} / ${n(k.passives)} / ${n(k.detractors)}`]);
  }
  if (id === 'predicted_clv' && k.params) {
    rows.push(['BG/NBD r, α, a, b', ['r', 'alpha', 'a', 'b'].map((p) => formatNumber(k.params[p])).join(', ')]);
    rows.push(['Gamma-Gamma p, q, γ', ['p', 'q', 'gamma'].map((p) => formatNumber(k.params[p])).join(', ')]);
    if (k.means) rows.push(['Mean expected purchases (52 wk)', n(k.means.expected_purchases)]);
  }
  if (k.needs && k.needs.length) rows.push(['Needs', k.needs.join(', ')]);
  if (k.rule) rows.push(['Rule', k.rule]);
  const details = h('details', { class: 'how', open: !!open, dataset: { how: id } },
    h('summary', null, 'How it’s computed'),
    m.definition ? h('p', null, m.definition) : null,
    rows.length ? h('dl', null, rows.map(([a, b]) => [h('dt', null, a), h('dd', null, b)])) : null);
  return details;
}
