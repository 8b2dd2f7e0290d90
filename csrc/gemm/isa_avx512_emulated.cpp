// Test-only kernel table: the AVX-512 family's tile shapes and 16-lane vector math, compiled for
// AVX2 (each 16-lane vector becomes two ymm registers). It lets a machine without AVX-512 run
// the same source logic as the avx512 table; it is never chosen by default.
#include <immintrin.h>

#include "gemm/isa_table.h"

#define EMBER_VW 16

namespace ember {
namespace isa_avx512_emulated_impl {
namespace {
// clang-format off: the order matters (vocabulary, then kernels, then vector math)
#include "gemm/simd.inc"
#include "gemm/microkernel.inc"
#include "gemm/vecmath.inc"
// clang-format on
}  // namespace
}  // namespace isa_avx512_emulated_impl

const IsaKernels& isa_avx512_emulated() {
  using namespace isa_avx512_emulated_impl;
  // {mr, nr, kc, mc, nc, A as rows, A k-major}
  static const IsaKernels table = {
      "avx512_emulated",
      {8, 32, 192, 192, 3072, microkernel<8, 32, false>, microkernel<8, 32, true>},
      {12, 16, 256, 192, 3072, microkernel<12, 16, false>, microkernel<12, 16, true>},
      activate,
      fma_probe};
  return table;
}

}  // namespace ember
