// A File's bytes in chunks, as the engine's worker reads them (web/worker.js) and the bench
// worker too (tests/bench/web/worker.js), so that both read a file the same way.

export const CHUNK = 1 << 20; // the reused buffer of a BYOB read, or a slice when a File has no stream()

const STALL_MS = 3000; // a 1 MiB read that takes longer is taken to have stalled (see fileChunks)
const STALLED = Symbol('stalled');

/** The promise's value, or STALLED once `ms` pass first. */
function settledWithin(promise, ms) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(STALLED), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** For the browser tests: self.loupeStallRead = n makes the n-th read from now on stall. */
function readStall(read) {
  if (typeof self.loupeStallRead === 'number' && --self.loupeStallRead === 0) return new Promise(() => {});
  return read;
}

/** A stream's chunks as its default reader hands them out: a new chunk per read. */
export async function* plainChunks(stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The file's bytes, chunk after chunk. A chunk is valid until the next one is asked for: its
 * memory is then read into again.
 */
export async function* fileChunks(file) {
  if (typeof file.stream !== 'function') {
    for (let i = 0; i < file.size; i += CHUNK) {
      yield new Uint8Array(await file.slice(i, i + CHUNK).arrayBuffer());
    }
    return;
  }
  // A BYOB reader fills one buffer over and over: no chunk per read for the garbage collector
  // to find later (a 1 GB file read that way left up to 190 MB of chunks about).
  // Chromium's BYOB read of a File's stream can stall for good, its promise never settling
  // (seen with two files chosen together: an 80 MB CSV and a small file, 2 reads in 3 hung
  // at 69-79 MB; and in the bench worker, one file in a fresh page). A read that has not
  // settled within STALL_MS is given up, and the rest of the file is read from a new stream
  // of file.slice(offset); each time the wait doubles, so a slow disk is waited for.
  let offset = 0;
  let stallMs = STALL_MS;
  for (;;) {
    const stream = (offset === 0 ? file : file.slice(offset)).stream();
    let byob = null;
    try {
      byob = stream.getReader({ mode: 'byob' });
    } catch { /* not a byte stream here: plain chunks below */ }
    if (!byob) {
      yield* plainChunks(stream);
      return;
    }
    let stalled = false;
    try {
      let buffer = new ArrayBuffer(CHUNK);
      for (;;) {
        const result = await settledWithin(readStall(byob.read(new Uint8Array(buffer))), stallMs);
        if (result === STALLED) {
          stalled = true;
          break;
        }
        const { done, value } = result;
        if (done) return;
        offset += value.byteLength;
        yield value;
        buffer = value.buffer;
      }
    } finally {
      if (stalled) {
        byob.cancel().catch(() => {}); // its pending read holds the buffer: a new one next
      } else {
        byob.releaseLock();
      }
    }
    self.loupeReadRestarts = (self.loupeReadRestarts || 0) + 1;
    stallMs *= 2;
  }
}
