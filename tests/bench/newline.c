// The hardware reference of scripts/bench: counts '\n' in a buffer with wasm SIMD, 16 bytes per
// step. The page copies each chunk of the File into this module's memory and calls count(),
// so the measured time is reading the file plus one copy plus the cheapest possible scan.
// Built freestanding (no libc): clang --target=wasm32 -O3 -msimd128 -nostdlib.
#include <wasm_simd128.h>

#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base;

// Where JS may write: everything above the static data (JS grows the memory as needed).
__attribute__((export_name("base"))) uintptr_t base(void) { return (uintptr_t)&__heap_base; }

__attribute__((export_name("count"))) uint32_t count(const uint8_t* p, uint32_t n) {
  const v128_t nl = wasm_i8x16_splat('\n');
  uint32_t total = 0;
  uint32_t i = 0;
  while (n - i >= 16) {
    // Up to 255 steps per byte-wide accumulator (each lane counts down by one per match).
    uint32_t steps = (n - i) / 16;
    if (steps > 255) steps = 255;
    v128_t acc = wasm_i8x16_splat(0);
    for (uint32_t s = 0; s < steps; ++s, i += 16) {
      acc = wasm_i8x16_sub(acc, wasm_i8x16_eq(wasm_v128_load(p + i), nl));
    }
    const v128_t wide = wasm_u16x8_extadd_pairwise_u8x16(acc);
    const v128_t wider = wasm_u32x4_extadd_pairwise_u16x8(wide);
    total += wasm_u32x4_extract_lane(wider, 0) + wasm_u32x4_extract_lane(wider, 1) +
             wasm_u32x4_extract_lane(wider, 2) + wasm_u32x4_extract_lane(wider, 3);
  }
  for (; i < n; ++i) total += p[i] == '\n';
  return total;
}
