// The page's first module (index.html runs it as soon as it arrives, before the stylesheet and
// the dashboard's modules): asks the engine worker that start-engine.js started (or starts
// it) to get ready, and takes files from the file input and from drops anywhere on the page.
// Files taken before app.js asks for them (onFiles) wait here, and the page says so; app.js
// hands them to the controller, which reads them as soon as the engine is up.

import { EngineClient } from './engine-client.js';

/** The page's engine, already starting: pass it to `new Loupe({ client })`. */
export const engine = new EngineClient(undefined, self.loupeEngineWorker);
self.loupeEngineWorker = engine.worker; // start-engine.js, if it runs later, starts no other
engine.init().catch(() => {}); // the controller reports a failure

const waiting = [];
let sink = null;

function say(text) {
  const status = document.getElementById('demo-status');
  if (status) status.textContent = text;
}

function take(files) {
  if (!files.length) return;
  if (sink) return sink(files);
  waiting.push(...files);
  say(`${waiting.length} file${waiting.length === 1 ? '' : 's'} waiting: read as soon as the page and its engine are ready…`);
}

/** Calls `fn(files)` with the files taken so far, then with every file chosen or dropped. */
export function onFiles(fn) {
  sink = fn;
  if (waiting.length) {
    say('');
    fn(waiting.splice(0));
  }
}

// A file chosen before this ran stays in the input until we look.
function pick(input) {
  const files = [...input.files];
  input.value = '';
  take(files);
}

/** Whether a drag event carries files (not text or a link dragged within the page). */
export const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
document.addEventListener('change', (e) => {
  if (e.target.id === 'file-input') pick(e.target);
});
// Without these, a drop before the page is ready would make the browser open the file.
document.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('drop', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  take([...e.dataTransfer.files]);
});

// Input ready: the listeners above are on, and the file input has been parsed.
function inputReady() {
  const input = document.getElementById('file-input');
  if (input) pick(input);
  performance.mark('loupe-input-ready');
}
if (document.readyState === 'loading') {
  document.addEventListener('readystatechange', inputReady, { once: true });
} else {
  inputReady();
}

