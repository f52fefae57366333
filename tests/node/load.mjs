// Loads the wasm module under node. Emscripten 3.1.6's ES6 output assumes CommonJS globals
// (__dirname, require) when it sees node and cannot locate its .wasm: give it both, and the
// bytes of the module.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(fileURLToPath(import.meta.url), '../../..');

/**
 * The module of `dir` (its loupe.js and loupe.wasm), instantiated. By default build-wasm/, or
 * LOUPE_WASM_DIR: test a module built elsewhere (as scripts/serve and scripts/bench take it).
 */
export async function loadLoupe(dir = process.env.LOUPE_WASM_DIR ? resolve(process.env.LOUPE_WASM_DIR) : join(root, 'build-wasm')) {
  globalThis.__dirname ??= dir;
  globalThis.require ??= createRequire(join(dir, 'loupe.js'));
  const { default: createLoupe } = await import(join(dir, 'loupe.js'));
  return createLoupe({ wasmBinary: readFileSync(join(dir, 'loupe.wasm')) });
}
