// Analysis period presets. Pure functions: presets are relative to the latest date in the
// data (not today), so an export from last year still shows its last 30 days.

import { addDays } from './format.js';

export const PRESETS = [
  { id: 'default', label: 'Last 12 months' },
  { id: 'quarter', label: 'Latest quarter' },
  { id: '30d', label: 'Last 30 days' },
  { id: 'ytd', label: 'Year to date' },
  { id: 'all', label: 'All time' },
  { id: 'custom', label: 'Custom range' },
];

export const GRANULARITIES = [
  { id: 'day', label: 'Day' },
  { id: 'week', label: 'Week' },
  { id: 'month', label: 'Month' },
  { id: 'quarter', label: 'Quarter' },
  { id: 'year', label: 'Year' },
];

/**
 * The report's data range {from, to} -> the latest date that holds data. Unlike periods,
 * the engine's data range is inclusive: `to` is the latest date found in any file.
 */
export function latestDate(range) {
  return range && range.to ? range.to : null;
}

/**
 * Period [from, to) for a preset, given the data range; null means "let the engine choose"
 * (its default: the 12 calendar months ending with the latest month).
 * custom: {from, to} inclusive dates as typed by the user.
 */
export function presetPeriod(preset, range, custom = {}) {
  const latest = latestDate(range);
  const end = latest ? addDays(latest, 1) : null;
  switch (preset) {
    case '30d':
      return end ? { from: addDays(end, -30), to: end } : null;
    case 'quarter': {
      if (!latest) return null;
      const [y, m] = latest.split('-').map(Number);
      const q = Math.floor((m - 1) / 3);
      const from = `${y}-${String(q * 3 + 1).padStart(2, '0')}-01`;
      const to = q === 3 ? `${y + 1}-01-01` : `${y}-${String(q * 3 + 4).padStart(2, '0')}-01`;
      return { from, to };
    }
    case 'ytd':
      return latest ? { from: `${latest.slice(0, 4)}-01-01`, to: end } : null;
    case 'all':
      return range && range.from && end ? { from: range.from, to: end } : null;
    case 'custom':
      if (custom.from && custom.to && custom.from <= custom.to) return { from: custom.from, to: addDays(custom.to, 1) };
      return null;
    default:
      return null;
  }
}

/** Label of a quarter preset for the data: "Latest quarter (Q2 2025)". */
export function presetLabel(preset, range) {
  const p = PRESETS.find((x) => x.id === preset);
  if (!p) return preset;
  if (preset === 'quarter') {
    const latest = latestDate(range);
    if (latest) {
      const [y, m] = latest.split('-').map(Number);
      return `${p.label} (Q${Math.floor((m - 1) / 3) + 1} ${y})`;
    }
  }
  return p.label;
}
