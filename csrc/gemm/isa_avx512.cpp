// Kernel table for the avx512 family: AVX-512F: an 8x32 tile (16 zmm accumulators) and a 12x16
// narrow tile. CMakeLists.txt compiles this unit with the family's instruction-set flags.
#include <immintrin.h>

#include "gemm/isa_table.h"

#define EMBER_VW 16

namespace ember {
namespace isa_avx512_impl {
namespace {
// clang-format off: the order matters (vocabulary, then kernels, then vector math)
#include "gemm/simd.inc"
#include "gemm/microkernel.inc"
#include "gemm/vecmath.inc"
// clang-format on
}  // namespace
}  // namespace isa_avx512_impl

const IsaKernels& isa_avx512() {
  using namespace isa_avx512_impl;
  // {mr, nr, kc, mc, nc, A as rows, A k-major}
  static const IsaKernels table = {
      "avx512",
      {8, 32, 192, 192, 3072, microkernel<8, 32, false>, microkernel<8, 32, true>},
      {12, 16, 256, 192, 3072, microkernel<12, 16, false>, microkernel<12, 16, true>},
      activate,
      fma_probe};
  return table;
}

}  // namespace ember
