// <loupe-chart>: one ECharts instance per element. Set `.option` (from a pure builder in
// options.js); the chart is drawn when it comes near the viewport (a dashboard of fifteen
// charts never draws them all in one go), follows its box with a ResizeObserver, and is
// disposed when the element leaves the document, so re-rendering never leaks instances.

// The chart library (about 1 MB) is loaded on first use, not with the page: the engine and the
// drop zone must be ready before it. warmUpCharts() loads it once the page is idle.
let echarts = null;
let loading = null;
export function loadCharts() {
  loading ??= import('../gen/echarts.esm.min.mjs').then((m) => { echarts = m; });
  return loading;
}
const init = (...a) => echarts.init(...a);
const getInstanceByDom = (el) => echarts.getInstanceByDom(el);

// Charts waiting to be drawn, drawn one per task: several charts becoming visible at once
// (a new report, a fast scroll) must not add up to one long task on the main thread.
const queue = new Set();
let pumping = false;
function schedule(chart) {
  queue.add(chart);
  if (pumping) return;
  pumping = true;
  const pump = () => {
    const next = queue.values().next();
    if (next.done) {
      pumping = false;
      return;
    }
    queue.delete(next.value);
    next.value.drawNow();
    setTimeout(pump, 0);
  };
  setTimeout(pump, 0);
}

export class LoupeChart extends HTMLElement {
  #chart = null;
  #option = null;
  #pending = false;
  #visible = false;
  #resize = null;
  #intersect = null;

  connectedCallback() {
    if (!this.hasAttribute('role')) this.setAttribute('role', 'img');
    this.#resize = new ResizeObserver(() => this.#chart && this.#chart.resize());
    this.#resize.observe(this);
    this.#intersect = new IntersectionObserver((entries) => {
      this.#visible = entries.some((e) => e.isIntersecting);
      if (this.#visible && this.#pending) schedule(this);
    }, { rootMargin: '300px 0px' });
    this.#intersect.observe(this);
  }

  disconnectedCallback() {
    this.#resize?.disconnect();
    this.#intersect?.disconnect();
    this.#resize = this.#intersect = null;
    this.#visible = false;
    queue.delete(this);
    // A move within the document reconnects at once: only a real removal disposes.
    queueMicrotask(() => {
      if (this.isConnected || !this.#chart) return;
      this.#chart.dispose();
      this.#chart = null;
      this.#pending = this.#option !== null;
    });
  }

  /** Sets the whole option (replacing the previous one); drawn once the chart is near view. */
  set option(option) {
    this.#option = option;
    this.#pending = true;
    if (this.isConnected && this.#visible) schedule(this);
  }

  get option() {
    return this.#option;
  }

  /** Whether the current option has been drawn. */
  get drawn() {
    return !!this.#chart && !this.#pending;
  }

  /** Draws the pending option now (the queue calls this; so does PNG export). */
  drawNow() {
    if (!this.#pending || !this.isConnected) return;
    if (!echarts) {
      loadCharts().then(() => schedule(this));
      return;
    }
    if (!this.#chart) {
      // Creating the instance and drawing into it are two tasks of their own.
      this.#chart = getInstanceByDom(this) || init(this, null, { renderer: 'canvas' });
      schedule(this);
      return;
    }
    this.#render();
  }

  #render() {
    this.#pending = false;
    queue.delete(this);
    if (!this.#chart) this.#chart = getInstanceByDom(this) || init(this, null, { renderer: 'canvas' });
    this.#chart.setOption(this.#option, { notMerge: true });
  }

  /** Resolves once the chart library is loaded (toPng needs it). */
  ready() {
    return loadCharts();
  }

  /** PNG data URL of the chart drawn on `background` (charts are transparent otherwise). */
  toPng(background) {
    if (!this.#option || !echarts) return null;
    if (this.#pending || !this.#chart) {
      this.#render();
    }
    this.#chart.setOption({ animation: false }, { lazyUpdate: false });
    const url = this.#chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background });
    return url;
  }

  resize() {
    this.#chart?.resize();
  }
}

/**
 * Runs ECharts once, off screen, through the series and components the dashboard uses, one
 * per task, so the first real chart after a report does not pay for V8 compiling the library
 * (several hundred ms on a slow machine, in one task). Nothing is shown; the instance is
 * disposed at the end. Call when the page is idle; resolves when done.
 */
export async function warmUpCharts() {
  await loadCharts();
  const host = document.createElement('div');
  host.setAttribute('aria-hidden', 'true');
  host.style.cssText = 'position:fixed;left:-10000px;top:0;width:480px;height:320px;visibility:hidden;pointer-events:none';
  document.body.appendChild(host);
  const chart = init(host, null, { renderer: 'canvas' });
  const source = [{ k: 'a', v: 1, w: 2 }, { k: 'b', v: 3, w: 1 }];
  const common = {
    aria: { enabled: true }, animation: false, dataset: { dimensions: ['k', 'v', 'w'], source },
    legend: {}, tooltip: { trigger: 'axis' }, grid: { containLabel: true },
  };
  const options = [
    { ...common, xAxis: { type: 'category' }, yAxis: [{ type: 'value' }, { type: 'value' }],
      series: [{ type: 'bar', stack: 's', encode: { x: 'k', y: 'v' } }, { type: 'line', yAxisIndex: 1, encode: { x: 'k', y: 'w' } }] },
    { ...common, xAxis: { type: 'category' }, yAxis: { type: 'category' }, visualMap: { show: false, dimension: 'v', min: 0, max: 3 },
      series: [{ type: 'heatmap', encode: { x: 'k', y: 'k' }, label: { show: true } }] },
    { ...common, xAxis: { type: 'value' }, yAxis: { type: 'category' },
      series: [{ type: 'custom', encode: { y: 'k', x: ['v', 'w'] }, renderItem: () => ({ type: 'group', children: [] }) }] },
  ];
  try {
    for (const option of options) {
      await new Promise((r) => setTimeout(r, 0));
      chart.setOption(option, { notMerge: true });
    }
  } finally {
    chart.dispose();
    host.remove();
  }
}

if (!customElements.get('loupe-chart')) customElements.define('loupe-chart', LoupeChart);
