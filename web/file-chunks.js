// A File's bytes in chunks, and fed to the engine, as the engine's worker reads them
// (web/worker.js) and the bench worker too (tests/bench/web/worker.js), so that both read a
// file the same way.

export const CHUNK = 1 << 20; // the reused buffer of a BYOB read, or a slice when a File has no stream()

const STALL_MS = 3000; // a 1 MiB read that takes longer is taken to have stalled (see fileChunks)
const STALLED = Symbol('stalled');

/** The promise's value, or STALLED once `ms` pass first. */
function settledWithin(promise, ms) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(STALLED), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** For the browser tests: self.loupeStallRead = n makes the n-th read waited for from now on stall. */
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

/** A Blob's bytes in slices of CHUNK bytes, each read on its own. */
export async function* sliceChunks(blob) {
  for (let i = 0; i < blob.size; i += CHUNK) {
    yield new Uint8Array(await blob.slice(i, i + CHUNK).arrayBuffer());
  }
}

/**
 * The file's bytes, chunk after chunk. A chunk is valid until the next one is asked for: its
 * memory is then read into again.
 */
export async function* fileChunks(file) {
  if (typeof file.stream !== 'function') {
    yield* sliceChunks(file);
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
    let ended = false; // the stream's end was read: no read is pending
    let next = null;
    try {
      // Two buffers in turn: the next read fills one while the caller feeds the other's chunk
      // to the engine, so that reading the file and parsing it overlap.
      let spare = new ArrayBuffer(CHUNK);
      next = byob.read(new Uint8Array(new ArrayBuffer(CHUNK)));
      for (;;) {
        const result = await settledWithin(readStall(next), stallMs);
        if (result === STALLED) {
          stalled = true;
          break;
        }
        const { done, value } = result;
        if (done) {
          ended = true;
          return;
        }
        offset += value.byteLength;
        next = byob.read(new Uint8Array(spare));
        yield value;
        spare = value.buffer;
      }
    } finally {
      if (ended) {
        byob.releaseLock();
      } else {
        // Stalled, or left early (the caller stopped, or reads on from another stream): a read
        // is pending and holds its buffer. Cancelling settles it; a stalled read's buffer is
        // not used again.
        next?.catch(() => {});
        byob.cancel().catch(() => {});
      }
    }
    self.loupeReadRestarts = (self.loupeReadRestarts || 0) + 1;
    stallMs *= 2;
  }
}

/** Where a file's later part begins: the first line start from `at` of its size, or 0. */
async function secondPartAt(file, at) {
  const from = Math.floor(file.size * at);
  const probe = new Uint8Array(await file.slice(from, from + CHUNK).arrayBuffer());
  const lf = probe.indexOf(10);
  return lf < 0 || from + lf + 1 >= file.size ? 0 : from + lf + 1;
}

// Bytes fed before a file is split: its format, a CSV file's header and the 64 KiB its
// delimiter is sniffed from.
const SPLIT_AFTER = 256 << 10;

/**
 * Feeds a File to the engine's Session `s`, as file `id` (opened with the file's size), chunk
 * after chunk. Where the engine has two threads (the threaded engine: M.threads() is 2), a file
 * from M.SECOND_FROM bytes that the engine can split (CSV, NDJSON, an array of JSON records)
 * is read in two parts at once: its later part, from a line start, on the second thread
 * (kpi::session::start_second), fed whenever fewer than M.SECOND_QUEUE of its chunks wait
 * there, else the first part. A part the engine refuses (it began inside a quoted field or a
 * JSON record) is fed again here. Calls progress(bytes, rows) after each chunk. Returns the
 * parts the file was read in, 1 or 2 (its later part taken from the second thread), or 0 when
 * stop() said so before the end (the caller removes the file). `chunks` reads a Blob's bytes
 * (fileChunks; the warm-up's file, in memory, by sliceChunks).
 */
export async function feedFile(M, s, id, file, { progress = () => {}, stop = () => false, chunks = fileChunks } = {}) {
  let bytes = 0;
  let rows = 0;
  let partRows = 0;
  let split = file.size; // where the later part begins
  let first = chunks(file);
  let second = null;
  let splitTried = !(M.threads() >= 2 && file.size >= M.SECOND_FROM);
  try {
    for (;;) {
      if (stop()) return 0;
      const later = second !== null && (!first || s.secondWaiting(id) < M.SECOND_QUEUE);
      const source = later ? second : first;
      if (!source) break;
      const { done, value } = await source.next();
      if (done) {
        if (later) second = null;
        else first = null;
        continue;
      }
      if (later) partRows = s.feedSecond(id, value);
      else rows = s.feed(id, value);
      bytes += value.byteLength;
      progress(bytes, rows + partRows);
      if (!later && !splitTried && bytes >= SPLIT_AFTER) {
        splitTried = true;
        const at = await secondPartAt(file, M.SECOND_AT);
        if (at > bytes && s.startSecond(id, file.size - at)) {
          split = at;
          await first.return();
          first = chunks(file.slice(bytes, split));
          second = chunks(file.slice(split));
        }
      }
    }
  } finally {
    await first?.return();
    await second?.return();
  }
  if (split === file.size) return 1;
  if (s.takeSecond(id)) return 2;
  bytes = split;
  for await (const chunk of chunks(file.slice(split))) {
    if (stop()) return 0;
    rows = s.feed(id, chunk);
    bytes += chunk.byteLength;
    progress(bytes, rows);
  }
  return 1;
}
