// index.html's first script, a classic one run as soon as it arrives (async: it blocks neither
// the parser nor the module graph): starts the engine worker, which fetches and compiles the
// wasm module at once, before the page's modules have arrived and run. boot.js adopts the
// worker as the page's engine (or, if it runs first, starts it and this does nothing).
self.loupeEngineWorker ||= new Worker(new URL('worker.js', document.currentScript.src), { type: 'module', name: 'loupe-engine' });
