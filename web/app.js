// The page: wires the drop zone, demo button, theme switch and the two views to one Loupe
// controller. Everything it shows is built by the reusable modules it imports.

import { engine, hasFiles, onFiles } from './boot.js';
import { Loupe } from './controller.js';
import { FilesView } from './views/files.js';
import { DashboardView } from './views/dashboard.js';
import { applyTheme, isDark, onSystemThemeChange, savedTheme } from './theme.js';
import { warmUpCharts } from './charts/chart-element.js';
import { whenIdle } from './dom.js';

const $ = (id) => document.getElementById(id);

const loupe = new Loupe({ client: engine });
window.loupe = loupe; // for the browser tests and the curious: the report is loupe.report

// Theme
const themeSelect = $('theme');
const theme = savedTheme();
applyTheme(theme);
themeSelect.value = theme;

new FilesView($('files'), loupe);
const dashboard = new DashboardView($('dashboard'), loupe, { isDark: () => isDark() });

themeSelect.addEventListener('change', () => {
  applyTheme(themeSelect.value);
  dashboard.redrawCharts();
});
onSystemThemeChange(() => dashboard.redrawCharts());

// Engine failure
loupe.addEventListener('change', (e) => {
  if (e.detail.what === 'engine') {
    $('engine-error').hidden = false;
    $('engine-error').textContent = `${loupe.engineError}. Reload the page; if it persists, this browser may not support WebAssembly in workers.`;
  }
  if (e.detail.what === 'files') document.body.classList.toggle('has-files', loupe.files.size > 0);
});
loupe.ready.then(() => performance.mark('loupe-engine-ready'), () => {});

// Once the engine is up and the page is idle, let the chart library compile its code paths so
// the first dashboard draws without a long pause (not before: on two cores, loading ECharts
// slows the engine's start). window.loupePageReady: the engine is up and the charts are warm.
window.loupePageReady = loupe.ready.then(whenIdle).then(warmUpCharts);
// Marks for the cold-start benchmark: the engine accepts files, and the charts are warm too.
window.loupePageReady.then(() => performance.mark('loupe-page-ready'), () => {});
// Then the engine's own warm-up (after the charts': on two cores they would slow each other).
window.loupePageReady.then(() => loupe.warmUpEngine(), () => {});

// Files: boot.js takes them from the picker and from drops anywhere (and kept those that came
// before this module ran); here, the overlay shown while files are dragged over the page.
onFiles((files) => loupe.addFiles(files).catch((err) => console.error(err)));

const overlay = $('drop-overlay');
let dragDepth = 0;
document.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth++;
  overlay.hidden = false;
});
document.addEventListener('dragleave', (e) => {
  if (!hasFiles(e)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) overlay.hidden = true;
});
document.addEventListener('drop', (e) => {
  if (!hasFiles(e)) return;
  dragDepth = 0;
  overlay.hidden = true;
});

// Demo
const demoButton = $('demo-button');
demoButton.addEventListener('click', async () => {
  demoButton.disabled = true;
  $('demo-status').textContent = 'Loading the demo store…';
  try {
    await loupe.loadDemo(new URL('gen/demo/', import.meta.url));
    $('demo-status').textContent = 'Demo store loaded: Leaf & Bean, a tea and coffee shop (generated data).';
    $('dashboard').focus({ preventScroll: true });
  } catch (err) {
    $('demo-status').textContent = `The demo could not be loaded: ${err.message}`;
  } finally {
    demoButton.disabled = false;
  }
});
