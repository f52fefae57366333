// <loupe-chart>: one ECharts instance per element. Set `.option` (from a pure builder in
// options.js); the chart follows its box with a ResizeObserver and is disposed when the
// element leaves the document, so re-rendering a dashboard never leaks instances.

import { init, getInstanceByDom } from '../gen/echarts.esm.min.mjs';

export class LoupeChart extends HTMLElement {
  #chart = null;
  #option = null;
  #observer = null;

  connectedCallback() {
    if (!this.hasAttribute('role')) this.setAttribute('role', 'img');
    this.#observer = new ResizeObserver(() => this.#chart && this.#chart.resize());
    this.#observer.observe(this);
    if (this.#option) this.#render();
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#observer = null;
    this.#chart?.dispose();
    this.#chart = null;
  }

  /** Sets the whole option (replacing the previous one). */
  set option(option) {
    this.#option = option;
    if (this.isConnected) this.#render();
  }

  get option() {
    return this.#option;
  }

  #render() {
    if (!this.#chart) this.#chart = getInstanceByDom(this) || init(this, null, { renderer: 'canvas' });
    this.#chart.setOption(this.#option, { notMerge: true, lazyUpdate: false });
  }

  /** PNG data URL of the chart drawn on `background` (charts are transparent otherwise). */
  toPng(background) {
    if (!this.#chart) return null;
    return this.#chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background });
  }

  resize() {
    this.#chart?.resize();
  }
}

if (!customElements.get('loupe-chart')) customElements.define('loupe-chart', LoupeChart);
