// Kernel table for the avx2 family: AVX2 + FMA: a 6x16 tile (12 ymm accumulators) and a 12x8 narrow
// tile. CMakeLists.txt compiles this unit with the family's instruction-set flags.
#include <immintrin.h>

#include "gemm/isa_table.h"

#define EMBER_VW 8

namespace ember {
namespace isa_avx2_impl {
namespace {
// clang-format off: the order matters (vocabulary, then kernels, then vector math)
#include "gemm/simd.inc"
#include "gemm/microkernel.inc"
#include "gemm/vecmath.inc"
// clang-format on
}  // namespace
}  // namespace isa_avx2_impl

const IsaKernels& isa_avx2() {
  using namespace isa_avx2_impl;
  // {mr, nr, kc, mc, nc, A as rows, A k-major}
  static const IsaKernels table = {
      "avx2",
      {6, 16, 256, 192, 3072, microkernel<6, 16, false>, microkernel<6, 16, true>},
      {12, 8, 256, 240, 3072, microkernel<12, 8, false>, microkernel<12, 8, true>},
      activate,
      fma_probe};
  return table;
}

}  // namespace ember
