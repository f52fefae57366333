// embed.html: <loupe-dashboard> in an iframe, for hosts that prefer isolation.
//
//   <iframe src="loupe/embed.html?kpis=revenue,orders&theme=light&origin=https://admin.example"></iframe>
//
// Query parameters: the widget's attributes (kpis, period, granularity, theme, locale,
// compact, drop; a boolean is on when present and not "false") and `origin`, the parent
// page's origin. Without `origin`, the origin of document.referrer is used; with neither,
// no message is accepted. Messages from any other origin, or from a window other than the
// parent, are ignored.
//
// Protocol (window.postMessage, plain objects):
//   parent -> iframe  {type: 'loupe:load', id, data: [{name, bytes}] | {name, bytes} | {kind, rows}}
//                     {type: 'loupe:report', id}   {type: 'loupe:save', id}
//                     {type: 'loupe:restore', id, data: config}   {type: 'loupe:resize', id}
//   iframe -> parent  {type: 'loupe:result', id, data}  or  {type: 'loupe:error', id, message}
//                     {type: 'loupe:ready'} once, then {type: 'loupe:report-changed', data: report}
//                     and {type: 'loupe:error', message, file?} as the widget reports them.
// Files cross as {name, bytes: ArrayBuffer} (File objects from the parent work too: they are
// structured-cloneable); ArrayBuffers can be transferred.

import './loupe-widget.js';

const params = new URLSearchParams(location.search);
const widget = document.getElementById('loupe');
for (const name of ['kpis', 'period', 'granularity', 'theme', 'locale']) {
  const v = params.get(name);
  if (v) widget.setAttribute(name, v);
}
for (const name of ['compact', 'drop']) {
  if (params.has(name) && params.get(name) !== 'false') widget.setAttribute(name, '');
}

/** The one origin allowed to talk to this frame, or null. */
export function allowedOrigin(param, referrer) {
  for (const candidate of [param, referrer]) {
    if (!candidate) continue;
    try {
      const o = new URL(candidate).origin;
      if (o && o !== 'null') return o;
    } catch {
      /* not a URL: try the next one */
    }
  }
  return null;
}

const parentOrigin = window.parent !== window ? allowedOrigin(params.get('origin'), document.referrer) : null;
const send = (message) => {
  if (parentOrigin) window.parent.postMessage(message, parentOrigin);
};

const handlers = {
  load: (data) => widget.load(data),
  report: () => widget.report(),
  save: () => widget.save(),
  restore: (data) => widget.restore(data || {}),
  resize: () => widget.resize(),
};

window.addEventListener('message', async (event) => {
  if (!parentOrigin || event.origin !== parentOrigin || event.source !== window.parent) return;
  const msg = event.data;
  if (!msg || typeof msg.type !== 'string' || !msg.type.startsWith('loupe:')) return;
  const handler = handlers[msg.type.slice(6)];
  if (!handler) {
    send({ type: 'loupe:error', id: msg.id, message: `unknown request ${msg.type}` });
    return;
  }
  try {
    send({ type: 'loupe:result', id: msg.id, data: (await handler(msg.data)) ?? null });
  } catch (e) {
    send({ type: 'loupe:error', id: msg.id, message: String((e && e.message) || e) });
  }
});

widget.addEventListener('loupe-report', (e) => send({ type: 'loupe:report-changed', data: e.detail }));
widget.addEventListener('loupe-error', (e) => send({ type: 'loupe:error', message: e.detail.message, file: e.detail.file }));
window.loupeEmbed = { widget, parentOrigin }; // for tests and the curious
send({ type: 'loupe:ready' });
