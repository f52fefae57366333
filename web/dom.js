// A tiny DOM builder. Strings always become text nodes (never HTML), so text from files can
// be passed anywhere without escaping.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(doc, ns, tag, attrs, children) {
  const el = ns ? doc.createElementNS(ns, tag) : doc.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'value' && !ns) el.value = v;
      else if (k === 'checked' || k === 'selected' || k === 'open') el[k] = !!v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (typeof c === 'string' || typeof c === 'number') el.appendChild(el.ownerDocument.createTextNode(String(c)));
    else el.appendChild(c);
  }
}

/** h('div', {class: 'x'}, 'text', child...) -> HTMLElement */
export function h(tag, attrs, ...children) {
  return build(document, null, tag, attrs, children);
}

/** s('path', {d: ...}) -> SVGElement */
export function s(tag, attrs, ...children) {
  return build(document, SVG_NS, tag, attrs, children);
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let idSeq = 0;
/** A document-unique id for label/aria wiring. */
export function uid(prefix = 'l') {
  return `${prefix}-${++idSeq}`;
}

/** Starts a download of a Blob (or data URL) under a file name. */
export function download(data, filename) {
  const url = typeof data === 'string' ? data : URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  if (typeof data !== 'string') setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Resolves once the main thread is idle (requestIdleCallback, 2 s at most; 200 ms without it). */
export function whenIdle() {
  return new Promise((r) => (window.requestIdleCallback ? requestIdleCallback(() => r(), { timeout: 2000 }) : setTimeout(r, 200)));
}
